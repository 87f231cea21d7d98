"""What the python emitter cannot generate is reported as diagnostics with the field's location."""

from __future__ import annotations

import pytest

from codegen import ir
from codegen.diagnostics import ContractError
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from tests.python.fixtures import S, contract, field, record, scalar


def errors(*contracts: ir.Contract, package: str = "datacontracts") -> list[str]:
    with pytest.raises(ContractError) as info:
        PythonModelsEmitter().generate(contracts, PythonOptions(package=package))
    return [d.format() for d in info.value.diagnostics]


def one_field(t: ir.Type, **kwargs: object) -> ir.Contract:
    records = (record("Root", field("value", t, 7, **kwargs)), record("A"), record("B", field("k", ir.LiteralType(1))))
    return contract("bad", records)


@pytest.mark.parametrize(
    ("t", "message"),
    [
        (ir.UnionType((ir.RecordType("A"), ir.RecordType("B"))), "2 object types without a discriminator"),
        (ir.UnionType((scalar(S.STRING), scalar(S.DATETIME))), "union of str, datetime cannot be decoded"),
        (ir.UnionType((ir.ArrayType(scalar(S.STRING)), ir.TupleType(()))), "arrive as JSON array"),
        (ir.MapType(scalar(S.BOOL), scalar(S.STRING)), "map keys of type bool"),
        (ir.UnionType((ir.RecordType("A"), ir.RecordType("B")), discriminator="k"), "variant A has no string"),
    ],
)
def test_unrepresentable_types_are_e042(t: ir.Type, message: str) -> None:
    diags = errors(one_field(t))
    assert all(d.startswith("contracts/orders.schema.json:7:3: E042 ") for d in diags)
    assert any(message in d for d in diags)


@pytest.mark.parametrize(
    ("t", "message"),
    [
        (ir.ArrayType(ir.ArrayType(scalar(S.STRING), unique_items=True)), "uniqueItems is only enforced"),
        (scalar(S.INT32, multiple_of=0.5), "multiple of the fraction 0.5"),
        (scalar(S.BOOL, pattern="x"), "a pattern does not apply to a bool"),
        (ir.TupleType((scalar(S.STRING, format="email"), scalar(S.STRING, format="uri"))), "mixes string formats"),
    ],
)
def test_unplaceable_constraints_are_e043(t: ir.Type, message: str) -> None:
    (diag,) = errors(one_field(t))
    assert diag.startswith("contracts/orders.schema.json:7:3: E043 ") and message in diag


@pytest.mark.parametrize(
    ("t", "default"),
    [
        (scalar(S.INT32), "seven"),
        (scalar(S.DATETIME), "2024-01-01T00:00:00"),  # not zone-aware
        (scalar(S.DURATION), "one hour"),
        (ir.EnumType("E"), "missing"),
        (scalar(S.STRING), None),
        (ir.RecordType("A"), {"nope": 1}),
    ],
)
def test_bad_defaults_are_e044(t: ir.Type, default: ir.JsonValue) -> None:
    enum = ir.Enum("E", "E", (ir.EnumValue("a", "a", field("x", t).location),), field("x", t).location)
    bad = one_field(t, has_default=True, default=default)
    bad = ir.Contract(**{**{k: getattr(bad, k) for k in bad.__struct_fields__}, "enums": (enum,)})
    (diag,) = errors(bad)
    assert diag.startswith("contracts/orders.schema.json:7:3: E044 field Root.value: default")


def test_every_error_of_a_run_is_reported() -> None:
    bad = contract(
        "bad",
        (
            record(
                "Root",
                field("a", ir.MapType(scalar(S.BOOL), scalar(S.STRING)), 3),
                field("b", scalar(S.INT32), 4, has_default=True, default="x"),
            ),
        ),
    )
    assert [d.split(": ")[1] for d in errors(bad)] == ["E042 field Root.a", "E044 field Root.b"]


def test_module_name_collision_is_e041() -> None:
    a = contract("customer-profiles", (record("A"),))
    b = contract("customer_profiles", (record("B"),))
    (diag,) = errors(a, b)
    assert "E041" in diag and "'customer_profiles'" in diag


def test_several_majors_get_versioned_modules() -> None:
    v1 = contract("orders", (record("A"),), version="1.0.0")
    v2 = contract("orders", (record("A"),), version="2.1.0")
    paths = [f.path for f in PythonModelsEmitter().generate([v1, v2], PythonOptions())]
    assert paths[:2] == ["python/datacontracts/orders_v1.py", "python/datacontracts/orders_v2.py"]


@pytest.mark.parametrize("package", ["", "a-b", "class", "a..b", "pkg.1x"])
def test_invalid_package_option_is_e050(package: str) -> None:
    (diag,) = errors(contract("ok", (record("A"),)), package=package)
    assert "E050" in diag


def test_options_are_strict() -> None:
    import msgspec

    emitter = PythonModelsEmitter()
    assert emitter.parse_options({"package": "x"}) == PythonOptions(package="x")
    with pytest.raises(msgspec.ValidationError):
        emitter.parse_options({"pakage": "x"})


def test_default_breaking_its_own_constraints_is_e044() -> None:
    (diag,) = errors(one_field(scalar(S.STRING, min_length=2), has_default=True, default="a"))
    assert "E044 field Root.value: default 'a' breaks the field's own constraints: it is shorter than 2" in diag


@pytest.mark.parametrize(
    ("constraints", "default", "why"),
    [
        ({"minimum": 5}, 1.0, "it is less than 5"),
        ({"exclusive_minimum": 0}, 0.0, "it is not greater than 0"),
        ({"maximum": 1}, 1.5, "it is greater than 1"),
        ({"multiple_of": 0.25}, 0.3, "it is not a multiple of 0.25"),
    ],
)
def test_a_float_default_breaking_its_constraints_is_e044(
    constraints: dict[str, float], default: float, why: str
) -> None:
    (diag,) = errors(one_field(scalar(S.FLOAT64, **constraints), has_default=True, default=default))
    assert f"E044 field Root.value: default {default!r} breaks the field's own constraints: {why}" in diag


def test_float_defaults_within_their_constraints_pass() -> None:
    for constraints, default in (
        ({"multiple_of": 0.01}, 0.07),
        ({"exclusive_minimum": 0}, 1e-300),
        ({"maximum": 1}, 1),
    ):
        contract = one_field(scalar(S.FLOAT64, **constraints), has_default=True, default=default)
        assert PythonModelsEmitter().generate([contract], PythonOptions(package="datacontracts"))


def test_a_protobuf_default_breaking_its_constraints_is_e044_too() -> None:
    # The protobuf frontend makes such fields required (tests/frontends/test_protobuf.py); an IR that
    # still carries a broken default is refused like any other, not silently made required.
    from msgspec.structs import replace

    from tests.python.fixtures import PROTO_SOURCE

    proto = replace(
        one_field(ir.ArrayType(scalar(S.STRING), min_items=1), has_default=True, default=[]), source=PROTO_SOURCE
    )
    (diag,) = errors(proto)
    assert "E044 field Root.value: default [] breaks the field's own constraints" in diag


@pytest.mark.parametrize(
    "t",
    [
        scalar(S.STRING, pattern="^[A-Z]{3,2}$"),  # the field's own pattern, checked by a rule
        ir.NullableType(scalar(S.STRING, pattern="(unclosed")),
        ir.ArrayType(scalar(S.STRING, pattern=r"^\p{L}+$")),  # ECMA-262 property escape: not in Python's re
    ],
)
def test_patterns_python_cannot_compile_are_e045(t: ir.Type) -> None:
    """The generated module would fail on import (re.error): the compiler says so at the field instead."""
    (diag,) = errors(one_field(t))
    assert diag.startswith("contracts/orders.schema.json:7:3: E045 field Root.value: pattern ")
    assert "is not a regular expression Python's re can compile" in diag
