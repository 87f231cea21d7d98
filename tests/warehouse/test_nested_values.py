"""Scalars inside nested values (a record member, a list item, a map value) must be stored as exactly as at
the top level, in both SQL writers: durations, bytes, dates, times, datetimes, decimals and UUIDs.

Nested values travel as JSON text (msgspec's), which spells a duration as ISO 8601 (``PT7200S``) and bytes
as base64 (``bm90``). DuckDB casts that JSON to the table's STRUCT / LIST / MAP types: its CAST could not read
the ISO text as INTERVAL (the row was refused) and stored the base64 text as the BLOB's bytes. PostgreSQL
keeps nested records and maps as JSONB, i.e. the contract's JSON as it is, and arrays of scalars as native
arrays. msgspec also writes a UTC offset in whole minutes only (a historical zone's +00:53:28 became +00:53,
shifting the instant). Every test writes, reads back and compares with the records.

PostgreSQL, like DuckDB, rejects the row of a value it cannot convert or dump (with its key and a reason)
and writes the rest of the batch; only a failure that is not a row's (a lost connection) interrupts.

The contract is written to a temporary folder, compiled, and its records and writer modules generated and
imported, as a user's would be."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
import zoneinfo
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import duckdb
import msgspec
import psycopg
import pytest
from contract_runtime.warehouse import BaseWriter, WarehouseTable, WriteInterrupted, table_writer, writer_for
from contract_runtime.warehouse._base import exact_offsets, stamp_finder

from tests.warehouse.fixtures import PG_DSN
from tests.warehouse.generated import generated_modules

PACKAGE = "gen_wh_nested"
SCHEMA = "nested_values"  # the generated table's schema; PostgreSQL tests rename it per test

LEAVES: dict[str, dict[str, Any]] = {
    "dur": {"type": "string", "format": "duration"},
    "blob": {"type": "string", "contentEncoding": "base64"},
    "day": {"type": "string", "format": "date"},
    "tod": {"type": "string", "format": "time"},
    "at": {"type": "string", "format": "date-time"},
    "amount": {"type": "number", "x-decimal": {"precision": 12, "scale": 4}},
    "ref": {"type": "string", "format": "uuid"},
}
ITEM = {"type": "object", "properties": LEAVES}
# Every leaf at the top level, in a record, in a list of records, in a map of records, in a list, in a map.
VALS = {
    "title": "Vals",
    "type": "object",
    "x-contract": {
        "name": "vals",
        "version": "1.0.0",
        "ports": [{"name": "vals-table", "table": {"table": f"{SCHEMA}.vals", "key_fields": ["id"]}}],
    },
    "properties": {
        "id": {"type": "integer"},
        "note": {"type": "string"},
        **LEAVES,
        "rec": ITEM,
        "items": {"type": "array", "items": ITEM},
        "bymap": {"type": "object", "additionalProperties": ITEM},
        **{f"{k}_list": {"type": "array", "items": v} for k, v in LEAVES.items()},
        **{f"{k}_map": {"type": "object", "additionalProperties": v} for k, v in LEAVES.items()},
    },
    "required": ["id"],
}

UTC = datetime.UTC
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DURATIONS = [
    datetime.timedelta(hours=2),  # the repro: msgspec writes 'PT7200S'
    datetime.timedelta(days=1, microseconds=1),
    datetime.timedelta(microseconds=-1),
    datetime.timedelta(days=-3, seconds=7, microseconds=11),
    datetime.timedelta(0),
    datetime.timedelta(days=100_000, microseconds=999_999),  # 273 years
    datetime.timedelta(seconds=1, microseconds=500_000),
]
BYTES = [
    b"not",  # the repro: stored as b'bm90'
    b"",
    bytes(range(256)),  # not UTF-8, NUL, backslash, quote
    "é✓".encode(),
    b"\\x41",  # a DuckDB BLOB escape as text: must stay these four bytes
    b'"quoted"',
    b"\xff",
]
DAYS = [datetime.date(1, 1, 1), datetime.date(2024, 2, 29), datetime.date(9999, 12, 31)]
TIMES = [datetime.time(0, 0, 0, 1), datetime.time(23, 59, 59, 999_999), datetime.time(12)]
STAMPS = [
    datetime.datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    datetime.datetime(1890, 1, 1, tzinfo=BERLIN),  # local mean time, +00:53:28: msgspec wrote +00:53
    datetime.datetime(1890, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(seconds=3208))),
    datetime.datetime(2024, 7, 1, 0, 0, 0, 999_999, tzinfo=BERLIN),
    datetime.datetime(1, 1, 1, tzinfo=UTC),
]
AMOUNTS = [decimal.Decimal(x) for x in ("-12345678.9012", "0.0001", "99999999.9999", "0.0000", "-0.0000")]
REFS = [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID("a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d")]
N = 7


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    yield from generated_modules(tmp_path_factory.mktemp("wh_nested"), {"vals.schema.json": json.dumps(VALS)}, PACKAGE)


def _leaves(i: int) -> dict[str, Any]:
    return {
        "dur": DURATIONS[i % len(DURATIONS)],
        "blob": BYTES[i % len(BYTES)],
        "day": DAYS[i % len(DAYS)],
        "tod": TIMES[i % len(TIMES)],
        "at": STAMPS[i % len(STAMPS)],
        "amount": AMOUNTS[i % len(AMOUNTS)],
        "ref": REFS[i % len(REFS)],
    }


def _records(m: ModuleType, n: int = N, shift: int = 0) -> list[Any]:
    out = []
    for i in range(n):
        mine, other = _leaves(i + shift), _leaves(i + shift + 1)
        out.append(
            m.Vals(
                id=i,
                **mine,
                rec=m.ValsRec(**mine),
                items=[m.ValsItems(**mine), m.ValsItems(), m.ValsItems(**other)],
                bymap={"a": m.ValsBymap(**mine), "b": m.ValsBymap(dur=other["dur"], blob=other["blob"])},
                **{f"{k}_list": [v, other[k]] for k, v in mine.items()},
                **{f"{k}_map": {"k": v, "o": other[k]} for k, v in mine.items()},
            )
        )
    out.append(m.Vals(id=n, rec=m.ValsRec(), items=[], bymap={}))  # members and nested columns left out
    return out


def _without_nulls(value: Any) -> Any:
    """A row read back: NULL members are members the record left out (UNSET)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_nulls(v) for v in value]
    return value


def _read_back(m: ModuleType, writer: BaseWriter[Any], cur: Any) -> list[Any]:
    """The table's rows as records: DuckDB's STRUCTs, lists and MAPs, PostgreSQL's JSONB (parsed JSON) and
    arrays converted by msgspec as the contract's JSON would be decoded."""
    names = [d[0] for d in cur.description]
    rows = [{writer.columns[c]: v for c, v in zip(names, row, strict=True)} for row in cur.fetchall()]
    return [msgspec.convert(_without_nulls(row), m.Vals) for row in rows]


# -- DuckDB -----------------------------------------------------------------------------------------------


def test_duckdb_nested_values_round_trip_exactly(gen: dict[str, ModuleType]) -> None:
    records = _records(gen["vals"])
    con = duckdb.connect()
    writer = gen["vals_warehouse"].vals_table_writer(con)
    result = writer.write(records)
    assert (result.written, result.rejected) == (len(records), [])
    back = _read_back(gen["vals"], writer, con.execute(f"SELECT * FROM {SCHEMA}.vals ORDER BY id"))
    assert back == records
    # the repro values themselves, as DuckDB holds them
    assert con.execute(
        f"SELECT rec.dur, rec.blob, items[1].blob, dur_map['k'] FROM {SCHEMA}.vals WHERE id = 0"
    ).fetchone() == (
        datetime.timedelta(hours=2),
        b"not",
        b"not",
        datetime.timedelta(hours=2),
    )


def test_duckdb_nested_durations_are_the_same_interval_as_top_level_ones(gen: dict[str, ModuleType]) -> None:
    """An INTERVAL holds months, days and microseconds; a top-level duration (Arrow ``duration[us]``) is
    microseconds only, and so is a nested one: the same value, not merely an equal one."""
    con = duckdb.connect()
    gen["vals_warehouse"].vals_table_writer(con).write(_records(gen["vals"]))
    rows = con.execute(
        f"SELECT dur::VARCHAR, rec.dur::VARCHAR, items[1].dur::VARCHAR, bymap['a'].dur::VARCHAR,"
        f" dur_list[1]::VARCHAR, dur_map['k']::VARCHAR, datepart('day', rec.dur)"
        f" FROM {SCHEMA}.vals WHERE id < {N} ORDER BY id"
    ).fetchall()
    assert [row[0] for row in rows][:4] == ["02:00:00", "24:00:00.000001", "-00:00:00.000001", "-71:59:52.999989"]
    assert all(len(set(row[:6])) == 1 and row[6] == 0 for row in rows)


def test_duckdb_replay_updates_nested_values(gen: dict[str, ModuleType]) -> None:
    """The upsert path (a key already there) decodes nested durations and bytes the same way."""
    con = duckdb.connect()
    writer = gen["vals_warehouse"].vals_table_writer(con)
    assert writer.write(_records(gen["vals"])).rejected == []
    changed = _records(gen["vals"], shift=3)
    result = writer.write(changed)
    assert (result.written, result.rejected) == (len(changed), [])
    assert _read_back(gen["vals"], writer, con.execute(f"SELECT * FROM {SCHEMA}.vals ORDER BY id")) == changed


def test_duckdb_durations_beyond_the_interval_range_are_rejected_rows(gen: dict[str, ModuleType]) -> None:
    """Microseconds past int64 (about 292,000 years) fit no INTERVAL as DuckDB stores durations: refused
    nested as at the top level, as the row's fault; the rest is written."""
    m = gen["vals"]
    huge = datetime.timedelta(days=999_999_999)
    records = [
        m.Vals(id=1, rec=m.ValsRec(dur=huge)),
        m.Vals(id=2, dur_list=[datetime.timedelta(0), -huge]),
        m.Vals(id=3, dur=huge),
        m.Vals(id=4, rec=m.ValsRec(dur=datetime.timedelta(days=-100_000)), dur_list=[datetime.timedelta(0)]),
    ]
    con = duckdb.connect()
    result = gen["vals_warehouse"].vals_table_writer(con).write(records)
    assert result.written == 1
    assert [(r.index, r.key) for r in result.rejected] == [(0, {"id": 1}), (1, {"id": 2}), (2, {"id": 3})]
    assert [r.reason.split(":")[0] for r in result.rejected] == ["Out of Range Error", "Out of Range Error", "dur"]
    assert con.execute(f"SELECT id, rec.dur, dur_list FROM {SCHEMA}.vals").fetchall() == [
        (4, datetime.timedelta(days=-100_000), [datetime.timedelta(0)])
    ]


class _Part(msgspec.Struct, kw_only=True):
    d: Any = None
    b: Any = None


class _PartRow(msgspec.Struct, kw_only=True):
    id: int
    part: _Part | None = None


def test_duckdb_text_that_is_no_duration_or_base64_is_refused_not_stored() -> None:
    """With ``validate=False`` a string can stand where a duration or bytes go: DuckDB's own interval text
    is still read as before; anything else is a rejected row, never stored as some other value."""
    con = duckdb.connect()
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, part STRUCT(d INTERVAL, b BLOB))"
    writer = writer_for(con, _PartRow, "t", ["id"], {"duckdb": ddl}, validate=False)
    records = [
        _PartRow(id=1, part=_Part(d="02:00:00")),  # DuckDB's spelling, as the CAST always read it
        _PartRow(id=2, part=_Part(d="two hours")),
        _PartRow(id=3, part=_Part(b="not base64!")),
        _PartRow(id=4, part=_Part(d="PT1.1234567S")),  # more than microseconds: not msgspec's text
        _PartRow(id=5, part=_Part(b="bm90")),  # base64 text is decoded
    ]
    result = writer.write(records)
    assert [r.index for r in result.rejected] == [1, 2, 3]
    assert all(r.reason.startswith(("Conversion Error", "Invalid Input Error")) for r in result.rejected)
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [
        (1, {"d": datetime.timedelta(hours=2), "b": None}),
        (5, {"d": None, "b": b"not"}),
    ]


class _Odd(msgspec.Struct, kw_only=True):
    it_s: bytes | None = msgspec.field(default=None, name="it's b")
    waits: list[datetime.timedelta] | None = None


class _OddRow(msgspec.Struct, kw_only=True):
    id: int
    trio: list[_Odd] | None = None
    blobs: dict[str, list[bytes]] | None = None
    deep: list[dict[str, list[_Odd]]] | None = None


def test_duckdb_shapes_and_names_the_generated_ddl_does_not_use() -> None:
    """A fixed-size ARRAY, lists in maps in lists, a member name with a quote and a space: decoded at every
    depth, NULLs kept NULL."""
    con = duckdb.connect()
    odd = """STRUCT("it's b" BLOB, waits INTERVAL[])"""
    ddl = (
        f"CREATE TABLE t (id BIGINT PRIMARY KEY, trio {odd}[3], blobs MAP(VARCHAR, BLOB[]),"
        f" deep MAP(VARCHAR, {odd}[])[])"
    )
    writer = writer_for(con, _OddRow, "t", ["id"], {"duckdb": ddl})
    us = datetime.timedelta(microseconds=1)
    three = [_Odd(it_s=b"\x00'", waits=[us, -us]), _Odd(), _Odd(waits=[])]
    records = [
        _OddRow(
            id=1, trio=three, blobs={"x": [b"a", b""], "y": []}, deep=[{"k": [_Odd(it_s=b"\xfe", waits=[us])]}, {}]
        ),
        _OddRow(id=2),
    ]
    assert writer.write(records).rejected == []
    empty = {"it's b": None, "waits": None}
    assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [
        (
            1,
            ({"it's b": b"\x00'", "waits": [us, -us]}, empty, {"it's b": None, "waits": []}),
            {"x": [b"a", b""], "y": []},
            [{"k": [{"it's b": b"\xfe", "waits": [us]}]}, {}],
        ),
        (2, None, None, None),
    ]


# -- PostgreSQL -------------------------------------------------------------------------------------------


def _pg_writer(gen: dict[str, ModuleType], con: psycopg.Connection[Any], schema: str, **kw: Any) -> BaseWriter[Any]:
    table: WarehouseTable = gen["vals_warehouse"].VALS_TABLE
    mine = table._replace(table=f"{schema}.vals", ddl={"postgres": table.ddl["postgres"].replace(SCHEMA, schema)})
    return table_writer(con, gen["vals"].Vals, mine, **kw)


def test_postgres_nested_values_round_trip_exactly(gen: dict[str, ModuleType], pg_schema: str) -> None:
    """Nested records and maps are JSONB holding the contract's JSON: a duration is its ISO 8601 text, bytes
    their base64 text, a datetime RFC 3339 text; decoded as the contract decodes it, each is the record's
    value. Lists of scalars are native arrays (INTERVAL[], BYTEA[], ...)."""
    records = _records(gen["vals"])
    with psycopg.connect(PG_DSN) as con:
        writer = _pg_writer(gen, con, pg_schema)
        result = writer.write(records)
        assert (result.written, result.rejected) == (len(records), [])
        back = _read_back(gen["vals"], writer, con.execute(f"SELECT * FROM {pg_schema}.vals ORDER BY id"))
        assert back == records
        stored = con.execute(
            f"SELECT rec->>'dur', rec->>'blob', dur_map->>'k', blob_list[1], dur_list[1], pg_typeof(rec)::text"
            f" FROM {pg_schema}.vals WHERE id = 0"
        ).fetchone()
        assert stored == ("PT7200S", "bm90", "PT7200S", b"not", datetime.timedelta(hours=2), "jsonb")
        # a zone offset with seconds is written as UTC (msgspec would drop the seconds, moving the instant)
        assert con.execute(f"SELECT rec->>'at', at_list[1] FROM {pg_schema}.vals WHERE id = 1").fetchone() == (
            "1889-12-31T23:06:32Z",
            STAMPS[1],
        )
        assert writer.write(_records(gen["vals"], shift=2)).rejected == []  # the upsert path
        back = _read_back(gen["vals"], writer, con.execute(f"SELECT * FROM {pg_schema}.vals ORDER BY id"))
        assert back == _records(gen["vals"], shift=2)


def test_postgres_values_it_cannot_convert_or_dump_are_rejected_rows(
    gen: dict[str, ModuleType], pg_schema: str
) -> None:
    """As in the DuckDB writer: a value that cannot be converted (no JSON for it) or dumped (psycopg cannot
    adapt it, a NUL in text) rejects its row with the record's key and ``<column>: <message>``, like a value
    the server refuses; the rest of the batch is written, on the append path and on the upsert path."""
    m = gen["vals"]
    good = _records(m, n=3)
    records = [
        good[0],
        m.Vals(id=10, rec=m.ValsRec(dur=object())),  # msgspec has no JSON for it
        m.Vals(id=11, blob=object()),  # psycopg cannot adapt it
        good[1],
        m.Vals(id=12, note="nul\x00byte"),  # PostgreSQL text cannot hold NUL
        m.Vals(id=13, ref="not a uuid"),  # the server refuses it
        m.Vals(id=14, dur_list=[datetime.timedelta(0), "soon"]),  # mixed list: psycopg cannot dump it
        good[2],
    ]
    with psycopg.connect(PG_DSN) as con:
        writer = _pg_writer(gen, con, pg_schema, validate=False)
        for attempt in ("append", "upsert"):
            result = writer.write(records)
            assert result.written == 3, attempt
            assert [(r.index, r.key) for r in result.rejected] == [
                (1, {"id": 10}),
                (2, {"id": 11}),
                (4, {"id": 12}),
                (5, {"id": 13}),
                (6, {"id": 14}),
            ]
            reasons = [r.reason for r in result.rejected]
            assert reasons[0] == "rec: Encoding objects of type object is unsupported"
            assert reasons[1].startswith("blob: cannot adapt type 'object'")
            assert reasons[2] == "note: PostgreSQL text fields cannot contain NUL (0x00) bytes"
            assert reasons[3].startswith("invalid input syntax for type uuid")
            assert reasons[4].startswith("dur_list: cannot dump lists of mixed types")
            assert con.execute(f"SELECT id FROM {pg_schema}.vals ORDER BY id").fetchall() == [(0,), (1,), (2,)]


def test_postgres_a_lost_connection_is_still_an_interruption(gen: dict[str, ModuleType], pg_schema: str) -> None:
    con = psycopg.connect(PG_DSN)
    writer = _pg_writer(gen, con, pg_schema)
    writer.ensure_table()
    con.close()
    with pytest.raises(WriteInterrupted) as info:
        writer.write(_records(gen["vals"], n=2))
    assert isinstance(info.value.__cause__, psycopg.OperationalError)
    assert info.value.committed.written == 0


# -- datetimes whose zone offset has seconds ----------------------------------------------------------------


class _When(msgspec.Struct, kw_only=True):
    at: datetime.datetime | None = None
    more: dict[str, list[datetime.datetime]] | None = None


class _Tree(msgspec.Struct, kw_only=True):
    at: datetime.datetime | None = None
    kids: list[_Tree] = []


def test_stamp_finder_reads_only_paths_to_datetimes() -> None:
    lmt = STAMPS[1]
    find = stamp_finder(msgspec.inspect.type_info(list[_When] | None))
    assert find is not None
    values: list[Any] = [None, [_When(at=lmt, more={"k": [STAMPS[0]]})], [], [_When()]]
    assert sorted(find(values), key=str) == sorted([lmt, STAMPS[0]], key=str)
    assert stamp_finder(msgspec.inspect.type_info(dict[str, list[int]])) is None  # nothing to look at
    tree = stamp_finder(msgspec.inspect.type_info(_Tree))  # a recursive record: walked
    assert tree is not None and tree([_Tree(kids=[_Tree(at=lmt)])]) == [lmt]
    exact = exact_offsets(find)
    fixed_zones = [None, [_When(at=STAMPS[0])]]
    assert exact(fixed_zones) is fixed_zones  # whole-minute fixed offsets: the column as it is, no look per value
    berlin_now = [[_When(at=STAMPS[3])]]
    assert exact(berlin_now) is berlin_now  # a ZoneInfo: each offset looked at, all whole minutes
    fixed = exact(values)
    assert fixed[1] == [{"at": lmt.astimezone(UTC), "more": {"k": [STAMPS[0]]}}]  # builtins, the same instant
    assert fixed[0] is None and fixed[2:] == values[2:]


class _WhenRow(msgspec.Struct, kw_only=True):
    id: int
    at: datetime.datetime | None = None
    when: _When | None = None


def test_duckdb_datetimes_with_second_offsets_are_stored_exactly() -> None:
    """Top level (Arrow refused the offset: the row was rejected) and nested (msgspec dropped the seconds)."""
    con = duckdb.connect()
    ddl = (
        'CREATE TABLE t (id BIGINT PRIMARY KEY, "at" TIMESTAMPTZ,'
        ' "when" STRUCT("at" TIMESTAMPTZ, more MAP(VARCHAR, TIMESTAMPTZ[])))'
    )
    writer = writer_for(con, _WhenRow, "t", ["id"], {"duckdb": ddl})
    records = [_WhenRow(id=i, at=s, when=_When(at=s, more={"k": [s, STAMPS[0]]})) for i, s in enumerate(STAMPS)]
    assert writer.write(records).rejected == []
    rows = con.execute('SELECT id, "at", "when" FROM t ORDER BY id').fetchall()
    assert [(i, at, when["at"], when["more"]["k"]) for i, at, when in rows] == [
        (i, s, s, [s, STAMPS[0]]) for i, s in enumerate(STAMPS)
    ]
