from __future__ import annotations

import dataclasses
import re
from typing import Any

import duckdb
import psycopg

from codegen import ir
from codegen.emitters.migrations import generate_migrations
from codegen.emitters.sql_ddl import SqlDdlEmitter
from tests.warehouse.fixtures import LOC, SHIPMENT, contract


def _with_fields(*fields: ir.Field) -> ir.Record:
    return dataclasses.replace(SHIPMENT, fields=fields)


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
