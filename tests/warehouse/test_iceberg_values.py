"""Values inside nested columns, checked for the Iceberg writer as ``test_nested_values`` and
``test_duckdb_values`` check the SQL writers: write the records to a real embedded catalog (SQLite + a local
warehouse folder), scan the table back and compare exactly. Unset optional members of nested records are
null; uint64 up to 2**64-1; durations, bytes, dates, times, datetimes (offsets with seconds), decimals and
UUIDs inside records, lists and maps; a value the table cannot hold is a rejected row with the record's key.

The contracts are those of the SQL writers' tests, compiled and generated into a temporary folder and
imported, as a user's would be."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest
from contract_runtime.warehouse import BaseWriter
from contract_runtime.warehouse.iceberg import open_catalog
from pyiceberg.catalog.sql import SqlCatalog

from tests.warehouse import test_duckdb_values as sql_values
from tests.warehouse import test_nested_values as nested
from tests.warehouse.generated import generated_modules

PACKAGE = "gen_wh_iceberg_values"
U64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    sources = {
        "vals.schema.json": json.dumps(nested.VALS),
        "acct.schema.json": json.dumps(sql_values.ACCT),
        "counters.proto": sql_values.COUNTERS,
    }
    yield from generated_modules(tmp_path_factory.mktemp("wh_iceberg_values"), sources, PACKAGE)


@pytest.fixture
def catalog(tmp_path: Path) -> SqlCatalog:
    return open_catalog(tmp_path / "lake")


def _rows(catalog: SqlCatalog, table: str) -> list[dict[str, Any]]:
    rows = catalog.load_table(table).scan().to_arrow().to_pylist(maps_as_pydicts="strict")
    return sorted(rows, key=lambda r: str(r["id"]))


def _snapshots(catalog: SqlCatalog, table: str) -> int:
    return len(catalog.load_table(table).snapshots())


def _forced(record: Any, **values: Any) -> Any:
    """``record`` with values its type refuses (set past the record's own checks), for ``validate=False``."""
    for name, value in values.items():
        msgspec.structs.force_setattr(record, name, value)
    return record


def _vals_back(gen: dict[str, ModuleType], writer: BaseWriter[Any], catalog: SqlCatalog) -> list[Any]:
    """The rows as records: a duration's ISO text and a UUID's text decode as the contract decodes them."""
    rows = _rows(catalog, f"{nested.SCHEMA}.vals")
    return [
        msgspec.convert(nested._without_nulls({writer.columns[c]: v for c, v in row.items()}), gen["vals"].Vals)
        for row in sorted(rows, key=lambda r: int(r["id"]))
    ]


# -- scalars inside nested values ------------------------------------------------------------------------


def test_nested_values_round_trip_exactly(gen: dict[str, ModuleType], catalog: SqlCatalog) -> None:
    records = nested._records(gen["vals"])
    writer = gen["vals_warehouse"].vals_table_writer(catalog)
    result = writer.write(records)
    assert (result.written, result.rejected) == (len(records), [])
    assert _vals_back(gen, writer, catalog) == records
    row = _rows(catalog, f"{nested.SCHEMA}.vals")[1]  # id 1: the 1890 Berlin time, +00:53:28
    assert (row["rec"]["dur"], row["rec"]["blob"], row["items"][0]["blob"], row["dur_map"]["k"]) == (
        "P1DT0.000001S",
        b"",
        b"",
        "P1DT0.000001S",
    )
    utc = datetime.datetime(1889, 12, 31, 23, 6, 32, tzinfo=datetime.UTC)  # the offset's seconds kept
    assert row["at"] == row["rec"]["at"] == row["bymap"]["a"]["at"] == row["at_list"][0] == row["at_map"]["k"] == utc
    assert row["rec"]["amount"] == decimal.Decimal("0.0001") and row["rec"]["ref"] == str(nested.REFS[1])


def test_replay_commits_nothing_and_an_update_replaces_nested_values(
    gen: dict[str, ModuleType], catalog: SqlCatalog
) -> None:
    writer = gen["vals_warehouse"].vals_table_writer(catalog)
    assert writer.write(nested._records(gen["vals"])).rejected == []
    table = f"{nested.SCHEMA}.vals"
    assert writer.write(nested._records(gen["vals"])).rejected == []
    assert _snapshots(catalog, table) == 1  # equal nested values: nothing rewritten
    changed = nested._records(gen["vals"], shift=3)
    result = writer.write(changed)
    assert (result.written, result.rejected) == (len(changed), [])
    assert _vals_back(gen, writer, catalog) == changed


# -- unset members, uint64 --------------------------------------------------------------------------------


def test_unset_members_of_nested_records_are_null(gen: dict[str, ModuleType], catalog: SqlCatalog) -> None:
    m = gen["acct"]
    records = [
        m.Acct(id=uuid.UUID(int=1), contact=m.AcctContact(name="N")),
        m.Acct(
            id=uuid.UUID(int=2),
            contact=m.AcctContact(name="N", address=m.AcctContactAddress(street="s")),
            phones=[m.AcctPhones(number="1"), m.AcctPhones(number="2", tags=["t"])],
            places={"h": m.AcctPlaces(street="x")},
        ),
        m.Acct(id=uuid.UUID(int=3)),
    ]
    writer = gen["acct_warehouse"].acct_table_writer(catalog)
    assert (writer.write(records).written, writer.write(records).rejected) == (3, [])  # and the replay
    assert _snapshots(catalog, "wh_values.acct") == 1
    assert [(r["contact"], r["phones"], r["places"]) for r in _rows(catalog, "wh_values.acct")] == [
        ({"name": "N", "email": None, "address": None}, [], {}),
        (
            {"name": "N", "email": None, "address": {"street": "s", "zip": None}},
            [{"number": "1", "kind": None, "tags": None}, {"number": "2", "kind": None, "tags": ["t"]}],
            {"h": {"street": "x", "zip": None}},
        ),
        (None, [], {}),
    ]


def test_uint64_round_trips_to_its_maximum(gen: dict[str, ModuleType], catalog: SqlCatalog) -> None:
    m = gen["counters"]
    reading = m.Reading(value=U64_MAX)
    records = [
        m.Counter(id=1, total=2**63),
        m.Counter(
            id=2,
            total=U64_MAX,
            totals=[2**63, U64_MAX],
            last=reading,
            readings=[reading, m.Reading(unit="x")],
            by_site={"s": reading},
            small=2**32 - 1,
            delta=-(2**63),
        ),
        m.Counter(id=3, total=0, totals=[0], small=0, delta=2**63 - 1),
        m.Counter(id=4),
    ]
    writer = gen["counters_warehouse"].counters_table_writer(catalog)
    assert (writer.write(records).written, writer.write(records).rejected) == (4, [])
    assert _snapshots(catalog, "wh_values.counters") == 1
    d = decimal.Decimal
    value = {"value": d(U64_MAX), "unit": None}
    assert [tuple(r.values()) for r in _rows(catalog, "wh_values.counters")] == [
        (1, d(2**63), [], None, [], {}, None, None),
        (
            2,
            d(U64_MAX),
            [d(2**63), d(U64_MAX)],
            value,
            [value, {"value": None, "unit": "x"}],
            {"s": value},
            2**32 - 1,
            -(2**63),
        ),
        (3, d(0), [d(0)], None, [], {}, 0, 2**63 - 1),
        (4, None, [], None, [], {}, None, None),
    ]


# -- values the table cannot hold --------------------------------------------------------------------------


def test_values_the_table_cannot_hold_are_rejected_rows(gen: dict[str, ModuleType], catalog: SqlCatalog) -> None:
    """Each refused row carries the record's key and ``<column path>: <message>``; the rest is written, on the
    append path and on the upsert path. A datetime before 0001-01-01T00:00Z (year 1 at a positive offset) was
    stored, and then no Python reader, nor the writer's own upsert comparison, could read it back."""
    m = gen["vals"]
    good = nested._records(m, n=3)
    year_1 = datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    records = [
        good[0],
        m.Vals(id=10, rec=m.ValsRec(dur=object())),
        m.Vals(id=11, blob=object()),
        good[1],
        _forced(m.Vals(id=12), rec=_forced(m.ValsRec(), amount=decimal.Decimal("1e20"))),
        _forced(m.Vals(id=13), amount=decimal.Decimal("NaN")),
        m.Vals(id=14, at_map={"k": year_1}),
        m.Vals(id=15, items=[m.ValsItems(at=year_1)]),
        m.Vals(id=16, at=year_1),
        good[2],
    ]
    writer = gen["vals_warehouse"].vals_table_writer(catalog, validate=False)
    for attempt in ("append", "upsert"):
        result = writer.write(records)
        assert result.written == 3, attempt
        assert [(r.index, r.key) for r in result.rejected] == [
            (1, {"id": 10}),
            (2, {"id": 11}),
            (4, {"id": 12}),
            (5, {"id": 13}),
            (6, {"id": 14}),
            (7, {"id": 15}),
            (8, {"id": 16}),
        ]
        reasons = [r.reason for r in result.rejected]
        assert [r.split(":")[0] for r in reasons[:4]] == ["rec", "blob", "rec", "amount"]
        assert reasons[4:] == [
            "at_map.value: timestamp before 0001-01-01T00:00:00Z",
            "items.element.at: timestamp before 0001-01-01T00:00:00Z",
            "at: timestamp before 0001-01-01T00:00:00Z",
        ]
        assert [r["id"] for r in _rows(catalog, f"{nested.SCHEMA}.vals")] == [0, 1, 2]
    assert _vals_back(gen, writer, catalog) == good[:3]


def test_null_members_are_rejected_rows_with_the_key(gen: dict[str, ModuleType], catalog: SqlCatalog) -> None:
    """A null in a required member at any depth is the row's fault, reported with the record's own key (a
    ``uuid.UUID``, as a contract rejection reports it, though the table holds its text)."""
    m = gen["acct"]
    records = [
        m.Acct(id=uuid.UUID(int=2), contact=_forced(m.AcctContact(name="N"), name=None)),
        m.Acct(id=uuid.UUID(int=3), phones=[_forced(m.AcctPhones(number="1"), number=None)]),
        m.Acct(id=uuid.UUID(int=4), places={"a": _forced(m.AcctPlaces(street="s"), street=None)}),
        m.Acct(id=uuid.UUID(int=5), contact=m.AcctContact(name="Ok")),
    ]
    result = gen["acct_warehouse"].acct_table_writer(catalog, validate=False).write(records)
    assert result.written == 1
    assert [(r.index, r.key, r.reason) for r in result.rejected] == [
        (0, {"id": uuid.UUID(int=2)}, "contact.name: null in a required field"),
        (1, {"id": uuid.UUID(int=3)}, "phones.element.number: null in a required field"),
        (2, {"id": uuid.UUID(int=4)}, "places.value.street: null in a required field"),
    ]
    assert [r["id"] for r in _rows(catalog, "wh_values.acct")] == [str(uuid.UUID(int=5))]
