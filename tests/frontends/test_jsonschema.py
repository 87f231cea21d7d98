"""The JSON Schema frontend: schemas lowered into the IR, and every user error as a located diagnostic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen import ir
from codegen.diagnostics import Diagnostics
from codegen.frontends.json_locations import Locator
from codegen.frontends.jsonschema import load_jsonschema

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "json_fixtures"
S = ir.Scalar
D2020 = "https://json-schema.org/draft/2020-12/schema"
META = {"name": "t", "version": "1.0.0"}


def compile_docs(tmp_path: Path, docs: dict[str, Any]) -> tuple[list[ir.Contract], list[str]]:
    """Writes each document (a dict is dumped pretty, a str written as is) and compiles them all."""
    paths = []
    for name, doc in docs.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
        paths.append(path)
    diags = Diagnostics()
    contracts = load_jsonschema(paths, diags)
    return contracts, [d.format().split(": ", 1)[1] for d in diags.sorted()]


def one(tmp_path: Path, properties: dict[str, Any], **extra: Any) -> tuple[ir.Contract, list[str]]:
    doc = {"$schema": D2020, "title": "Thing", "type": "object", "x-contract": META, "properties": properties, **extra}
    contracts, problems = compile_docs(tmp_path, {"thing.schema.json": doc})
    assert len(contracts) == 1, problems
    return contracts[0], problems


def field(c: ir.Contract, name: str, record: str | None = None) -> ir.Field:
    return next(f for f in c.record(record or c.root).fields if f.name == name)


# -- the examples ---------------------------------------------------------------------------------


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch) -> dict[str, ir.Contract]:
    monkeypatch.chdir(ROOT)
    diags = Diagnostics()
    files = sorted(Path("contracts").rglob("*.json"))
    contracts = load_jsonschema(files, diags)
    assert [d.format() for d in diags.sorted()] == []  # no errors, no warnings
    return {c.name: c for c in contracts}


def test_examples_are_three_contracts_and_a_library(examples: dict[str, ir.Contract]) -> None:
    assert sorted(examples) == ["catalog", "customers", "payments"]


def test_customers_example(examples: dict[str, ir.Contract]) -> None:
    c = examples["customers"]
    assert (c.root, c.version, c.owner, c.source.dialect) == ("Customer", "1.0.0", ir.Owner("customer-platform",
        "customer-platform@acme.example"), "2020-12")  # fmt: skip
    email = field(c, "email")
    assert (email.type, email.pii, email.classification, email.required) == (
        ir.ScalarType(S.STRING, ir.Constraints(max_length=254), format="email"),
        True,
        "confidential",
        True,
    )
    phone, birth = field(c, "phone"), field(c, "birth_date")
    assert isinstance(phone.type, ir.NullableType) and phone.required  # nullable: present, may be null
    assert birth.type == ir.ScalarType(S.DATE) and not birth.required  # optional: may be absent, never null
    assert field(c, "status").type == ir.EnumType("Customer.status")
    assert [v.value for v in c.enum("Customer.status").values] == ["active", "suspended", "closed"]
    assert field(c, "status").default == "active" and field(c, "status").has_default
    assert field(c, "address").type == ir.RecordType("Customer.address")
    assert not c.record("Customer.address").open and c.record("Customer.address").name == "address"
    assert {type(p) for p in c.ports} == {ir.StreamPort, ir.TablePort}
    assert c.slo == ir.ServiceLevels("PT5M", 0.999, 0.9995)


def test_payments_example_uses_the_shared_library(examples: dict[str, ir.Contract]) -> None:
    c = examples["payments"]
    assert c.source.dialect == "draft-07"
    assert c.source.files == ("contracts/payments/payments.schema.json", "contracts/shared/definitions.schema.json")
    amount = field(c, "amount")
    assert amount.type == ir.RecordType("Money") and amount.description == "Amount charged."
    money = field(c, "amount", "Money")
    assert (money.type.kind, money.type.precision, money.type.scale) == (S.DECIMAL, 18, 2)  # type: ignore[union-attr]
    assert field(c, "attempt").type == ir.ScalarType(S.INT32, ir.Constraints(minimum=1, maximum=10))
    assert field(c, "refunds").type == ir.ArrayType(ir.RecordType("Refund"), unique_items=True)
    assert field(c, "provider_ref").deprecated  # x-deprecated in draft-07
    assert field(c, "line1", "Address").pii


def test_catalog_example_recursion_union_allof(examples: dict[str, ir.Contract]) -> None:
    c = examples["catalog"]
    assert field(c, "children", "Category").type == ir.ArrayType(ir.RecordType("Category"))
    product = field(c, "product").type
    assert product == ir.UnionType((ir.RecordType("Book"), ir.RecordType("Gadget")), discriminator="kind")
    book = c.record("Book")
    assert [f.name for f in book.fields] == ["kind", "price", "currency", "isbn", "pages"]  # allOf merged
    assert field(c, "price", "Book").type.kind is S.DECIMAL  # type: ignore[union-attr]
    assert field(c, "kind", "Book").type == ir.LiteralType("book")
    assert field(c, "dimensions_cm").type == ir.TupleType((ir.ScalarType(S.FLOAT64),) * 3)
    assert field(c, "attributes").type == ir.MapType(ir.ScalarType(S.STRING), ir.ScalarType(S.STRING))


# -- types ----------------------------------------------------------------------------------------


def test_formats_and_constraints(tmp_path: Path) -> None:
    c, problems = one(
        tmp_path,
        {
            "at": {"type": "string", "format": "date-time"},
            "t": {"type": "string", "format": "time"},
            "d": {"type": "string", "format": "duration"},
            "host": {"type": "string", "format": "hostname", "minLength": 1, "pattern": "^a"},
            "raw": {"type": "string", "contentEncoding": "base64"},
            "n": {"type": "integer", "minimum": 0, "exclusiveMaximum": 10, "multipleOf": 2},
            "f": {"type": "number", "format": "float"},
            "dec": {"type": "string", "format": "decimal"},
            "odd": {"type": "string", "format": "shoe-size"},
        },
    )
    assert problems == ["W010 unknown format 'shoe-size' for a string: compiled as a plain string"]
    assert field(c, "at").type == ir.ScalarType(S.DATETIME)
    assert field(c, "t").type == ir.ScalarType(S.TIME)
    assert field(c, "d").type == ir.ScalarType(S.DURATION)
    assert field(c, "host").type == ir.ScalarType(S.STRING, ir.Constraints(min_length=1, pattern="^a"), "hostname")
    assert field(c, "raw").type == ir.ScalarType(S.BYTES)
    assert field(c, "n").type == ir.ScalarType(S.INT64, ir.Constraints(minimum=0, exclusive_maximum=10, multiple_of=2))
    assert field(c, "f").type == ir.ScalarType(S.FLOAT32)
    assert field(c, "dec").type == ir.ScalarType(S.DECIMAL)
    assert field(c, "odd").type == ir.ScalarType(S.STRING)


def test_an_unsigned_64_bit_range_is_uint64(tmp_path: Path) -> None:
    """Schemas of unsigned counters say 0..2**64-1: as int64 the reader would refuse the top half."""
    top = 2**64 - 1
    c, _ = one(
        tmp_path,
        {
            "u": {"type": "integer", "minimum": 0, "maximum": top},
            "x": {"type": "integer", "exclusiveMinimum": -1, "exclusiveMaximum": 2**64},
            "signed": {"type": "integer", "minimum": -1, "maximum": top},  # no 64-bit type holds it: as before
            "small": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
        },
    )
    assert field(c, "u").type == ir.ScalarType(S.UINT64, ir.Constraints(minimum=0, maximum=top))
    assert field(c, "x").type.kind is S.UINT64  # type: ignore[union-attr]
    assert field(c, "signed").type.kind is S.INT64  # type: ignore[union-attr]
    assert field(c, "small").type.kind is S.INT64  # type: ignore[union-attr]


def test_nullable_unions_literals_enums(tmp_path: Path) -> None:
    c, problems = one(
        tmp_path,
        {
            "a": {"type": ["string", "null"]},
            "b": {"type": ["string", "integer"]},
            "c": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "d": {"const": "fixed"},
            "e": {"enum": [1, 2, None]},
            "f": {"type": "string", "enum": ["x", "y", None]},  # null fails `type`: not nullable
            "g": {"enum": ["only"]},
            "free": {},
            "obj": {"type": "object"},
        },
    )
    assert problems == []
    assert field(c, "a").type == ir.NullableType(ir.ScalarType(S.STRING))
    assert field(c, "b").type == ir.UnionType((ir.ScalarType(S.STRING), ir.ScalarType(S.INT64)))
    assert field(c, "c").type == ir.NullableType(ir.ScalarType(S.INT64))
    assert field(c, "d").type == ir.LiteralType("fixed")
    assert field(c, "e").type == ir.NullableType(ir.EnumType("Thing.e"))
    assert [(v.name, v.value) for v in c.enum("Thing.e").values] == [("1", 1), ("2", 2)]
    assert field(c, "f").type == ir.EnumType("Thing.f")
    assert field(c, "g").type == ir.LiteralType("only")
    assert field(c, "free").type == ir.JsonType() and field(c, "obj").type == ir.JsonType()


def test_field_annotations(tmp_path: Path) -> None:
    c, _ = one(
        tmp_path,
        {
            "x": {
                "type": "string",
                "description": "The x.",
                "default": "a",
                "deprecated": True,
                "examples": ["a", "b"],
                "x-pii": True,
                "x-classification": "restricted",
            }
        },
        required=["x"],
    )
    x = field(c, "x")
    assert (x.description, x.default, x.has_default, x.deprecated, x.examples) == (
        "The x.",
        "a",
        True,
        True,
        ("a", "b"),
    )
    assert (x.pii, x.classification, x.required) == (True, "restricted", True)
    assert (x.location.line, x.location.col) == (10, 5)  # the property's key


def test_discriminator_found_without_annotation(tmp_path: Path) -> None:
    variant = {"type": "object", "required": ["kind"]}
    c, problems = one(
        tmp_path,
        {"pet": {"oneOf": [{**variant, "title": "Cat", "properties": {"kind": {"const": "cat"}}},
                           {**variant, "title": "Dog", "properties": {"kind": {"enum": ["dog"]}}}]}},
    )  # fmt: skip
    assert problems == []
    assert field(c, "pet").type == ir.UnionType(
        (ir.RecordType("Thing.pet.Cat"), ir.RecordType("Thing.pet.Dog")), discriminator="kind"
    )


def test_union_siblings_apply_to_every_variant(tmp_path: Path) -> None:
    c, problems = one(
        tmp_path,
        {
            "event": {
                "type": "object",
                "properties": {"id": {"type": "string"}},
                "required": ["id", "kind"],
                "oneOf": [
                    {"properties": {"kind": {"const": "a"}, "a": {"type": "integer"}}},
                    {"properties": {"kind": {"const": "b"}}},
                ],
            }
        },
    )
    assert problems == []
    union = field(c, "event").type
    assert isinstance(union, ir.UnionType) and union.discriminator == "kind"
    first = c.record(union.variants[0].ref)  # type: ignore[union-attr]
    assert [f.name for f in first.fields] == ["id", "kind", "a"]


def test_defs_refs_and_collisions_across_files(tmp_path: Path) -> None:
    lib_a = {"$defs": {"Money": {"type": "object", "properties": {"a": {"type": "string"}}}}}
    lib_b = {"$defs": {"Money": {"type": "object", "properties": {"b": {"type": "string"}}}}}
    main = {
        "$schema": D2020,
        "title": "Main",
        "x-contract": META,
        "type": "object",
        "properties": {"a": {"$ref": "a.schema.json#/$defs/Money"}, "b": {"$ref": "sub/b.schema.json#/$defs/Money"}},
    }
    contracts, problems = compile_docs(
        tmp_path, {"main.schema.json": main, "a.schema.json": lib_a, "sub/b.schema.json": lib_b}
    )
    assert problems == [] and len(contracts) == 1
    c = contracts[0]
    assert field(c, "a").type == ir.RecordType("Money")
    assert field(c, "b").type == ir.RecordType("b.Money")  # qualified with its file's stem


def test_refs_with_ids_and_a_plain_contract(tmp_path: Path) -> None:
    shared = {"$id": "https://example.com/shared.json", "$defs": {"Id": {"type": "string", "format": "uuid"}}}
    plain = {
        "$id": "https://example.com/plain.json",
        "type": "object",
        "properties": {"id": {"$ref": "shared.json#/$defs/Id"}},
    }
    contracts, problems = compile_docs(tmp_path, {"shared.json": shared, "plain.json": plain})
    assert [p.split(" ", 1)[0] for p in problems] == ["W001"]
    c = contracts[0]
    assert (c.name, c.root, c.has_metadata) == ("plain", "Plain", False)
    assert field(c, "id").type == ir.ScalarType(S.UUID)


def test_root_ref_and_record_named_by_x_contract(tmp_path: Path) -> None:
    defs = {"A": {"type": "object", "properties": {"x": {"type": "string"}}}}
    by_ref = {"$ref": "#/$defs/A", "$defs": defs, "x-contract": META}
    named = {"$defs": defs, "x-contract": {**META, "name": "u", "record": "A"}}
    contracts, problems = compile_docs(tmp_path, {"r.json": by_ref, "u.json": named})
    assert problems == []
    assert [(c.name, c.root) for c in contracts] == [("t", "A"), ("u", "A")]


def test_draft07_tuple_and_definitions(tmp_path: Path) -> None:
    doc = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "x-contract": META,
        "type": "object",
        "definitions": {"P": {"type": "object", "properties": {"n": {"type": "number"}}}},
        "properties": {"pair": {"type": "array", "items": [{"type": "string"}, {"$ref": "#/definitions/P"}]}},
    }
    contracts, problems = compile_docs(tmp_path, {"d7.schema.json": doc})
    assert problems == []
    assert field(contracts[0], "pair").type == ir.TupleType((ir.ScalarType(S.STRING), ir.RecordType("P")))


def test_draft04_is_read_as_draft07(tmp_path: Path) -> None:
    """draft-04's boolean exclusiveMinimum/exclusiveMaximum qualify the bound; later drafts give the bound."""
    doc = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": "http://example.com/legacy.json",
        "x-contract": META,
        "type": "object",
        "definitions": {"P": {"type": "object", "properties": {"n": {"type": "number"}}}},
        "properties": {
            "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            "ratio": {"type": "number", "maximum": 1, "exclusiveMaximum": False},
            "p": {"$ref": "#/definitions/P"},
        },
        "required": ["count"],
    }
    contracts, problems = compile_docs(tmp_path, {"legacy.schema.json": doc})
    assert problems == []
    assert contracts[0].source.dialect == "draft-04"
    count = field(contracts[0], "count").type
    assert isinstance(count, ir.ScalarType)
    assert (count.constraints.exclusive_minimum, count.constraints.minimum) == (0, None)
    ratio = field(contracts[0], "ratio").type
    assert isinstance(ratio, ir.ScalarType)
    assert (ratio.constraints.maximum, ratio.constraints.exclusive_maximum) == (1, None)
    assert field(contracts[0], "p").type == ir.RecordType("P")


def test_draft04_meta_schema_errors_are_draft04s(tmp_path: Path) -> None:
    """Validated against draft-04's own meta-schema before it is rewritten: a numeric exclusiveMinimum is
    draft-06 spelling and wrong here."""
    doc = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {"count": {"type": "integer", "exclusiveMinimum": 0}},
    }
    _, problems = compile_docs(tmp_path, {"bad.schema.json": doc})
    assert any(p.startswith("E010 not a valid draft-04 schema") for p in problems), problems


# -- errors, located -------------------------------------------------------------------------------


def test_invalid_json_is_located(tmp_path: Path) -> None:
    _, problems = compile_docs(tmp_path, {"bad.json": '{\n  "type": "object",\n  "x": [1,,2]\n}'})
    assert problems == ["E002 invalid JSON: Expecting value"]


def test_errors_are_located_at_the_keyword(tmp_path: Path) -> None:
    text = '{\n  "x-contract": {"name": "t"},\n  "type": "object",\n  "properties": {\n    "a": {"not": {}}\n  }\n}\n'
    diags = Diagnostics()
    (tmp_path / "t.json").write_text(text)
    load_jsonschema([tmp_path / "t.json"], diags)
    [d] = diags.sorted()
    assert (d.code, d.location.line, d.location.col) == ("E012", 5, 11)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"type": "object", "properties": {"a": {"type": 5}}}, "E010"),
        ({"$schema": "http://json-schema.org/draft-03/schema#", "type": "object"}, "E011"),
        ({"type": "object", "properties": {"a": {"propertyNames": {}}}}, "E012"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/Nope"}}}, "E013"),
        ({"type": "object", "properties": {"a": {"enum": ["a", 1]}}}, "E014"),
        ({"type": "object", "properties": {"a": {"x-pii": 1}}}, "E015"),
        ({"type": "object", "properties": {"a": {"x-classification": "top"}}}, "E030"),
        ({"type": "object", "properties": {"a": {"type": "string", "format": "zip"}}}, "W010"),
        ({"type": "object", "properties": {"a": {"type": "string", "tsType": "x"}}}, "W011"),
        ({"type": "string"}, "E014"),
    ],
)
def test_every_code(tmp_path: Path, doc: dict[str, Any], expected: str) -> None:
    _, problems = compile_docs(tmp_path, {"c.schema.json": {"x-contract": META, **doc}})
    assert [p.split(" ", 1)[0] for p in problems] == [expected], problems


def test_wrong_shapes_never_raise(tmp_path: Path) -> None:
    docs: list[Any] = [[], 5, "x", True, {"$defs": []}, {"properties": []}, {"type": "object", "required": [1]},
                       {"allOf": [{"$ref": "#"}]}, {"$ref": "#"}, {"items": {"$ref": "#/items"}}]  # fmt: skip
    for i, doc in enumerate(docs):
        compile_docs(tmp_path, {f"s{i}.schema.json": {"x-contract": META, "anyOf": [doc]} if i % 2 else doc})


def test_locator_positions() -> None:
    text = '{\n  "a": {"b": [1, {"c/d": 2}]},\n  "e" :\t"x"\n}'
    loc = Locator(text)
    assert loc.position("") == (1, 1)
    assert loc.position("/a") == (2, 3) and loc.value_position("/a") == (2, 8)
    assert loc.position("/a/b/1/c~1d") == (2, 19)
    assert loc.position("/e") == (3, 3)
    assert loc.position("/a/zzz") == (2, 3)  # unknown: its nearest known parent


def test_every_bad_metadata_key_is_reported(tmp_path: Path) -> None:
    """An unknown key does not hide the other errors of the x-contract block (each key is judged alone)."""
    meta = {"name": "j", "version": "1.0", "owner": {"team": 5}, "colour": "red"}
    _, problems = compile_docs(
        tmp_path, {"j.schema.json": {"type": "object", "x-contract": meta, "properties": {"a": {"type": "string"}}}}
    )
    assert sorted(p.split(" ", 1)[0] for p in problems) == ["E030", "E030", "E031"], problems
    assert any("colour" in p for p in problems) and any("owner.team" in p for p in problems)
