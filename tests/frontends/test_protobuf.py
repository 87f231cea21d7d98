"""The protobuf frontend: protoc output lowered into the IR, and every user error as a diagnostic."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

from codegen import frontends, ir, metadata
from codegen.diagnostics import Diagnostics, Location
from codegen.frontends import protobuf as pb
from codegen.frontends.proto_options import OPTIONS_FILE, PROTO_ROOT, parse_descriptor_set

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "proto_fixtures"
CASES = ROOT / "tests" / "cases"
S = ir.Scalar


def load(files: Sequence[str], proto_paths: Sequence[str] = ()) -> tuple[list[ir.Contract], Diagnostics]:
    diags = Diagnostics()
    contracts = pb.load_protobuf([Path(f) for f in files], [Path(p) for p in proto_paths], diags)
    return contracts, diags


def lines(diags: Diagnostics) -> list[str]:
    return [d.format() for d in diags.sorted()]


def field(record: ir.Record, name: str) -> ir.Field:
    return next(f for f in record.fields if f.name == name)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- the example contract ----------------------------------------------------------------------


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch) -> ir.Contract:
    monkeypatch.chdir(ROOT)
    contracts, diags = load(["contracts/orders/orders.proto", "contracts/orders/common/address.proto"], ["contracts"])
    assert lines(diags) == []
    assert len(contracts) == 1, "address.proto is a library, not a contract"
    return contracts[0]


def test_orders_metadata(orders: ir.Contract) -> None:
    assert (orders.name, orders.version, orders.root) == ("orders", "1.2.0", "OrderPlaced")
    assert orders.owner == ir.Owner("sales-platform", "sales-platform@acme.example")
    assert orders.slo == ir.ServiceLevels("PT15M", 0.999, 0.9999)
    assert orders.compatibility is ir.Compatibility.BACKWARD
    assert orders.tags == ("sales", "orders")
    assert orders.has_metadata
    where = Location("contracts/orders/orders.proto", 18, 1)  # the option statement
    assert orders.location == where
    stream, table = orders.ports
    assert stream == ir.StreamPort("order-events", "sales.orders.v1", "OrderPlaced", ("order_id",), where, "P7D")
    assert isinstance(table, ir.TablePort)
    assert (table.table, table.partition_by, table.cluster_by) == ("sales.orders", ("order_date",), ("customer_id",))
    assert orders.source == ir.Source(
        ir.SchemaLanguage.PROTOBUF,
        "contracts/orders/orders.proto",
        "proto3",
        ("contracts/orders/orders.proto", "contracts/orders/common/address.proto"),
        "acme.sales.v1",
        package_location=Location("contracts/orders/orders.proto", 12, 1),
    )


def test_orders_records_and_types(orders: ir.Contract) -> None:
    ids = [r.id for r in orders.records]
    assert ids == [
        "OrderPlaced",
        "OrderPlaced.LineItem",
        "acme.common.v1.Address",
        "OrderPlaced.Card",
        "OrderPlaced.BankTransfer",
    ]
    assert [e.id for e in orders.enums] == ["OrderStatus", "OrderPlaced.Card.CardBrand"]
    root = orders.record("OrderPlaced")
    order_id = field(root, "order_id")
    # uuid has no valid zero value, so an implicit-presence uuid must be set.
    assert (order_id.type, order_id.required, order_id.has_default) == (ir.ScalarType(S.UUID), True, False)
    assert order_id.examples == ("6f1c2a0e-8a7b-4c1e-9d3f-2b5e8c7a9d10",)
    total = field(root, "total_amount")
    assert total.type == ir.ScalarType(S.DECIMAL, ir.Constraints(minimum=0.0), precision=12, scale=2)
    assert total.examples == ("129.90",)  # a decimal example stays text
    email = field(root, "customer_email")
    assert (email.pii, email.classification, email.type) == (
        True,
        "confidential",
        ir.ScalarType(S.STRING, format="email"),
    )
    assert field(root, "placed_at").type == ir.NullableType(ir.ScalarType(S.DATETIME))
    assert field(root, "items").type == ir.ArrayType(ir.RecordType("OrderPlaced.LineItem"), 1, 500)
    # Zero values that break the field's own rules ("" is no email, [] has fewer than 1 item, "" does not
    # match ^[A-Z]{3}$): required in the IR, so records, SQL, dbt and docs agree that they must be set.
    for name in ("customer_email", "items", "currency"):
        assert (field(root, name).required, field(root, name).has_default) == (True, False), name
    for name in ("customer_id", "status", "attributes", "email"):  # valid zero values keep their defaults
        assert (field(root, name).required, field(root, name).has_default) == (False, True), name
    assert field(root, "shipping_address").type == ir.NullableType(ir.RecordType("acme.common.v1.Address"))
    assert field(root, "attributes").type == ir.MapType(ir.ScalarType(S.STRING), ir.ScalarType(S.STRING))
    assert field(root, "email").deprecated
    note = field(root, "customer_note")
    assert note.type == ir.NullableType(ir.ScalarType(S.STRING, ir.Constraints(max_length=500)))
    assert root.oneofs == (
        ir.OneOf(
            "payment", ("card", "bank_transfer", "voucher_code"), Location("contracts/orders/orders.proto", 95, 3)
        ),
    )
    assert field(root, "card").oneof == "payment"
    line_item = orders.record("OrderPlaced.LineItem")
    assert field(line_item, "quantity").type == ir.ScalarType(S.UINT32, ir.Constraints(minimum=1, maximum=1000))
    address = orders.record("acme.common.v1.Address")
    assert address.location == Location("contracts/orders/common/address.proto", 11, 1)
    assert field(address, "lines").type == ir.ArrayType(ir.ScalarType(S.STRING), 1, 4)
    assert field(address, "country").examples == ("DE", "US")


# -- fixtures: types, presence, WKTs -------------------------------------------------------------


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> ir.Contract:
    monkeypatch.chdir(FIXTURES)
    contracts, diags = load(["kitchen_sink.proto", "shop/types.proto"], ["."])
    assert lines(diags) == []
    (contract,) = contracts
    return contract


def test_scalar_mapping_and_proto_facts(sink: ir.Contract) -> None:
    root = sink.record("Sink")
    expected = {
        "i32": (S.INT32, "int32"),
        "s32": (S.INT32, "sint32"),
        "sf32": (S.INT32, "sfixed32"),
        "i64": (S.INT64, "int64"),
        "s64": (S.INT64, "sint64"),
        "sf64": (S.INT64, "sfixed64"),
        "u32": (S.UINT32, "uint32"),
        "f32": (S.UINT32, "fixed32"),
        "u64": (S.UINT64, "uint64"),
        "f64": (S.UINT64, "fixed64"),
        "fl": (S.FLOAT32, "float"),
        "db": (S.FLOAT64, "double"),
        "flag": (S.BOOL, "bool"),
        "text": (S.STRING, "string"),
        "blob": (S.BYTES, "bytes"),
    }
    for name, (kind, proto_type) in expected.items():
        f = field(root, name)
        assert f.type == ir.ScalarType(kind), name
        assert f.proto is not None and f.proto.proto_type == proto_type, name
    wrapped = field(root, "wrapped_int").proto
    assert wrapped == ir.ProtoField(24, "message", "wrappedInt", type_name="google.protobuf.Int32Value")
    assert field(root, "numbers").proto == ir.ProtoField(17, "int32", "numbers", packed=True)
    assert field(root, "unpacked").proto == ir.ProtoField(18, "int32", "unpacked", packed=False)
    assert field(root, "names").proto == ir.ProtoField(19, "string", "names", utf8_validation="VERIFY")


def test_proto3_presence_and_defaults(sink: ir.Contract) -> None:
    root = sink.record("Sink")
    zeros = {"i32": 0, "db": 0.0, "flag": False, "text": "", "blob": "", "colour": "COLOUR_UNSPECIFIED"}
    for name, zero in zeros.items():
        f = field(root, name)
        assert (f.required, f.has_default, f.default) == (False, True, zero), name
        assert type(f.default) is type(zero), name
    maybe = field(root, "maybe")
    assert (maybe.type, maybe.default, maybe.oneof) == (ir.NullableType(ir.ScalarType(S.INT64)), None, None)
    assert field(root, "numbers").default == []
    assert field(root, "dims").default == {}
    assert field(root, "dims").type == ir.MapType(ir.ScalarType(S.INT64), ir.RecordType("acme.types.v1.Dimension"))
    assert field(root, "colours").type == ir.MapType(ir.ScalarType(S.STRING), ir.EnumType("Sink.Colour"))
    # oneof members have presence; the synthetic oneof of `optional maybe` is not a oneof
    assert root.oneofs == (ir.OneOf("choice", ("part", "number"), Location("kitchen_sink.proto", 62, 3)),)
    number = field(root, "number")
    assert (number.type, number.default, number.oneof) == (ir.NullableType(ir.ScalarType(S.INT32)), None, "choice")
    assert field(root, "part").type == ir.NullableType(ir.RecordType("Part"))


def test_well_known_types(sink: ir.Contract) -> None:
    root = sink.record("Sink")
    assert field(root, "at").type == ir.NullableType(ir.ScalarType(S.DATETIME))
    assert field(root, "took").type == ir.NullableType(ir.ScalarType(S.DURATION))
    assert field(root, "times").type == ir.ArrayType(ir.ScalarType(S.DATETIME))
    wrapped = field(root, "wrapped_int")
    assert (wrapped.type, wrapped.has_default, wrapped.default) == (ir.NullableType(ir.ScalarType(S.INT32)), True, None)
    assert field(root, "wrapped_text").type == ir.NullableType(ir.ScalarType(S.UUID))
    assert field(root, "attrs").type == ir.JsonType()
    assert field(root, "anything").type == ir.JsonType()
    assert field(root, "things").type == ir.NullableType(ir.ArrayType(ir.JsonType()))
    assert field(root, "nothing").type == ir.NullableType(ir.RecordType("google.protobuf.Empty"))
    empty = sink.record("google.protobuf.Empty")
    assert (empty.fields, empty.location.path) == ((), "google/protobuf/empty.proto")


def test_field_options(sink: ir.Contract) -> None:
    root = sink.record("Sink")
    names = field(root, "names").type
    assert names == ir.ArrayType(ir.ScalarType(S.STRING, ir.Constraints(min_length=1)), unique_items=True)
    ratio = field(root, "ratio").type
    assert ratio == ir.ScalarType(S.FLOAT64, ir.Constraints(exclusive_minimum=0.0, maximum=1.5, multiple_of=0.25))
    # JSON when it parses; a string field keeps "123" as text; text that is no JSON stays text
    assert field(root, "id").examples == ("123", '{"a": 1}', "not json")
    assert field(root, "count").examples == (123, "oops")
    assert field(root, "when").type == ir.ScalarType(S.DATETIME)
    assert field(root, "day").type == ir.NullableType(ir.ScalarType(S.DATE))
    assert field(root, "host").type == ir.ScalarType(S.STRING, format="hostname")


def test_enums(sink: ir.Contract) -> None:
    colour = sink.enum("Sink.Colour")
    assert colour.proto_full_name == "acme.test.v1.Sink.Colour"
    assert [(v.name, v.value, v.number, v.deprecated) for v in colour.values] == [
        ("COLOUR_UNSPECIFIED", "COLOUR_UNSPECIFIED", 0, False),
        ("COLOUR_RED", "COLOUR_RED", 1, True),
    ]
    assert colour.values[1].location == Location("kitchen_sink.proto", 76, 5)
    assert sink.enum("acme.types.v1.Size").values[0].name == "SIZE_UNSPECIFIED"


def test_locations_descriptions_and_roots(sink: ir.Contract) -> None:
    assert sink.root == "Sink"  # the option's `record`, not the first message
    assert sink.compatibility is ir.Compatibility.FULL
    assert sink.version == "2.1.0-rc.1"
    root = sink.record("Sink")
    assert root.location == Location("kitchen_sink.proto", 30, 1)
    assert root.description == "The root record.\nBlock comments work too."
    assert root.deprecated
    assert field(root, "text").description == "trailing comment is the description"
    assert field(root, "at").location == Location("kitchen_sink.proto", 52, 3)
    assert sink.record("Part").description == "Overridden description."
    # a port's record is lowered even if the root did not reach it first
    assert sink.ports[1].record == "Part"


def test_library_types_only_what_is_reached(sink: ir.Contract) -> None:
    ids = {r.id for r in sink.records}
    assert "acme.types.v1.Dimension" in ids
    assert "acme.types.v1.Unused" not in ids and "First" not in ids
    assert sink.source.files == ("kitchen_sink.proto", "shop/types.proto")


def test_proto2_required_and_explicit_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    (contract,), _ = load(["legacy.proto"])  # no -I: the common parent folder is the import root
    thing = contract.record("LegacyThing")
    assert contract.source.dialect == "proto2"
    assert (field(thing, "id").required, field(thing, "id").has_default) == (True, False)
    assert field(thing, "inner").type == ir.RecordType("LegacyThing.Inner")
    assert field(thing, "inner").required
    retries = field(thing, "retries")
    assert (retries.type, retries.default) == (ir.NullableType(ir.ScalarType(S.INT32)), 3)
    assert field(thing, "note").default is None
    assert field(thing, "mode").default == "MODE_FAST"
    assert field(thing, "on").default is True
    assert field(thing, "ratio").default == 0.5
    assert contract.record("LegacyThing.Inner").fields[0].default == 16
    assert field(thing, "packed_ints").proto == ir.ProtoField(7, "int32", "packedInts", packed=True)
    assert field(thing, "plain_ints").proto == ir.ProtoField(8, "int32", "plainInts", packed=False)


def test_two_inputs_with_one_import_name_are_e020(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two majors in two folders, each folder an import root: both files are "x.proto" to protoc, which
    would read the first twice. Said, not a duplicate-contract error pointing at one file twice."""
    monkeypatch.chdir(tmp_path)
    for v in (1, 2):
        write(tmp_path, f"v{v}/x.proto", f'syntax = "proto3";\npackage x.v{v};\nmessage X {{ string id = 1; }}\n')
    _, diags = load(["v1/x.proto", "v2/x.proto"], ["v1", "v2"])
    assert [line for line in lines(diags) if "E020" in line] == [
        'v2/x.proto:1:1: E020 input shadowed: v1/x.proto has the same import name "x.proto" '
        "(give each file its own path below the import roots)"
    ]


def test_a_float_zero_value_breaking_its_rules_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """0.0 is no weight above 0: such a float must be set, as a string that cannot be empty must."""
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "w.proto",
        'syntax = "proto3";\npackage w.v1;\nimport "contract/v1/options.proto";\n'
        'option (contract.v1.contract) = { name: "w" version: "1.0.0" };\nmessage W {\n'
        "  double weight = 1 [(contract.v1.field) = { constraints { exclusive_minimum: 0 } }];\n"
        "  float ratio = 2 [(contract.v1.field) = { constraints { multiple_of: 0.25 } }];\n}\n",
    )
    (contract,), diags = load(["w.proto"], [".", str(ROOT / "codegen" / "proto")])
    assert not diags.has_errors, lines(diags)
    weight, ratio = field(contract.record("W"), "weight"), field(contract.record("W"), "ratio")
    assert (weight.required, weight.has_default) == (True, False)
    assert (ratio.required, ratio.has_default, ratio.default) == (False, True, 0.0)  # 0 is a multiple of 0.25


def test_plain_file_is_a_contract_with_defaults_and_w001(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    (contract,), diags = load(["legacy.proto"], ["."])
    assert (contract.name, contract.version, contract.has_metadata, contract.owner) == ("legacy", "0.0.0", False, None)
    assert contract.root == "LegacyThing"
    assert [(d.code, d.location) for d in diags.sorted()] == [("W001", Location("legacy.proto", 1, 1))]
    assert not diags.has_errors


def test_one_protoc_run_for_all_files(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = protoc.main

    def spy(args: list[str]) -> int:
        calls.append(args)
        return int(real(args))

    monkeypatch.setattr(protoc, "main", spy)
    monkeypatch.chdir(FIXTURES)
    contracts, _ = load(["kitchen_sink.proto", "shop/types.proto", "legacy.proto"], ["."])
    assert len(calls) == 1
    assert sorted(c.name for c in contracts) == ["kitchen-sink", "legacy"]


def test_options_proto_mirrors_contract_spec() -> None:
    """The option's field names must be exactly ContractSpec's keys, at every level."""
    code, stderr, data = pb.run_protoc([], [PROTO_ROOT])
    assert (code, stderr) == (0, "") and data is not None
    file_set, _ = parse_descriptor_set(data)
    (options,) = [f for f in file_set.file if f.name == OPTIONS_FILE]
    messages = {m.name: m for m in options.message_type}

    def check(message: str, spec: Any) -> None:
        fields = {f.name: f for f in messages[message].field}
        assert set(fields) == set(spec.__struct_fields__), message
        for f in fields.values():
            if f.type == descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE:
                nested = {"owner": metadata.OwnerSpec, "slo": metadata.SloSpec, "ports": metadata.PortSpec}
                nested |= {"stream": metadata.StreamSpec, "table": metadata.TableSpec}
                check(f.type_name.rsplit(".", 1)[1], nested[f.name])

    check("Contract", metadata.ContractSpec)


# -- errors -------------------------------------------------------------------------------------


def test_syntax_error_is_e020_at_line_and_col(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a.proto", 'syntax = "proto3";\nmessage A {\n  int32 x = 1\n  int32 y = 2;\n}\n')
    contracts, diags = load(["a.proto"])
    assert contracts == []
    assert lines(diags) == ['a.proto:4:3: E020 Expected ";".']


def test_protoc_errors_do_not_leak_to_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "a.proto", 'syntax = "proto3";\nmessage A { int32 x = }\n')
    _, diags = load([str(tmp_path / "a.proto")])
    assert diags.has_errors
    os.write(2, b"still here\n")  # fd 2 is restored after the protoc call
    assert capfd.readouterr().err == "still here\n"


def test_missing_import_is_e020_at_the_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a.proto", 'syntax = "proto3";\nimport "nope/b.proto";\nmessage A { int32 x = 1; }\n')
    _, diags = load(["a.proto"])
    assert lines(diags) == ['a.proto:2:1: E020 Import "nope/b.proto" was not found or had errors.']


def test_errors_in_several_files_are_all_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a.proto", 'syntax = "proto3";\nmessage A { Missing x = 1; }\n')
    write(tmp_path, "sub/b.proto", 'syntax = "proto3";\nmessage B { Gone y = 1; }\n')
    _, diags = load(["a.proto", "sub/b.proto"])
    assert [(d.location, d.code) for d in diags.sorted()] == [
        (Location("a.proto", 2, 13), "E020"),
        (Location("sub/b.proto", 2, 13), "E020"),
    ]


def test_file_outside_import_paths_is_e020(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a/x.proto", 'syntax = "proto3";\nmessage X {}\n')
    write(tmp_path, "b/y.proto", 'syntax = "proto3";\nmessage Y {}\n')
    contracts, diags = load(["a/x.proto", "b/y.proto"], ["a"])
    assert diags.errors()[0].format() == "b/y.proto:0:0: E020 file is not under any import path (-I a)"
    assert [c.name for c in contracts] == ["x"]


def test_any_is_e021(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "a.proto",
        'syntax = "proto3";\nimport "google/protobuf/any.proto";\nmessage A {\n  google.protobuf.Any p = 1;\n}\n',
    )
    _, diags = load(["a.proto"])
    (error,) = diags.errors()
    assert (error.location, error.code) == (Location("a.proto", 4, 3), "E021")
    assert "google.protobuf.Any is not supported" in error.message and "oneof" in error.message


def test_groups_and_extensions_are_e021(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        'syntax = "proto2";\nmessage A {\n  optional group G = 1 { optional int32 x = 2; }\n'
        "  extensions 10 to 20;\n  extend A { optional int32 inner = 11; }\n}\n"
        "extend A { optional int32 outer = 10; }\n"
    )
    write(tmp_path, "a.proto", text)
    _, diags = load(["a.proto"])
    assert [(str(d.location), d.code) for d in diags.errors()] == [
        ("a.proto:3:3", "E021"),
        ("a.proto:5:14", "E021"),
        ("a.proto:7:12", "E021"),
    ]


def test_bad_metadata_is_e030_e031_e032(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    head = 'syntax = "proto3";\nimport "contract/v1/options.proto";\noption (contract.v1.contract) = {\n'
    tail = "};\nmessage A { string id = 1; }\n"
    write(tmp_path, "a.proto", head + '  owner { contact: "x@y" }\n' + tail)
    body = '  version: "v1"\n  ports { name: "p" stream { subject: "s" key_fields: "nope" } }\n'
    write(tmp_path, "b.proto", head + body + tail.replace("A", "B"))
    _, diags = load(["a.proto", "b.proto"])
    got = [(str(d.location), d.code) for d in diags.sorted()]
    assert got == [("a.proto:3:1", "E030"), ("b.proto:3:1", "E031"), ("b.proto:3:1", "E032")]
    assert "team" in diags.sorted()[0].message


def test_root_record_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    option = 'import "contract/v1/options.proto";\noption (contract.v1.contract) = { record: "Nope" };\n'
    write(tmp_path, "a.proto", 'syntax = "proto3";\n' + option + "message A {}\n")
    write(tmp_path, "b.proto", 'syntax = "proto3";\nenum E { E_UNSPECIFIED = 0; }\n')
    contracts, diags = load(["a.proto", "b.proto"])
    assert contracts == []
    assert [(str(d.location), d.code) for d in diags.errors()] == [("a.proto:3:1", "E030"), ("b.proto:1:1", "E023")]


def test_field_option_misfit_is_e022(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        'syntax = "proto3";\nimport "contract/v1/options.proto";\nmessage A {\n'
        '  int32 n = 1 [(contract.v1.field) = { format: "uuid" }];\n'
        "  A child = 2 [(contract.v1.field) = { constraints { max_length: 3 } }];\n}\n"
    )
    write(tmp_path, "a.proto", text)
    _, diags = load(["a.proto"])
    assert [(str(d.location), d.code) for d in diags.errors()] == [("a.proto:4:16", "E022"), ("a.proto:5:16", "E022")]


# -- golden bad-input cases ---------------------------------------------------------------------

PROTO_CASES = sorted(CASES.glob("proto_*"))


@pytest.mark.parametrize("case", PROTO_CASES, ids=[p.name for p in PROTO_CASES])
def test_golden_case_diagnostics(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the frontend reports for each tests/cases/proto_* case, as the CLI prints it from there."""
    monkeypatch.chdir(case)
    root = Path("contracts")
    files = sorted(p for p in root.rglob("*") if p.is_file() and frontends.is_input(p))
    diags = Diagnostics()
    frontends.load(files, [root], diags)
    assert diags.has_errors
    assert "\n".join(lines(diags)) + "\n" == (case / "expected_stderr.txt").read_text()
