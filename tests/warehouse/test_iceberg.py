"""The Iceberg writer against an embedded SQL catalog (SQLite) and a local warehouse folder."""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib
import json
import sys
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pyiceberg.io.pyarrow
import pytest
from contract_runtime.warehouse import BaseWriter, WriteInterrupted, writer_for
from contract_runtime.warehouse.iceberg import IcebergWriter, iceberg_schema, open_catalog
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import Table
from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    ListType,
    LongType,
    MapType,
    StringType,
    StructType,
    TimestamptzType,
    TimeType,
)

from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.formatting import format_python
from tests.warehouse.fixtures import Parcel, Shipment, contract, shipments

N = 100_000
TABLE = "logistics.shipments"
KEEP = (datetime.datetime, datetime.date, datetime.time, decimal.Decimal, uuid.UUID, bytes)


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The fixture contract's records as the python emitter generates them (decimal(10, 2), tz=True...)."""
    root = tmp_path_factory.mktemp("iceberg_records")
    for f in format_python(PythonModelsEmitter().generate([contract()], PythonOptions(package="gen_iceberg"))):
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
    sys.path.insert(0, str(root / "python"))
    try:
        yield importlib.import_module("gen_iceberg.shipments")
    finally:
        sys.path.remove(str(root / "python"))


@pytest.fixture
def catalog(tmp_path: Path) -> SqlCatalog:
    return open_catalog(tmp_path / "lake")


def generated_shipments(gen: ModuleType, n: int, start: int = 0) -> list[Any]:
    return [msgspec.convert(msgspec.to_builtins(s, builtin_types=KEEP), gen.Shipment) for s in shipments(n, start)]


def writer(catalog: SqlCatalog, record_type: type[Any], **kw: Any) -> IcebergWriter[Any]:
    w = writer_for(catalog, record_type, TABLE, kw.pop("keys", ["shipmentId"]), {}, **kw)
    assert isinstance(w, IcebergWriter)
    return w


def table(catalog: SqlCatalog) -> Table:
    return catalog.load_table(TABLE)


def count(catalog: SqlCatalog) -> int:
    return len(table(catalog).scan(selected_fields=("shipment_id",)).to_arrow())


def plain(record: Any) -> dict[str, Any]:
    """A record as comparable builtins; null and unset are the same once stored."""
    return {k: v for k, v in msgspec.to_builtins(record, builtin_types=KEEP).items() if v is not None}


def read_back(catalog: SqlCatalog, w: BaseWriter[Any], record_type: type[Any]) -> list[Any]:
    """Every row, scanned to Arrow and converted back into typed records, in key order."""
    rows = table(catalog).scan().to_arrow().sort_by("shipment_id").to_pylist(maps_as_pydicts="strict")
    out = []
    for row in rows:
        data = {w.columns[c]: v for c, v in row.items() if v is not None}
        if "extra" in data:
            data["extra"] = json.loads(data["extra"])
        out.append(msgspec.convert(data, record_type))
    return out


def test_schema_from_the_generated_record(gen: ModuleType, catalog: SqlCatalog) -> None:
    w = writer(catalog, gen.Shipment)
    s = w.schema
    kinds = {f.name: (f.field_type, f.required) for f in s.fields}
    assert kinds["shipment_id"] == (StringType(), True)
    assert kinds["carrier"] == (StringType(), True)
    assert kinds["cost"] == (DecimalType(10, 2), True)  # the contract's precision and scale
    assert kinds["shipped_at"] == (TimestamptzType(), True)
    assert kinds["day"] == (DateType(), True)
    assert kinds["attempts"] == (LongType(), False)  # UNSET by default: null when not set
    assert kinds["recipient_email"][1] is False
    assert isinstance(kinds["tags"][0], ListType) and kinds["tags"][0].element_type == StringType()
    assert isinstance(kinds["labels"][0], MapType)
    parcel = kinds["parcel"][0]
    assert isinstance(parcel, StructType)
    assert [(f.name, f.field_type, f.required) for f in parcel.fields] == [
        ("label", StringType(), True),
        ("weightGrams", IntegerType(), False),  # int32 bounds -> int; nested members keep wire names
    ]
    assert kinds["extra"] == (StringType(), False)  # any JSON value: JSON text
    assert s.identifier_field_names() == {"shipment_id"}
    assert s.find_field("shipment_id").doc == "Unique id."
    # ids: top-level 1..n in field order, nested after, as a catalog numbers a new table; stable
    assert [f.field_id for f in s.fields] == list(range(1, 14))
    assert iceberg_schema(gen.Shipment, w.columns, w.key_columns)[0] == s
    assert not catalog.table_exists(TABLE)
    w.ensure_table()  # created when missing
    assert table(catalog).schema() == s
    assert table(catalog).schema().identifier_field_ids == s.identifier_field_ids


@pytest.mark.slow
def test_100k_round_trip_replay_and_reopen(gen: ModuleType, catalog: SqlCatalog, tmp_path: Path) -> None:
    w = writer(catalog, gen.Shipment, partition_by=["day"])
    records = generated_shipments(gen, N)
    result = w.write(records)
    assert (result.written, result.rejected, result.batches) == (N, [], 2)
    assert [plain(r) for r in read_back(catalog, w, gen.Shipment)] == [plain(r) for r in records]
    assert [f.name for f in table(catalog).spec().fields] == ["day"]

    snapshots = len(table(catalog).snapshots())
    replay = w.write(records[:5000])
    assert (replay.written, replay.rejected) == (5000, [])
    assert count(catalog) == N
    assert len(table(catalog).snapshots()) == snapshots  # identical rows: nothing rewritten, no commit

    again = open_catalog(tmp_path / "lake")  # the catalog and data persist on disk
    assert len(again.load_table(TABLE).scan(selected_fields=("shipment_id",)).to_arrow()) == N


@pytest.mark.parametrize("keys", [["shipmentId"], ["shipmentId", "day"]])
def test_update_on_key_last_record_wins(gen: ModuleType, catalog: SqlCatalog, keys: list[str]) -> None:
    w = writer(catalog, gen.Shipment, keys=keys)
    records = generated_shipments(gen, 20)
    w.write(records)
    new = [msgspec.structs.replace(r, trackingCode="NEW") for r in records[5:8]]
    result = w.write([*new, msgspec.structs.replace(new[0], trackingCode="NEWER"), *generated_shipments(gen, 2, 20)])
    assert (result.written, result.rejected) == (5, [])
    rows = {r.shipmentId: r.trackingCode for r in read_back(catalog, w, gen.Shipment)}
    assert len(rows) == count(catalog) == 22
    assert [rows[r.shipmentId] for r in records[5:8]] == ["NEWER", "NEW", "NEW"]
    assert rows[records[4].shipmentId] == records[4].trackingCode


def test_rejected_rows_reported_rest_committed(catalog: SqlCatalog) -> None:
    records = list(shipments(10))
    # values the Iceberg schema cannot hold (no contract check first: the table must refuse them)
    records[2] = msgspec.structs.replace(records[2], cost=decimal.Decimal("1.0000000001"))  # scale 10 > 9
    records[5] = msgspec.structs.replace(records[5], attempts=2**63)  # beyond long
    records[7] = msgspec.structs.replace(records[7], parcel=Parcel(label=None))  # type: ignore[arg-type]
    records[8] = msgspec.structs.replace(records[8], shipment_id=None)
    w = writer(catalog, Shipment, validate=False)
    assert not w.schema.find_field("extra").required  # `object = None`: optional JSON text
    result = w.write(records)
    assert [r.index for r in result.rejected] == [2, 5, 7, 8]
    assert [r.key for r in result.rejected] == [  # the record's own key values, as contract validation reports them
        {"shipmentId": records[2].shipment_id},
        {"shipmentId": records[5].shipment_id},
        {"shipmentId": records[7].shipment_id},
        {"shipmentId": None},
    ]
    reasons = [r.reason for r in result.rejected]
    assert reasons[0].startswith("cost: ") and "data loss" in reasons[0]
    assert reasons[1].startswith("attempts: ")
    assert reasons[2] == "parcel.label: null in a required field"
    assert reasons[3] == "shipment_id: null in a required column"
    assert result.written == 6
    stored = {r.shipment_id for r in read_back(catalog, w, Shipment)}
    assert stored == {r.shipment_id for i, r in enumerate(records) if i not in (2, 5, 7, 8)}


def test_contract_violations_rejected_before_loading(catalog: SqlCatalog) -> None:
    records = list(shipments(3))
    records[1] = Shipment(**{**msgspec.structs.asdict(records[1]), "tags": "not-a-list"})
    result = writer(catalog, Shipment).write(records)
    assert [r.index for r in result.rejected] == [1]
    assert result.rejected[0].reason.startswith("contract:")
    assert count(catalog) == 2


def test_commit_lost_mid_write_leaves_no_partial_batch(catalog: SqlCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog connection drops when the second batch commits: its data files are written but the
    table never points at them; the first batch stays, and a retry of the whole write adds no duplicate."""
    records = list(shipments(1000))
    real = SqlCatalog.commit_table
    calls = []

    def commit_table(self: SqlCatalog, *args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("catalog connection lost")
        return real(self, *args, **kw)

    monkeypatch.setattr(SqlCatalog, "commit_table", commit_table)
    w = writer(catalog, Shipment, batch_size=400)
    with pytest.raises(WriteInterrupted) as info:
        w.write(records)
    assert "catalog connection lost" in str(info.value)
    assert (info.value.committed.written, info.value.committed.batches) == (400, 1)
    assert count(catalog) == 400
    monkeypatch.setattr(SqlCatalog, "commit_table", real)
    assert w.write(records).written == 1000
    assert count(catalog) == 1000


def test_file_write_failure_leaves_table_unchanged(catalog: SqlCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """One data file of the batch is written, the next write fails: nothing of the batch is visible."""
    w = writer(catalog, Shipment, partition_by=["day"])
    w.write(list(shipments(100)))
    before = table(catalog).current_snapshot()
    real = pyiceberg.io.pyarrow.write_file
    written = []

    def write_file(*args: Any, **kw: Any) -> Iterator[Any]:
        files = real(*args, **kw)
        written.append(next(files))
        raise OSError("disk full")

    monkeypatch.setattr(pyiceberg.io.pyarrow, "write_file", write_file)
    with pytest.raises(WriteInterrupted, match="disk full"):
        w.write([next(shipments(1, 100 + k * 1000)) for k in range(200)])  # three days: one file per partition
    assert written
    assert count(catalog) == 100
    assert table(catalog).current_snapshot() == before


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Color(enum.Enum):
    RED = "red"


class Node(msgspec.Struct, kw_only=True):
    name: str
    child: Node | None = None  # recursive: stored as JSON text


class Part(msgspec.Struct, kw_only=True):
    sku: str
    tags: set[str] = msgspec.field(default_factory=set)
    info: Any = None  # JSON leaf inside a struct


class Kinds(msgspec.Struct, kw_only=True):
    id: typing.Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
    big: typing.Annotated[int, msgspec.Meta(ge=0)]  # uint64
    ratio: float
    blob: bytes
    at: datetime.time
    took: datetime.timedelta
    level: Level
    kind: typing.Literal["a", "b"]
    parts: list[Part]
    colors: dict[str, Color]
    either: str | int
    node: Node
    pair: tuple[int, str]
    flag: bool | msgspec.UnsetType = msgspec.UNSET


def test_every_kind_maps_and_round_trips(catalog: SqlCatalog) -> None:
    w = writer_for(catalog, Kinds, "lab.kinds", ["id"], {})
    assert isinstance(w, IcebergWriter)
    kinds = {f.name: f for f in w.schema.fields}
    assert kinds["id"].field_type == IntegerType()
    assert kinds["big"].field_type == DecimalType(20, 0)
    assert kinds["ratio"].field_type == DoubleType()
    assert kinds["blob"].field_type == BinaryType()
    assert kinds["at"].field_type == TimeType()
    assert kinds["took"].field_type == StringType()  # ISO 8601 duration
    assert kinds["level"].field_type == LongType()
    assert kinds["kind"].field_type == StringType()
    assert isinstance(kinds["parts"].field_type, ListType)
    part = kinds["parts"].field_type.element_type
    assert isinstance(part, StructType)
    tags = part.field_by_name("tags").field_type  # type: ignore[union-attr]
    assert isinstance(tags, ListType) and (tags.element_type, tags.element_required) == (StringType(), True)
    assert part.field_by_name("info").field_type == StringType()  # type: ignore[union-attr]
    assert isinstance(kinds["colors"].field_type, MapType)
    assert kinds["either"].field_type == kinds["node"].field_type == kinds["pair"].field_type == StringType()
    assert (kinds["flag"].field_type, kinds["flag"].required) == (BooleanType(), False)

    rows = [
        Kinds(
            id=i,
            big=2**64 - 1 - i,
            ratio=i / 3,
            blob=bytes([i]),
            at=datetime.time(12, i),
            took=datetime.timedelta(hours=i, seconds=1),
            level=Level.HIGH,
            kind="b",
            parts=[Part(sku=f"S{i}", tags={"x"}, info={"n": [i]})],
            colors={"c": Color.RED},
            either=i if i else "zero",
            node=Node(name="a", child=Node(name="b")),
            pair=(i, "p"),
            flag=True if i else msgspec.UNSET,
        )
        for i in range(2)
    ]
    assert w.write(rows).written == 2
    got = catalog.load_table("lab.kinds").scan().to_arrow().sort_by("id").to_pylist(maps_as_pydicts="strict")
    assert got[1] == {
        "id": 1,
        "big": decimal.Decimal(2**64 - 2),
        "ratio": 1 / 3,
        "blob": b"\x01",
        "at": datetime.time(12, 1),
        "took": "PT3601S",  # ISO 8601, as msgspec writes it
        "level": 2,
        "kind": "b",
        "parts": [{"sku": "S1", "tags": ["x"], "info": '{"n":[1]}'}],
        "colors": {"c": "red"},
        "either": "1",
        "node": '{"name":"a","child":{"name":"b","child":null}}',
        "pair": '[1,"p"]',
        "flag": True,
    }
    assert (got[0]["either"], got[0]["flag"]) == ('"zero"', None)
    stored = {**got[1], "big": int(got[1]["big"]), "either": 1, "node": json.loads(got[1]["node"]), "pair": [1, "p"]}
    back = msgspec.convert(stored, Kinds)
    assert back.took == rows[1].took and back.parts[0].tags == {"x"} and back.big == rows[1].big


class ShipmentV2(Shipment, frozen=True, kw_only=True, rename="camel"):
    note: str | None = None


def test_new_optional_field_is_added_to_the_table(catalog: SqlCatalog) -> None:
    writer(catalog, Shipment).write(list(shipments(3)))
    before = table(catalog).schema()
    ids = {f.name: f.field_id for f in before.fields}
    w2 = writer(catalog, ShipmentV2)
    assert w2.write([ShipmentV2(**msgspec.structs.asdict(next(shipments(1, 3))), note="hi")]).written == 1
    schema = table(catalog).schema()
    assert schema.find_field("note").field_id == before.highest_field_id + 1  # existing ids never change
    assert {f.name: f.field_id for f in schema.fields if f.name != "note"} == ids
    notes = sorted(str(n) for n in table(catalog).scan().to_arrow()["note"].to_pylist())
    assert notes == ["None", "None", "None", "hi"]
