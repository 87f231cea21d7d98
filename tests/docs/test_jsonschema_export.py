"""The JSON Schema export: valid 2020-12 schemas for both source languages, and example payloads
that validate against them (and decode into the generated records: see test_usage)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from codegen import ir
from codegen.emitters.docs_example import example_payload, sample_pattern
from codegen.emitters.docs_schema import SchemaBuilder
from tests.docs.conftest import hostile_contract

CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def test_every_contract_exports_a_valid_schema(contracts: tuple[ir.Contract, ...], docs: dict[str, bytes]) -> None:
    exported = {p: json.loads(b) for p, b in docs.items() if p.startswith("jsonschema/")}
    assert len(exported) == len(contracts)
    for path, schema in exported.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", path
        assert schema["x-contract"]["name"] in {c.name for c in contracts}
    assert {c.source.language for c in contracts} == {ir.SchemaLanguage.PROTOBUF, ir.SchemaLanguage.JSON_SCHEMA}


def test_example_payloads_validate(contracts: tuple[ir.Contract, ...]) -> None:
    for c in contracts:
        schema = SchemaBuilder(c).document()
        example = example_payload(c, schema)
        assert example.valid, (c.name, example.problems)
        jsonschema.Draft202012Validator(schema, format_checker=CHECKER).validate(example.payload)


def test_orders_schema_says_what_the_proto_says(contracts: tuple[ir.Contract, ...]) -> None:
    orders = next(c for c in contracts if c.name == "orders" and c.source.language is ir.SchemaLanguage.PROTOBUF)
    schema = SchemaBuilder(orders).document()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    root = defs["OrderPlaced"]
    assert root["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert root["properties"]["items"]["minItems"] == 1
    assert root["properties"]["customer_email"]["x-pii"] is True
    assert defs["OrderStatus"]["enum"][1] == "ORDER_STATUS_PLACED"
    validator = jsonschema.Draft202012Validator(schema, format_checker=CHECKER)
    good = example_payload(orders, schema).payload
    assert isinstance(good, dict)
    assert not list(validator.iter_errors(good))
    # The schema rejects what the contract forbids: a bad currency, two oneof members, an empty cart.
    for broken in (
        {**good, "currency": "eur"},
        {**good, "voucher_code": "FREE", "card": {"brand": "CARD_BRAND_VISA", "last4": "1234"}},
        {**good, "items": []},
        {**good, "status": "SHIPPED"},
    ):
        assert list(validator.iter_errors(broken)), broken


def test_unsatisfiable_pattern_gives_no_payload_and_says_why() -> None:
    evil = hostile_contract()
    example = example_payload(evil, SchemaBuilder(evil).document())
    assert not example.valid and example.payload is None
    assert any("code" in p and "pattern" in p for p in example.problems)


@pytest.mark.parametrize(
    "pattern", [r"^[A-Z]{3}$", r"^SKU-[0-9]+$", r"^(foo|bar)\d{2,}$", r"[^a-z]+", r"^\w+@\w+\.com$", r"^[a-z0-9-]+$"]
)
def test_pattern_samples_match(pattern: str) -> None:
    import re

    sample = sample_pattern(pattern)
    assert sample is not None and re.search(pattern, sample)


@pytest.mark.parametrize(
    ("pattern", "min_length", "max_length", "sample"),
    [
        (r"^[A-Z0-9]+$", 4, None, "AAAA"),  # a repeat grows to the field's minimum length
        (r"^(ab)+$", 5, 6, "ababab"),
        (r"^a{2,5}$", 4, 5, "aaaa"),
        (r"^[A-Z]{3}$", 4, None, None),  # no string of the pattern is long enough: said, not faked
    ],
)
def test_pattern_samples_meet_the_length_bounds(
    pattern: str, min_length: int, max_length: int | None, sample: str | None
) -> None:
    assert sample_pattern(pattern, min_length, max_length) == sample


def test_export_is_deterministic(contracts: tuple[ir.Contract, ...], docs: dict[str, bytes]) -> None:
    from tests.docs.conftest import generate_docs

    assert generate_docs(contracts) == docs


def test_decimals_as_producers_write_them_validate(contracts: tuple[ir.Contract, ...]) -> None:
    """A decimal travels as str(Decimal): the exported schema accepts each spelling a producer writes
    (exponents for tiny values and normalized ones), and still refuses what is no decimal."""
    import decimal

    import msgspec

    orders = next(c for c in contracts if c.name == "orders" and c.source.language is ir.SchemaLanguage.PROTOBUF)
    schema = SchemaBuilder(orders).document()
    validator = jsonschema.Draft202012Validator(schema, format_checker=CHECKER)
    good = example_payload(orders, schema).payload
    assert isinstance(good, dict)
    for value in ("0.0000001", "100", "129.90", "-0", "1E+2", "0E-7"):
        written = msgspec.json.decode(msgspec.json.encode(decimal.Decimal(value)))
        if value in ("100", "1E+2"):
            written = msgspec.json.decode(msgspec.json.encode(decimal.Decimal(value).normalize()))
        assert not list(validator.iter_errors({**good, "total_amount": written})), written
    for wrong in ("", "1.", ".5", "1e", "NaN", "Infinity", "1,5", "+1", " 1"):
        assert list(validator.iter_errors({**good, "total_amount": wrong})), wrong
