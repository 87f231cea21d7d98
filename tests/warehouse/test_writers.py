"""The generated DDL + the runtime writers, against embedded DuckDB and the real PostgreSQL server."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
import zoneinfo
from typing import Annotated, Any

import duckdb
import msgspec
import psycopg
import pytest
from contract_runtime.warehouse import BaseWriter, WriteInterrupted, writer_for
from contract_runtime.warehouse import postgres as pg_module
from contract_runtime.warehouse._base import _Batch, as_json, json_column, plain, plain_column
from contract_runtime.warehouse.postgres import PostgresWriter, array_column, text_column

from codegen.emitters.sql_ddl import table_statements
from codegen.emitters.sql_model import build_table
from tests.warehouse.fixtures import PG_DSN, PORT, Carrier, Parcel, Shipment, contract, shipments

N = 100_000


def ddl(dialect: str, qualified: str) -> dict[str, str]:
    return {dialect: ";\n".join(table_statements(build_table(contract(), PORT), dialect, qualified=qualified))}


def duck_writer(con: duckdb.DuckDBPyConnection, **kw: Any) -> BaseWriter[Shipment]:
    return writer_for(con, Shipment, "logistics.shipments", ["shipmentId"], ddl("duckdb", "logistics.shipments"), **kw)


def pg_writer(con: psycopg.Connection[Any], schema: str, **kw: Any) -> BaseWriter[Shipment]:
    table = f"{schema}.shipments"
    return writer_for(con, Shipment, table, ["shipmentId"], ddl("postgres", table), **kw)


def read_back(rows: list[tuple[Any, ...]], names: list[str], writer: BaseWriter[Shipment]) -> list[Shipment]:
    out = []
    for row in rows:
        data = {writer.columns[n]: v for n, v in zip(names, row, strict=False)}
        if isinstance(data["extra"], str):  # DuckDB returns JSON columns as text
            data["extra"] = json.loads(data["extra"])
        data = {k: v for k, v in data.items() if v is not None}
        out.append(msgspec.convert(data, Shipment, strict=False))
    return out


def test_duckdb_100k_round_trip_and_replay() -> None:
    con = duckdb.connect()
    writer = duck_writer(con)
    records = list(shipments(N))
    result = writer.write(records)
    assert (result.written, result.rejected) == (N, [])
    cur = con.execute("SELECT * FROM logistics.shipments ORDER BY shipment_id")
    names = [d[0] for d in cur.description]
    assert read_back(cur.fetchall(), names, writer) == records
    replay = writer.write(records[:5000])
    assert replay.written == 5000
    assert con.execute("SELECT count(*) FROM logistics.shipments").fetchone() == (N,)


def test_postgres_100k_round_trip_and_replay(pg: psycopg.Connection[Any], pg_schema: str) -> None:
    writer = pg_writer(pg, pg_schema)
    records = list(shipments(N))
    result = writer.write(records)
    assert (result.written, result.rejected) == (N, [])
    cur = pg.execute(f"SELECT * FROM {pg_schema}.shipments ORDER BY shipment_id")
    names = [d.name for d in cur.description or []]
    assert read_back(cur.fetchall(), names, writer) == records
    pg.commit()
    replay = writer.write(records[:5000])
    assert replay.written == 5000
    assert pg.execute(f"SELECT count(*) FROM {pg_schema}.shipments").fetchone() == (N,)


def test_update_on_key_last_record_wins() -> None:
    con = duckdb.connect()
    writer = duck_writer(con)
    first, second = list(shipments(1)), [msgspec.structs.replace(next(shipments(1)), tracking_code="NEW")]
    writer.write(first)
    writer.write(second + second)
    assert con.execute("SELECT tracking_code FROM logistics.shipments").fetchall() == [("NEW",)]


def _bad_batch() -> list[Shipment]:
    records = list(shipments(10))
    # tracking_code longer than the contract's 12 and a negative cost: the table refuses both
    records[3] = msgspec.structs.replace(records[3], tracking_code="X" * 20)
    records[7] = msgspec.structs.replace(records[7], cost=decimal.Decimal("-1"))
    return records


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_rejected_rows_reported_rest_committed(backend: str, pg_schema: str) -> None:
    pg_con = None
    if backend == "duckdb":
        con: Any = duckdb.connect()
        writer = duck_writer(con, validate=False)  # no contract check first: the warehouse must refuse them
        table = "logistics.shipments"
    else:
        con = pg_con = psycopg.connect(PG_DSN)
        writer = pg_writer(con, pg_schema, validate=False)
        table = f"{pg_schema}.shipments"
    records = _bad_batch()
    result = writer.write(records)
    assert [r.index for r in result.rejected] == [3, 7]
    assert result.rejected[0].key == {"shipmentId": str(records[3].shipment_id)} or result.rejected[0].key == {
        "shipmentId": records[3].shipment_id
    }
    assert result.rejected[1].reason
    assert result.written == 8
    count = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert count == (8,)
    if pg_con is not None:
        pg_con.close()


def test_contract_violations_rejected_before_loading() -> None:
    con = duckdb.connect()
    writer = duck_writer(con)
    records = list(shipments(3))
    records[1] = Shipment(**{**msgspec.structs.asdict(records[1]), "tags": "not-a-list"})
    result = writer.write(records)
    assert [r.index for r in result.rejected] == [1]
    assert result.rejected[0].reason.startswith("contract:")
    assert con.execute("SELECT count(*) FROM logistics.shipments").fetchone() == (2,)


class _DropsConnection(PostgresWriter[Shipment]):
    """Kills its own server connection after half the rows of the batch went through COPY."""

    def _load(self, batch: Any, commit: bool) -> int:
        pid = self.connection.info.backend_pid
        half = len(batch) // 2
        sent = 0

        copy_cls = psycopg.Copy
        original = copy_cls.write_row

        def write_row(copy: Any, row: Any) -> None:
            nonlocal sent
            if sent == half:
                with psycopg.connect(PG_DSN, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            sent += 1
            original(copy, row)

        copy_cls.write_row = write_row  # type: ignore[method-assign,assignment]
        try:
            return super()._load(batch, commit)
        finally:
            copy_cls.write_row = original  # type: ignore[method-assign]


def test_connection_lost_mid_batch_leaves_nothing(pg_schema: str) -> None:
    table = f"{pg_schema}.shipments"
    setup = psycopg.connect(PG_DSN)
    pg_writer(setup, pg_schema).ensure_table()
    setup.close()
    con = psycopg.connect(PG_DSN)
    writer = _DropsConnection(con, Shipment, table, ["shipmentId"], ddl("postgres", table)["postgres"])
    with pytest.raises(WriteInterrupted) as info:
        writer.write(list(shipments(1000)))
    assert isinstance(info.value.__cause__, psycopg.OperationalError)  # the server really went away mid-COPY
    assert info.value.committed.written == 0
    with psycopg.connect(PG_DSN) as check:
        assert check.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_batches_commit_separately(pg: psycopg.Connection[Any], pg_schema: str) -> None:
    writer = pg_writer(pg, pg_schema, batch_size=300)
    result = writer.write(list(shipments(1000)))
    assert (result.batches, result.written) == (4, 1000)


# -- the column-wise conversions: the same values as the per-value path, and where they must step aside ---------


def test_json_column_matches_as_json() -> None:
    values: list[Any] = [None, msgspec.UNSET, "null", {"a": "x\ny", "b": [1, None]}, [], 1, Parcel(label="L")]
    assert json_column(values) == [as_json(v) for v in values]
    assert json_column([]) == []


def test_plain_column_matches_plain() -> None:
    convert = plain_column([Carrier])
    values: list[Any] = [Carrier.DHL, Carrier.ONEIL, None, msgspec.UNSET, "raw", 3]
    assert convert(values) == [plain(v) for v in values]
    assert convert([Carrier.UPS, ["not", "hashable"]]) == ["UPS", ["not", "hashable"]]


def test_array_column_literals_and_fallback() -> None:
    fast = array_column([['quo"te', "back\\slash", "{a,b}", "NULL", ""], None, [], msgspec.UNSET, [Carrier.ONEIL]])
    assert fast == ['{"quo\\"te","back\\\\slash","{a,b}","NULL",""}', None, "{}", None, '{"O\'NEIL"}']
    # a newline has no array-literal spelling in JSON text: those rows keep lists, enum elements by value
    assert array_column([["new\nline"], [Carrier.ONEIL], None]) == [["new\nline"], ["O'NEIL"], None]


def test_text_column_only_where_msgspec_spells_it_exactly() -> None:
    stamps = text_column({datetime.datetime, type(None)}, None)
    utc = datetime.datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=datetime.UTC)
    assert stamps([utc, None]) == ["2024-05-01T12:00:00.000005Z", None]
    odd = datetime.datetime(1890, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(seconds=3208)))
    berlin = datetime.datetime(2024, 5, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert stamps([utc, odd]) == [utc, odd]  # an offset in seconds: psycopg's dumper keeps it
    assert stamps([berlin]) == [berlin]
    assert text_column({uuid.UUID, type(None)}, None)([uuid.UUID(int=1), "x"]) == [uuid.UUID(int=1), "x"]


def _edge_records() -> list[Shipment]:
    """Values that take every path of the conversions (fast and fallback), in chunks of 3 rows."""
    odd = datetime.timezone(datetime.timedelta(seconds=3208))
    edits: list[dict[str, Any]] = [
        {"tags": ['quo"te', "back\\slash", "{a,b}", "NULL", "", " sp ", "é✓"], "extra": "null"},
        {"shipped_at": datetime.datetime(2024, 5, 1, 12, 30), "recipient_email": None},  # naive
        {"tags": [], "labels": {}, "extra": [], "parcel": None},
        {"tags": ["new\nline", "tab\t"], "labels": {"k": "v\n"}, "extra": {"s": "x\ny", "n": [1, None]}},
        {"shipped_at": datetime.datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))},
        {
            "shipped_at": datetime.datetime(1890, 1, 1, tzinfo=odd),
            "extra": msgspec.UNSET,
            "day": datetime.date(1, 1, 1),
        },
        {"carrier": Carrier.ONEIL, "tags": None, "labels": None},
    ]
    records = list(shipments(len(edits)))
    return [msgspec.structs.replace(r, **e) for r, e in zip(records, edits, strict=True)]


def test_postgres_fast_conversions_store_what_psycopg_stores(
    pg: psycopg.Connection[Any], pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_module, "CHUNK", 3)  # several chunks: each decides fast path or fallback alone
    writer = pg_writer(pg, pg_schema, validate=False)
    records = _edge_records()
    assert writer.write(records).written == len(records)
    # the reference: psycopg's own adapters, value by value (the writer before column-wise conversion)
    pg.execute(f"CREATE TABLE {pg_schema}.ref (LIKE {pg_schema}.shipments INCLUDING ALL)")
    json_cols = {"parcel", "labels", "extra"}
    attrs = {c: a for c, a in zip(writer.columns, writer._attrs, strict=True)}
    with pg.cursor() as cur, cur.copy(f"COPY {pg_schema}.ref ({', '.join(attrs)}) FROM STDIN") as copy:
        for r in records:
            copy.write_row(
                [as_json(getattr(r, a)) if c in json_cols else plain(getattr(r, a)) for c, a in attrs.items()]
            )
    for a, b in (("shipments", "ref"), ("ref", "shipments")):
        diff = pg.execute(f"SELECT * FROM {pg_schema}.{a} EXCEPT ALL SELECT * FROM {pg_schema}.{b}").fetchall()
        assert diff == []
    nulls = pg.execute(
        f"SELECT extra, extra IS NULL FROM {pg_schema}.shipments WHERE shipment_id = %s OR shipment_id = %s"
        " ORDER BY shipment_id",
        [records[0].shipment_id, records[5].shipment_id],
    ).fetchall()
    assert nulls == [("null", False), (None, True)]  # the string "null" stays JSON; UNSET is NULL


def test_duckdb_edge_values_round_trip() -> None:
    con = duckdb.connect()
    writer = duck_writer(con, validate=False)
    records = [r for r in _edge_records() if r.shipped_at.tzinfo is not None and r.day.year > 1]
    assert writer.write(records).written == len(records)
    cur = con.execute("SELECT tags, labels, extra, extra IS NULL FROM logistics.shipments ORDER BY shipment_id")
    rows = cur.fetchall()
    by_id = sorted(records, key=lambda r: r.shipment_id)
    assert [row[0] for row in rows] == [r.tags for r in by_id]
    assert [json.loads(row[2]) if row[2] is not None else msgspec.UNSET for row in rows] == [
        msgspec.UNSET if r.extra is None or r.extra is msgspec.UNSET else r.extra for r in by_id
    ]


def test_duckdb_decimals_it_cannot_hold_are_rejected_rows() -> None:
    con = duckdb.connect()
    writer = duck_writer(con, validate=False)
    records = list(shipments(4))
    records[1] = msgspec.structs.replace(records[1], cost=decimal.Decimal("NaN"))
    records[2] = msgspec.structs.replace(records[2], cost=decimal.Decimal("123456789.999"))  # > DECIMAL(10, 2)
    records[3] = msgspec.structs.replace(records[3], cost=decimal.Decimal("1.005"))  # rounds, as any decimal cast
    result = writer.write(records)
    assert [r.index for r in result.rejected] == [1, 2]
    assert result.written == 2
    row = con.execute("SELECT cost FROM logistics.shipments WHERE shipment_id = ?", [str(records[3].shipment_id)])
    assert row.fetchone() == (decimal.Decimal("1.01"),)


def test_postgres_duplicate_keys_in_one_write_last_wins(pg: psycopg.Connection[Any], pg_schema: str) -> None:
    writer = pg_writer(pg, pg_schema)
    first = list(shipments(3))
    last = msgspec.structs.replace(first[1], tracking_code="LAST", carrier=Carrier.ONEIL)  # was UPS
    result = writer.write([*first, last])
    assert (result.written, result.rejected) == (3, [])
    rows = pg.execute(f"SELECT tracking_code, carrier FROM {pg_schema}.shipments ORDER BY shipment_id").fetchall()
    assert rows == [(first[0].tracking_code, "DHL"), ("LAST", "O'NEIL"), (first[2].tracking_code, "O'NEIL")]


def test_unhashable_keys_deduplicated_by_json_text() -> None:
    writer: BaseWriter[Shipment] = BaseWriter(Shipment, "t", ["tags"], "")
    records = [msgspec.structs.replace(r, tags=t) for r, t in zip(shipments(3), [["a"], ["b"], ["a"]], strict=True)]
    batch = _Batch([0, 1, 2], [[getattr(r, a) for r in records] for a in writer._attrs])
    assert writer._last_per_key(batch) == [1, 2]


def test_postgres_value_that_cannot_convert_mid_copy_is_a_rejected_row(
    pg: psycopg.Connection[Any], pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the writer cannot convert mid-COPY is its row's fault, as in the DuckDB writer: that record is
    rejected with its key and ``<column>: <message>``, the rest of the batch is written. (This test used to
    expect WriteInterrupted, which rolled the whole batch back as if the connection had been lost; a lost
    connection still is one: test_connection_lost_mid_batch_leaves_nothing.)"""
    monkeypatch.setattr(pg_module, "CHUNK", 2)  # the bad value is met after two chunks were sent
    writer = pg_writer(pg, pg_schema, validate=False)
    records = list(shipments(6))
    records[5] = msgspec.structs.replace(records[5], extra=object())  # no JSON for it
    result = writer.write(records)
    assert result.written == 5
    assert [(r.index, r.key) for r in result.rejected] == [(5, {"shipmentId": records[5].shipment_id})]
    assert result.rejected[0].reason == "extra: Encoding objects of type object is unsupported"
    assert pg.execute(f"SELECT count(*) FROM {pg_schema}.shipments").fetchone() == (5,)
    pg.commit()
    assert writer.write(records[:5]).written == 5  # the connection is usable again (a replay)


class _Generated(msgspec.Struct, kw_only=True):
    """Field shapes the record emitter writes: Annotated types, UNSET for absent values."""

    id: Annotated[int, msgspec.Meta(ge=0)]
    carrier: Annotated[Carrier, msgspec.Meta(description="Who carries it.")]
    n: Annotated[int, msgspec.Meta(le=10)] | msgspec.UnsetType = msgspec.UNSET
    note: str | msgspec.UnsetType | None = msgspec.UNSET


def test_annotated_enums_and_unset_values_are_converted() -> None:
    writer: BaseWriter[_Generated] = BaseWriter(_Generated, "t", ["id"], "")
    writer._converters = [writer._column_converter(c) for c in writer.columns]  # no table: no JSON columns
    rows = [_Generated(id=1, carrier=Carrier.ONEIL), _Generated(id=2, carrier=Carrier.DHL, n=3, note=None)]
    assert writer._columns(rows) == [[1, 2], ["O'NEIL", "DHL"], [None, 3], [None, None]]
