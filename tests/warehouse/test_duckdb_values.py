"""Values the DuckDB writer must store as they are: nested records that leave optional members unset (NULL at
every depth: a STRUCT in a STRUCT, a list of STRUCTs, a MAP of STRUCTs), and integers past int64 (uint64 up
to 2**64-1, HUGEINT). A value the table cannot hold is a rejected row, never ``WriteInterrupted``; a
rejected row's key is the record's key value whichever stage rejects it.

The contracts are written to a temporary folder, compiled, and their records and writer modules generated
and imported, as a user's would be."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import duckdb
import msgspec
import pytest
from contract_runtime.warehouse import WriteInterrupted, writer_for
from contract_runtime.warehouse.duckdb import DuckDBWriter

from tests.warehouse.generated import generated_modules

PACKAGE = "gen_wh_values"

# Optional members (UNSET when not given) at every depth: a record in a record, a list of records holding a
# list, a map of records.
ACCT = {
    "title": "Acct",
    "type": "object",
    "x-contract": {
        "name": "acct",
        "version": "1.0.0",
        "ports": [{"name": "acct-table", "table": {"table": "wh_values.acct", "key_fields": ["id"]}}],
    },
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "contact": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string"},
                "address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street"],
                },
            },
            "required": ["name"],
        },
        "phones": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "number": {"type": "string"},
                    "kind": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["number"],
            },
        },
        "places": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                "required": ["street"],
            },
        },
        "nick": {"type": "string"},
    },
    "required": ["id"],
}

# uint64 at the top level, in a list and in nested records (UBIGINT columns and members).
COUNTERS = """
syntax = "proto3";
package counters.v1;
import "contract/v1/options.proto";
option (contract.v1.contract) = { name: "counters" version: "1.0.0"
  ports { name: "counters-table" table { table: "wh_values.counters" key_fields: "id" } } };
message Counter {
  int64 id = 1;
  optional uint64 total = 2;
  repeated uint64 totals = 3;
  Reading last = 4;
  repeated Reading readings = 5;
  map<string, Reading> by_site = 6;
  optional uint32 small = 7;
  optional int64 delta = 8;
}
message Reading { optional uint64 value = 1; optional string unit = 2; }
"""

U64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    sources = {"acct.schema.json": json.dumps(ACCT), "counters.proto": COUNTERS}
    yield from generated_modules(tmp_path_factory.mktemp("wh_values"), sources, PACKAGE)


def _id(i: int) -> uuid.UUID:
    return uuid.UUID(int=i)


# -- unset members of nested records ----------------------------------------------------------------------


def test_unset_members_of_nested_records_are_null(gen: dict[str, ModuleType]) -> None:
    m = gen["acct"]
    records = [
        m.Acct(id=_id(1), contact=m.AcctContact(name="Ann")),  # the repro: email unset
        m.Acct(  # set at every depth
            id=_id(2),
            contact=m.AcctContact(name="Bo", email="bo@x", address=m.AcctContactAddress(street="S", zip="Z")),
            phones=[m.AcctPhones(number="1", kind="home", tags=["a"])],
            places={"home": m.AcctPlaces(street="S", zip="Z")},
            nick="b",
        ),
        m.Acct(  # unset in a record in a record, in a list of records, in a map of records
            id=_id(3),
            contact=m.AcctContact(name="Cy", address=m.AcctContactAddress(street="S")),
            phones=[m.AcctPhones(number="1"), m.AcctPhones(number="2", kind="work")],
            places={"a": m.AcctPlaces(street="S"), "b": m.AcctPlaces(street="T", zip="Z")},
        ),
        m.Acct(id=_id(4)),  # the nested columns themselves unset
    ]
    con = duckdb.connect()
    result = gen["acct_warehouse"].acct_table_writer(con).write(records)
    assert (result.written, result.rejected) == (4, [])
    rows = con.execute("SELECT id, contact, phones, places, nick FROM wh_values.acct ORDER BY id").fetchall()
    address = {"street": "S", "zip": None}
    assert rows == [
        (_id(1), {"name": "Ann", "email": None, "address": None}, None, None, None),
        (
            _id(2),
            {"name": "Bo", "email": "bo@x", "address": {"street": "S", "zip": "Z"}},
            [{"number": "1", "kind": "home", "tags": ["a"]}],
            {"home": {"street": "S", "zip": "Z"}},
            "b",
        ),
        (
            _id(3),
            {"name": "Cy", "email": None, "address": address},
            [{"number": "1", "kind": None, "tags": None}, {"number": "2", "kind": "work", "tags": None}],
            {"a": address, "b": {"street": "T", "zip": "Z"}},
            None,
        ),
        (_id(4), None, None, None, None),
    ]


def test_replaying_records_with_unset_members_upserts(gen: dict[str, ModuleType]) -> None:
    m = gen["acct"]
    con = duckdb.connect()
    writer = gen["acct_warehouse"].acct_table_writer(con)
    assert writer.write([m.Acct(id=_id(1), contact=m.AcctContact(name="Ann", email="a@x"))]).written == 1
    again = writer.write([m.Acct(id=_id(1), contact=m.AcctContact(name="Ann"))])  # the upsert path
    assert (again.written, again.rejected) == (1, [])
    assert con.execute("SELECT contact FROM wh_values.acct").fetchall() == [
        ({"name": "Ann", "email": None, "address": None},)
    ]


class _Inner(msgspec.Struct, kw_only=True):
    a: int | msgspec.UnsetType = msgspec.UNSET
    b: int | msgspec.UnsetType = msgspec.UNSET


class _Outer(msgspec.Struct, kw_only=True):
    id: int
    part: _Inner | msgspec.UnsetType = msgspec.UNSET


class _Nested(msgspec.Struct, kw_only=True):
    id: int
    part: list[_Inner] = []


def test_a_member_the_table_lacks_is_refused_not_dropped() -> None:
    """A table created before the record's nested type gained a member: the row that sets it is refused (as
    the CAST always did), not stored without it."""
    con = duckdb.connect()
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, part STRUCT(a BIGINT))"
    writer = writer_for(con, _Outer, "t", ["id"], {"duckdb": ddl})
    records = [_Outer(id=1, part=_Inner(a=1)), _Outer(id=2, part=_Inner(a=1, b=2)), _Outer(id=3, part=_Inner(b=2))]
    result = writer.write(records)
    assert result.written == 1
    assert [(r.index, r.key) for r in result.rejected] == [(1, {"id": 2}), (2, {"id": 3})]
    # the CAST refuses the first (every member there: the JSON goes as it is), the completion the second
    assert [r.reason for r in result.rejected] == [
        'Conversion Error: Object {"a":1,"b":2} has unknown key "b"',
        "part: Object contains unknown field `b` - at `$`",
    ]
    assert con.execute("SELECT * FROM t").fetchall() == [(1, {"a": 1})]


def test_nested_values_of_another_shape_are_refused_not_nulled() -> None:
    """With ``validate=False`` nothing but the table checks a nested value: one that is not an object where a
    record goes, or not a list where a list goes, is a rejected row (not a record of NULLs)."""

    class Loose(msgspec.Struct, kw_only=True):
        id: int
        part: Any = None
        parts: Any = None

    con = duckdb.connect()
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, part STRUCT(a BIGINT, b BIGINT), parts STRUCT(a BIGINT)[])"
    writer = writer_for(con, Loose, "t", ["id"], {"duckdb": ddl}, validate=False)
    records = [
        Loose(id=1, part="abc"),
        Loose(id=2, parts=5),
        Loose(id=3, parts=[1, _Inner(a=2)]),
        Loose(id=4, part=_Inner(b=2), parts=[{"a": 1}, _Inner()]),
    ]
    result = writer.write(records)
    assert [(r.index, r.reason) for r in result.rejected] == [
        (0, "part: Expected `object | null`, got `str` - at `$`"),
        (1, "parts: Expected `array | null`, got `int` - at `$`"),
        (2, "parts: Expected `object | null`, got `int` - at `$[0]`"),
    ]
    assert con.execute("SELECT * FROM t").fetchall() == [(4, {"a": None, "b": 2}, [{"a": 1}, {"a": None}])]


def test_a_nested_value_its_member_cannot_hold_is_still_refused() -> None:
    """Missing members are filled in as NULL; the members that are there are cast as strictly as before."""
    con = duckdb.connect()
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, part STRUCT(a UTINYINT, b BIGINT)[])"
    writer = writer_for(con, _Nested, "t", ["id"], {"duckdb": ddl})
    result = writer.write([_Nested(id=1, part=[_Inner(a=255)]), _Nested(id=2, part=[_Inner(b=1), _Inner(a=256)])])
    assert result.written == 1
    assert [(r.index, r.key) for r in result.rejected] == [(1, {"id": 2})]
    assert result.rejected[0].reason.startswith("Conversion Error")
    assert con.execute("SELECT * FROM t").fetchall() == [(1, [{"a": 255, "b": None}])]


def test_a_member_the_record_type_lacks_is_null() -> None:
    con = duckdb.connect()
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, part STRUCT(a BIGINT, b BIGINT, c VARCHAR))"
    writer = writer_for(con, _Outer, "t", ["id"], {"duckdb": ddl})
    assert writer.write([_Outer(id=1, part=_Inner(a=1, b=2))]).written == 1
    assert con.execute("SELECT * FROM t").fetchall() == [(1, {"a": 1, "b": 2, "c": None})]


class _Note(msgspec.Struct, kw_only=True):
    text: str
    tag: str | msgspec.UnsetType = msgspec.UNSET


class _Noted(msgspec.Struct, kw_only=True):
    id: int
    note: _Note | None = None


def test_key_like_text_in_a_value_does_not_hide_a_missing_member() -> None:
    """A STRUCT of scalars skips the completion when every object has every key: text that looks like a
    key (escaped quotes) or holds a brace must not pass for one."""
    con = duckdb.connect()
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, note STRUCT(text VARCHAR, tag VARCHAR))"
    writer = writer_for(con, _Noted, "t", ["id"], {"duckdb": ddl})
    writer.ensure_table()
    assert isinstance(writer, DuckDBWriter)
    assert writer._complete["note"].keys == [b'"text":', b'"tag":']  # counted before anything is decoded
    texts = ['he said "tag": "x"', '","tag":"', "{", "plain"]
    records = [_Noted(id=i, note=_Note(text=t)) for i, t in enumerate(texts)]
    records += [_Noted(id=10, note=_Note(text="t", tag="set")), _Noted(id=11)]
    for batch in ([*records[:2], records[4]], records[2:3], records[3:4], records):  # alone and together
        con.execute("DELETE FROM t")
        assert (writer.write(batch).rejected, con.execute("SELECT count(*) FROM t").fetchone()) == ([], (len(batch),))
    assert con.execute("SELECT id, note FROM t ORDER BY id").fetchall() == [
        *[(i, {"text": t, "tag": None}) for i, t in enumerate(texts)],
        (10, {"text": "t", "tag": "set"}),
        (11, None),
    ]


def test_fixed_size_arrays_and_maps_with_typed_keys_of_structs() -> None:
    """Shapes the generated DDL does not use, in a table made by hand: completed, then cast as before (the
    CAST checks the ARRAY's length and converts the map's keys)."""

    class Row(msgspec.Struct, kw_only=True):
        id: int
        trio: list[_Inner] | None = None
        by_n: dict[int, _Inner] | None = None

    con = duckdb.connect()
    inner = "STRUCT(a BIGINT, b BIGINT)"
    ddl = f"CREATE TABLE t (id BIGINT PRIMARY KEY, trio {inner}[3], by_n MAP(INTEGER, {inner}))"
    writer = writer_for(con, Row, "t", ["id"], {"duckdb": ddl})
    three = [_Inner(a=1), _Inner(b=2), _Inner()]
    result = writer.write([Row(id=1, trio=three, by_n={7: _Inner(a=1)}), Row(id=2, trio=three[:2])])
    assert result.written == 1
    assert [r.index for r in result.rejected] == [1]  # two elements for an ARRAY of three
    empty = {"a": None, "b": None}
    assert con.execute("SELECT * FROM t").fetchall() == [
        (1, ({"a": 1, "b": None}, {"a": None, "b": 2}, empty), {7: {"a": 1, "b": None}})
    ]


# -- integers past int64 ----------------------------------------------------------------------------------


def test_uint64_round_trips_to_its_maximum(gen: dict[str, ModuleType]) -> None:
    m = gen["counters"]
    big = [2**63, U64_MAX]
    reading = m.Reading(value=U64_MAX)
    records = [
        m.Counter(id=1, total=2**63),  # the repro
        m.Counter(
            id=2,
            total=U64_MAX,
            totals=big,
            last=reading,
            readings=[reading, m.Reading(unit="x")],
            by_site={"s": reading},
            small=2**32 - 1,
            delta=-(2**63),
        ),
        m.Counter(id=3, total=0, totals=[0], small=0, delta=2**63 - 1),
        m.Counter(id=4),
    ]
    con = duckdb.connect()
    writer = gen["counters_warehouse"].counters_table_writer(con)
    result = writer.write(records)
    assert (result.written, result.rejected) == (4, [])
    assert writer._complete == {}  # proto3 records leave no member out: their JSON goes to the CAST as it is
    rows = con.execute("SELECT * FROM wh_values.counters ORDER BY id").fetchall()
    value = {"value": U64_MAX, "unit": None}
    assert rows == [
        (1, 2**63, [], None, [], {}, None, None),
        (2, U64_MAX, big, value, [value, {"value": None, "unit": "x"}], {"s": value}, 2**32 - 1, -(2**63)),
        (3, 0, [0], None, [], {}, 0, 2**63 - 1),
        (4, None, [], None, [], {}, None, None),
    ]
    assert con.execute("SELECT typeof(total), typeof(totals) FROM wh_values.counters LIMIT 1").fetchone() == (
        "UBIGINT",
        "UBIGINT[]",
    )


class _Ints(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    u64: Any = None
    huge: Any = None
    uhuge: Any = None
    i32: Any = None
    extra: Any = None


_INTS_DDL = (
    "CREATE TABLE ints (id UUID PRIMARY KEY, u64 UBIGINT, huge HUGEINT, uhuge UHUGEINT,"
    " i32 INTEGER CHECK (i32 < 100), extra JSON)"
)


def test_integers_of_every_width_round_trip() -> None:
    con = duckdb.connect()
    writer = writer_for(con, _Ints, "ints", ["id"], {"duckdb": _INTS_DDL})
    records = [
        _Ints(id=_id(1), u64=U64_MAX, huge=2**126, uhuge=2**128 - 1, i32=-(2**31)),
        _Ints(id=_id(2), u64=0, huge=-(2**127), uhuge=0, i32=99),
        _Ints(id=_id(3), huge=5, uhuge=2**64),
    ]
    result = writer.write(records)
    assert (result.written, result.rejected) == (3, [])
    assert con.execute("SELECT u64, huge, uhuge, i32 FROM ints ORDER BY id").fetchall() == [
        (U64_MAX, 2**126, 2**128 - 1, -(2**31)),
        (0, -(2**127), 0, 99),
        (None, 5, 2**64, None),
    ]


def test_values_the_table_cannot_hold_are_rejected_rows_not_interruptions() -> None:
    """Before: 2**64 raised 'Python int too large to convert to C long' from pyarrow as WriteInterrupted,
    rolling back the whole batch as if the connection had been lost."""
    con = duckdb.connect()
    writer = writer_for(con, _Ints, "ints", ["id"], {"duckdb": _INTS_DDL}, validate=False)
    records = [
        _Ints(id=_id(1), u64=2**64),
        _Ints(id=_id(2), u64=-1),
        _Ints(id=_id(3), u64=7, huge=2**127),  # HUGEINT ends at 2**127-1
        _Ints(id=_id(4), i32=2**40),
        _Ints(id=_id(5), i32=200),  # the CHECK
        _Ints(id=_id(6), extra=object()),  # no JSON for it
        _Ints(id=_id(7), u64=U64_MAX, i32=1),
    ]
    result = writer.write(records)
    assert result.written == 1
    assert [r.index for r in result.rejected] == [0, 1, 2, 3, 4, 5]
    assert all(r.key == {"id": records[r.index].id} for r in result.rejected)
    assert result.rejected[4].reason.startswith("Constraint Error")
    assert result.rejected[5].reason.startswith("extra: ")
    assert con.execute("SELECT id, u64, i32 FROM ints").fetchall() == [(_id(7), U64_MAX, 1)]


def test_a_lost_connection_is_still_an_interruption() -> None:
    con = duckdb.connect()
    writer = writer_for(con, _Ints, "ints", ["id"], {"duckdb": _INTS_DDL})
    writer.ensure_table()
    con.close()
    with pytest.raises(WriteInterrupted):
        writer.write([_Ints(id=_id(1), u64=U64_MAX)])


# -- the key of a rejected row ----------------------------------------------------------------------------


def test_rejected_keys_are_the_records_key_values_whichever_stage_rejects(gen: dict[str, ModuleType]) -> None:
    m = gen["acct"]
    con = duckdb.connect()
    # the table as the DDL makes it, plus a rule the contract does not have: the warehouse refuses the row
    ddl = (
        gen["acct_warehouse"]
        .ACCT_TABLE.ddl["duckdb"]
        .replace("  PRIMARY KEY", "  CHECK (nick <> 'no'),\n  PRIMARY KEY")
    )
    con.execute(ddl)
    writer = gen["acct_warehouse"].acct_table_writer(con)
    records = [
        m.Acct(id=_id(1), nick=5),  # not a string: contract validation rejects it
        m.Acct(id=_id(2), nick="no", contact=m.AcctContact(name="N")),  # the warehouse rejects it
        m.Acct(id=_id(3), contact=m.AcctContact(name="Ok")),
    ]
    result = writer.write(records)
    assert result.written == 1
    assert [(r.index, r.key) for r in result.rejected] == [(0, {"id": _id(1)}), (1, {"id": _id(2)})]
    assert [type(r.key["id"]) for r in result.rejected] == [uuid.UUID, uuid.UUID]
    assert result.rejected[0].reason.startswith("contract: ")
    assert result.rejected[1].reason.startswith("Constraint Error")
