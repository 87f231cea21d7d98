"""The generated DDL + the runtime writers, against embedded DuckDB and the real PostgreSQL server."""

from __future__ import annotations

import decimal
import json
from typing import Any

import duckdb
import msgspec
import psycopg
import pytest
from contract_runtime.warehouse import BaseWriter, WriteInterrupted, writer_for
from contract_runtime.warehouse.postgres import PostgresWriter

from codegen.emitters.sql_ddl import table_statements
from codegen.emitters.sql_model import build_table
from tests.warehouse.fixtures import PG_DSN, PORT, Shipment, contract, shipments

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

        def rows() -> Any:
            for n, row in enumerate(zip(*batch.columns, strict=False)):
                if n == half:
                    with psycopg.connect(PG_DSN, autocommit=True) as admin:
                        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                yield row

        copy_cls = psycopg.Copy
        original = copy_cls.write_row
        it = rows()

        def write_row(copy: Any, row: Any) -> None:
            original(copy, next(it))

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
    assert info.value.committed.written == 0
    with psycopg.connect(PG_DSN) as check:
        assert check.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_batches_commit_separately(pg: psycopg.Connection[Any], pg_schema: str) -> None:
    writer = pg_writer(pg, pg_schema, batch_size=300)
    result = writer.write(list(shipments(1000)))
    assert (result.batches, result.written) == (4, 1000)
