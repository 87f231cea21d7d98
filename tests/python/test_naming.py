"""Safe target names: keywords, builtins, digits, non-ASCII and collisions."""

from __future__ import annotations

import pytest

from codegen.naming import Namer, enum_member_name, module_name, pascal_case, snake_identifier


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Order.LineItem", "OrderLineItem"),
        ("Customer.address", "CustomerAddress"),
        ("line_item", "LineItem"),
        ("größe", "Grosse"),
        ("名前", "Record"),
        ("1st", "R1st"),
        ("HTTPServer", "HTTPServer"),
    ],
)
def test_pascal_case(name: str, expected: str) -> None:
    assert pascal_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("customer-profiles", "customer_profiles"),
        ("Orders.V2", "orders_v2"),
        ("list", "list_"),
        ("9lives", "contract_9lives"),
    ],
)
def test_module_name(name: str, expected: str) -> None:
    assert module_name(name) == expected


def test_snake_identifier_and_members() -> None:
    assert snake_identifier("1st-place", "field_1") == "field_1st_place"
    assert snake_identifier("🙂", "field_3") == "field_3"
    assert enum_member_name("in-progress", "V") == "IN_PROGRESS"
    assert enum_member_name("inProgress", "V") == "IN_PROGRESS"
    assert enum_member_name("METHOD_CARD", "V") == "METHOD_CARD"
    assert enum_member_name("42", "V") == "V_42"
    assert enum_member_name("名前", "VALUE_2") == "VALUE_2"


def test_namer_deduplicates_and_avoids_reserved_and_keywords() -> None:
    namer = Namer({"int"})
    assert [namer.take(n) for n in ("a", "a", "a", "int", "class", "class")] == [
        "a",
        "a_",
        "a_2",
        "int_",
        "class_",
        "class_2",
    ]
