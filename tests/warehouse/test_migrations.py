from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import psycopg
import pytest
import sqlglot
from sqlglot import exp

from codegen import ir
from codegen.emitters.migrations import generate_migrations
from codegen.emitters.sql_ddl import SqlDdlEmitter
from tests.warehouse.fixtures import CARRIER, LOC, SHIPMENT, contract
from tests.warehouse.test_sql_ddl import clickhouse_query, clickhouse_session


def _with_fields(*fields: ir.Field) -> ir.Record:
    return msgspec.structs.replace(SHIPMENT, fields=fields)


ADDITIVE = _with_fields(
    *SHIPMENT.fields,
    ir.Field("note", ir.ScalarType(ir.Scalar.STRING), LOC, description="Added in 1.1."),
)
BREAKING = _with_fields(*[f for f in SHIPMENT.fields if f.name != "insured"])


def ddl(dialect: str) -> str:
    e = SqlDdlEmitter()
    return e.generate([contract()], e.parse_options({"dialects": [dialect]}))[0].content.decode()


def migration(new: ir.Contract, dialect: str) -> str:
    files = generate_migrations([contract()], [new], [dialect])
    assert len(files) == 1
    return files[0].content.decode()


def test_additive_change_is_alter_and_runs_on_duckdb() -> None:
    sql = migration(contract("1.1.0", ADDITIVE), "duckdb")
    assert "ALTER TABLE logistics.shipments ADD COLUMN note VARCHAR;" in sql
    assert "DROP" not in sql
    con = duckdb.connect()
    con.execute(ddl("duckdb"))
    con.execute(sql)
    cols = [r[0] for r in con.execute("DESCRIBE logistics.shipments").fetchall()]
    assert cols[-1] == "note"


def test_additive_change_runs_on_postgres(pg: psycopg.Connection[Any], pg_schema: str) -> None:
    pg.execute(re.sub(r"\blogistics\b", pg_schema, ddl("postgres")).encode())
    pg.execute(re.sub(r"\blogistics\b", pg_schema, migration(contract("1.1.0", ADDITIVE), "postgres")).encode())
    pg.commit()
    row = pg.execute(
        "SELECT is_nullable FROM information_schema.columns WHERE table_schema = %s AND column_name = 'note'",
        [pg_schema],
    ).fetchone()
    assert row == ("YES",)


def test_breaking_change_creates_versioned_table_never_drops() -> None:
    sql = migration(contract("2.0.0", BREAKING), "duckdb")
    assert "-- breaking: column insured removed" in sql
    assert "CREATE TABLE IF NOT EXISTS logistics.shipments_v2 (" in sql
    assert "DROP" not in sql and "ALTER TABLE logistics.shipments " not in sql
    con = duckdb.connect()
    con.execute(ddl("duckdb"))
    con.execute(
        "INSERT INTO logistics.shipments (shipment_id, carrier, tracking_code, cost, shipped_at, day)"
        " VALUES (uuid(), 'DHL', 'x', 1, now(), current_date)"
    )
    con.execute(sql)
    assert con.execute("SELECT count(*) FROM logistics.shipments").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM logistics.shipments_v2").fetchone() == (0,)


def test_breaking_change_without_major_bump_still_gets_new_table() -> None:
    sql = migration(contract("1.1.0", BREAKING), "postgres")
    assert "CREATE TABLE IF NOT EXISTS logistics.shipments_v1_1 (" in sql


# --- ClickHouse -------------------------------------------------------------------------------------------------


def _statements(sql: str) -> list[exp.Expression]:
    parsed = [s for s in sqlglot.parse(sql, read="clickhouse") if s is not None]
    assert parsed and not any(isinstance(s, exp.Command) for s in parsed), sql
    return parsed


def _field(name: str, **changes: Any) -> ir.Field:
    return msgspec.structs.replace(next(f for f in SHIPMENT.fields if f.name == name), **changes)


def _replace_fields(*fields: ir.Field) -> ir.Record:
    by_name = {f.name: f for f in fields}
    return _with_fields(*[by_name.get(f.name, f) for f in SHIPMENT.fields])


def _clickhouse_columns(ch: Any) -> dict[str, tuple[str, str]]:
    rows = clickhouse_query(
        ch, "SELECT name, type, comment FROM system.columns WHERE database = 'logistics' AND table = 'shipments'"
    )
    return {r[0]: (r[1], r[2]) for r in rows}


_INSERT = "INSERT INTO logistics.shipments (shipment_id, carrier, tracking_code, cost, shipped_at, day) VALUES "


def test_clickhouse_additive_change_adds_a_nullable_column_with_comment() -> None:
    sql = migration(contract("1.1.0", ADDITIVE), "clickhouse")
    assert "ALTER TABLE logistics.shipments ADD COLUMN note Nullable(String) COMMENT 'Added in 1.1.';" in sql
    assert "DROP" not in sql and "CREATE" not in sql
    [alter] = _statements(sql)
    assert isinstance(alter, exp.Alter)
    ch = clickhouse_session()
    try:
        ch.query(ddl("clickhouse"))
        ch.query(sql)
        assert _clickhouse_columns(ch)["note"] == ("Nullable(String)", "Added in 1.1.")
    finally:
        ch.cleanup()


def test_clickhouse_wider_string_new_enum_value_and_dropped_not_null_alter_in_place() -> None:
    carrier = msgspec.structs.replace(CARRIER, values=(*CARRIER.values, ir.EnumValue("FEDEX", "FEDEX", LOC)))
    record = _replace_fields(
        _field("trackingCode", type=ir.ScalarType(ir.Scalar.STRING, constraints=ir.Constraints(max_length=20))),
        _field("cost", required=False),
    )
    new = msgspec.structs.replace(contract("1.1.0", record), enums=(carrier,))
    sql = migration(new, "clickhouse")
    assert "-- breaking" not in sql and "CREATE" not in sql
    statements = _statements(sql)
    assert all(isinstance(s, exp.Alter) for s in statements)
    # the type of a wider String does not change; its length check is replaced (metadata only)
    assert "ALTER TABLE logistics.shipments MODIFY COLUMN cost Nullable(Decimal(10, 2));" in sql
    assert "DROP CONSTRAINT IF EXISTS tracking_code_check_1;" in sql
    assert "ADD CONSTRAINT tracking_code_check_1 CHECK (CHAR_LENGTH(tracking_code) <= 20);" in sql
    assert "ADD CONSTRAINT carrier_check_1 CHECK (carrier IN ('DHL', 'UPS', 'O''NEIL', 'FEDEX'));" in sql
    assert "ADD CONSTRAINT cost_check_1 CHECK (cost IS NULL OR cost >= 0);" in sql
    ch = clickhouse_session()
    try:
        ch.query(ddl("clickhouse"))
        row = "(generateUUIDv4(), 'FEDEX', 'T23456789012345', NULL, now64(), today())"
        with pytest.raises(Exception, match=r"VIOLATED_CONSTRAINT|NULL"):
            ch.query(_INSERT + row)
        ch.query(sql)
        ch.query(_INSERT + row)
        assert _clickhouse_columns(ch)["cost"][0] == "Nullable(Decimal(10, 2))"
        assert clickhouse_query(ch, "SELECT carrier, cost FROM logistics.shipments") == [["FEDEX", None]]
        with pytest.raises(Exception, match="VIOLATED_CONSTRAINT"):
            ch.query(_INSERT + "(generateUUIDv4(), 'DHL', 'T', -1, now64(), today())")
    finally:
        ch.cleanup()


def test_clickhouse_relaxing_a_sorting_key_column_is_breaking() -> None:
    # carrier is a cluster field, so it is in ORDER BY: ClickHouse cannot make it Nullable in place
    relaxed = contract("1.1.0", _replace_fields(_field("carrier", required=False)))
    sql = migration(relaxed, "clickhouse")
    assert "-- breaking: column carrier is in the ClickHouse sorting or partition key" in sql
    assert "CREATE TABLE IF NOT EXISTS logistics.shipments_v1_1 (" in sql
    assert "carrier LowCardinality(Nullable(String))" in sql and "SETTINGS allow_nullable_key = 1" in sql
    assert "ALTER COLUMN carrier DROP NOT NULL" in migration(relaxed, "postgres")  # additive elsewhere


def test_clickhouse_breaking_change_creates_versioned_table_never_drops() -> None:
    sql = migration(contract("2.0.0", BREAKING), "clickhouse")
    assert "-- breaking: column insured removed" in sql
    assert "CREATE TABLE IF NOT EXISTS logistics.shipments_v2 (" in sql
    assert "DROP" not in sql and "ALTER TABLE" not in sql
    _statements(sql)
    ch = clickhouse_session()
    try:
        ch.query(ddl("clickhouse"))
        ch.query(_INSERT + "(generateUUIDv4(), 'DHL', 'x', 1, now64(), today())")
        ch.query(sql)
        assert clickhouse_query(ch, "SELECT count() FROM logistics.shipments") == [[1]]
        assert clickhouse_query(ch, "SELECT count() FROM logistics.shipments_v2") == [[0]]
        assert "insured" not in [r[0] for r in clickhouse_query(ch, "DESCRIBE logistics.shipments_v2")]
    finally:
        ch.cleanup()


def test_a_changed_type_is_named_in_each_dialects_own_types() -> None:
    retyped = contract("2.0.0", _replace_fields(_field("trackingCode", type=ir.ScalarType(ir.Scalar.INT64))))
    notes = {
        d: [line for line in migration(retyped, d).splitlines() if "changes type" in line]
        for d in ("snowflake", "bigquery")
    }
    assert notes["snowflake"] == ["-- breaking: column tracking_code changes type VARCHAR(12) -> BIGINT"], notes
    assert notes["bigquery"] == ["-- breaking: column tracking_code changes type STRING(12) -> INT64"], notes


def test_the_emitter_says_what_it_lacks_instead_of_writing_nothing(tmp_path: Path) -> None:
    from codegen.diagnostics import ContractError
    from codegen.emitters.migrations import MigrationsEmitter

    emitter = MigrationsEmitter()
    with pytest.raises(ContractError) as info:
        emitter.generate([contract()], emitter.parse_options({}))
    assert [d.code for d in info.value.diagnostics] == ["E050"]
    (tmp_path / "broken.proto").write_text('syntax = "proto3";\nmessage {\n')
    with pytest.raises(ContractError) as info:  # a previous version that does not compile is said, not skipped
        emitter.generate([contract()], emitter.parse_options({"previous": [str(tmp_path)]}))
    assert [d.code for d in info.value.diagnostics] == ["E020"]
