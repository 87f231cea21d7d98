"""Rows per second through the generated warehouse writers, against the raw driver path in the same run.

Ours is the fixture contract's generated module (records + ``python-warehouse`` writer function) writing
records of the generated class, with validation on (the default) and off.

PostgreSQL: the writer (records converted and COPYed into the table; a replay would take the temp table +
upsert path) vs raw psycopg COPY of the same rows, already converted, into the same table shape. DuckDB: the
writer (records to Arrow + insert) vs a raw Arrow insert of the already-converted rows with the same casts.
Targets: at least 0.7x each.
Run: `python -m benchmarks warehouse` (100,000 rows; medians of up to three runs), or
`python benchmarks/warehouse_speed.py [rows]` for one run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import msgspec
import psycopg
import pyarrow as pa  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contract_runtime.warehouse._base import as_json, plain
from contract_runtime.warehouse.duckdb import DuckDBWriter

from tests.warehouse.fixtures import PG_DSN
from tests.warehouse.test_generated_writers import records as generated_records
from tests.warehouse.test_generated_writers import shipments_module

NAME = "warehouse"
DESCRIPTION = "rows/s through the generated writers vs raw psycopg COPY (PostgreSQL) and a raw Arrow insert (DuckDB)"
TARGET = 0.7


@dataclass(frozen=True)
class Options:
    n: int = 200
    runs: int = 3
    seed: int = 0
    strict: bool = False


def _rows(records: list[Any], json_cols: set[str], columns: dict[str, str]) -> list[tuple[Any, ...]]:
    by_wire = {f.encode_name: f.name for f in msgspec.structs.fields(type(records[0]))}
    attrs = [(by_wire[w], c in json_cols) for c, w in columns.items()]
    return [tuple(as_json(getattr(r, a)) if j else plain(getattr(r, a)) for a, j in attrs) for r in records]


def bench_postgres(gen: ModuleType, records: list[Any], validate: bool) -> tuple[float, float]:
    schema = gen.SHIPMENTS_TABLE.table.split(".")[0]
    con = psycopg.connect(PG_DSN)
    try:
        writer = gen.shipments_table_writer(con, validate=validate)
        writer.ensure_table()
        con.execute(f"CREATE TABLE {schema}.raw (LIKE {schema}.shipments INCLUDING ALL)")
        con.commit()
        # each side starts with no dirty pages left by the other (or by earlier runs) for the server to flush
        con.execute("CHECKPOINT")
        con.commit()
        t0 = time.perf_counter()
        writer.write(records)
        t_writer = time.perf_counter() - t0
        # raw COPY gets rows already converted: the same rows, none of the writer's work
        rows = _rows(records, {"parcel", "labels", "extra"}, writer.columns)
        cols = ", ".join(writer.columns)
        con.execute("CHECKPOINT")
        con.commit()
        t0 = time.perf_counter()
        with con.cursor() as cur, cur.copy(f"COPY {schema}.raw ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        con.commit()
        t_raw = time.perf_counter() - t0
        return len(records) / t_writer, len(records) / t_raw
    finally:
        con.rollback()
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.commit()
        con.close()


def bench_duckdb(gen: ModuleType, records: list[Any], validate: bool) -> tuple[float, float]:
    schema = gen.SHIPMENTS_TABLE.table.split(".")[0]
    con = duckdb.connect()
    writer = gen.shipments_table_writer(con, validate=validate)
    writer.ensure_table()
    con.execute(f"CREATE TABLE {schema}.raw AS SELECT * FROM {schema}.shipments LIMIT 0")
    t0 = time.perf_counter()
    writer.write(records)
    t_writer = time.perf_counter() - t0
    rows = _rows(records, {"tags", "parcel", "labels", "extra"}, writer.columns)
    t0 = time.perf_counter()
    names = list(writer.columns)
    cols = list(zip(*rows, strict=False))
    arrow = pa.Table.from_arrays(
        [
            pa.array([str(v) for v in c]) if n == "shipment_id" else pa.array(c)
            for n, c in zip(names, cols, strict=True)
        ],
        names=names,
    )
    con.register("raw_rows", arrow)
    assert isinstance(writer, DuckDBWriter)
    types = writer._types
    select = ", ".join(
        f"CAST(CAST({n} AS JSON) AS {types[n]})" if n in ("tags", "parcel", "labels") else f"CAST({n} AS {types[n]})"
        for n in names
    )
    con.execute(f"INSERT INTO {schema}.raw SELECT {select} FROM raw_rows")
    t_raw = time.perf_counter() - t0
    return len(records) / t_writer, len(records) / t_raw


def run(opts: Options, rows: int = 100_000) -> int:
    """Median rows/s of each side over up to three runs, and the ratio of the medians."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"  # every PostgreSQL run drops it again
    with tempfile.TemporaryDirectory() as tmp:
        # the fixture contract's generated records and writer module, the port's table in this run's schema
        gen = shipments_module(Path(tmp), "gen_bench_warehouse", table=f"{schema}.shipments")
    records = generated_records(sys.modules["gen_bench_warehouse.shipments"], rows)
    # pyarrow imports pandas (when installed) on its first conversion, ~0.5 s once per process: pay it before
    # either side is timed, not inside whichever runs first
    pa.array([0])
    missed = False
    # The target applies to the writer as users get it (validate=True: every record checked against the
    # contract first); without validation shows what the load path alone costs.
    for name, bench in (("postgres", bench_postgres), ("duckdb", bench_duckdb)):
        for validate in (True, False):
            results = [bench(gen, records, validate) for _ in range(max(1, min(opts.runs, 3)))]
            writer = statistics.median(r[0] for r in results)
            raw = statistics.median(r[1] for r in results)
            ratio = writer / raw
            label = f"{name} writer{'' if validate else ' (validate=False)'}"
            verdict = f"(target {TARGET}x) {'ok' if ratio >= TARGET else 'MISSED'}" if validate else "(no target)"
            missed |= validate and ratio < TARGET
            print(f"{label:34s} {writer:10,.0f} rows/s   raw {raw:10,.0f} rows/s   ratio {ratio:.2f}x {verdict}")
    return 1 if opts.strict and missed else 0


def main() -> None:
    run(Options(runs=1), int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)


if __name__ == "__main__":
    main()
