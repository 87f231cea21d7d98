"""The DuckDB writer under failure: what the caller is told must be what is stored, no batch is ever partly
visible, and a retry upserts instead of duplicating."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import msgspec
import pytest
from contract_runtime.warehouse import WriteInterrupted

from tests.warehouse.fixtures import before_batch, breaking_source, shipments, stored_pairs, writes_at_once
from tests.warehouse.test_writers import duck_writer

TABLE = "logistics.shipments"


def rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """(shipment_id, tracking_code) of every stored row, duplicates kept."""
    return con.execute(f"SELECT shipment_id, tracking_code FROM {TABLE} ORDER BY 1, 2").fetchall()


def test_read_only_database_interrupts_instead_of_rejecting_every_row(tmp_path: Path) -> None:
    """DuckDB says "read-only" with the InvalidInputException it also uses for bad values: the writer bisected
    and returned every record as rejected, as if the write had been done and the rows were at fault."""
    path = str(tmp_path / "shop.duckdb")
    with duckdb.connect(path) as con:
        duck_writer(con).write(list(shipments(3)))
    with duckdb.connect(path, read_only=True) as ro:
        with pytest.raises(WriteInterrupted, match="read-only") as info:
            duck_writer(ro).write(list(shipments(5, start=10)))
        assert (info.value.committed.written, info.value.committed.rejected) == (0, [])
        assert rows(ro) == stored_pairs(list(shipments(3)))


def test_rows_refused_only_together_interrupt_with_what_was_committed() -> None:
    """A unique index on a non-key column that two rows of the 2nd batch share: each passes the bisection
    alone, so the batch fails whole. The caller gets ``WriteInterrupted`` with the 1st batch as committed (it
    got a bare internal ``RowError``), and no reject of the rolled-back batch."""
    con = duckdb.connect()
    writer = duck_writer(con, batch_size=4, validate=False)
    writer.ensure_table()
    con.execute(f"CREATE UNIQUE INDEX tracking ON {TABLE} (tracking_code)")
    records = list(shipments(8))
    records[5] = msgspec.structs.replace(records[5], tracking_code="X" * 20)  # refused on its own
    records[7] = msgspec.structs.replace(records[7], tracking_code=records[6].tracking_code)
    with pytest.raises(WriteInterrupted, match="duplicate key") as info:
        writer.write(records)
    committed = info.value.committed
    assert (committed.written, committed.batches, committed.rejected) == (4, 1, [])
    assert rows(con) == stored_pairs(records[:4])


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (f"DROP TABLE {TABLE}", duckdb.CatalogException),
        (f"ALTER TABLE {TABLE} RENAME COLUMN tracking_code TO code", duckdb.BinderException),
    ],
)
def test_table_dropped_or_altered_between_batches(change: str, error: type[Exception]) -> None:
    con = duckdb.connect()
    side = con.cursor()  # another session of the same database
    writer = duck_writer(con, batch_size=10)
    before_batch(writer, 2, lambda: side.execute(change))
    records = list(shipments(30))
    with pytest.raises(WriteInterrupted) as info:
        writer.write(records)
    assert isinstance(info.value.__cause__, error)
    assert (info.value.committed.written, info.value.committed.batches) == (10, 1)
    if error is duckdb.BinderException:
        assert con.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (10,)
    con.execute("SELECT 1")  # no transaction left open: the connection is usable


class _FailsAfterInsert:
    """The connection, except that the ``n``-th INSERT runs and then raises (an I/O error inside the batch)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, n: int) -> None:
        self.con, self.n, self.inserts = con, n, 0

    def execute(self, query: str, *args: Any) -> Any:
        result = self.con.execute(query, *args)
        if query.startswith("INSERT"):
            self.inserts += 1
            if self.inserts == self.n:
                raise duckdb.IOException("disk went away")
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def test_an_error_inside_a_batch_rolls_it_back_whole() -> None:
    """The INSERT of the 2nd batch has run when the error comes: none of its rows show."""
    con = duckdb.connect()
    writer = duck_writer(con, batch_size=10)
    writer.ensure_table()
    records = list(shipments(30))
    writer.connection = _FailsAfterInsert(con, 2)  # type: ignore[attr-defined]
    with pytest.raises(WriteInterrupted, match="disk went away") as info:
        writer.write(records)
    assert (info.value.committed.written, info.value.committed.batches) == (10, 1)
    assert rows(con) == stored_pairs(records[:10])
    writer.connection = con  # type: ignore[attr-defined]
    assert writer.write(records).written == 30  # the retry upserts the 1st batch
    assert rows(con) == stored_pairs(records)


def test_closed_connection_then_a_writer_on_the_reopened_file(tmp_path: Path) -> None:
    path = str(tmp_path / "shop.duckdb")
    con = duckdb.connect(path)
    writer = duck_writer(con, batch_size=10)
    records = list(shipments(30))
    before_batch(writer, 2, con.close)
    with pytest.raises(WriteInterrupted) as info:
        writer.write(records)
    assert (info.value.committed.written, info.value.committed.batches) == (10, 1)
    with duckdb.connect(path) as again:
        assert rows(again) == stored_pairs(records[:10])
        assert duck_writer(again, batch_size=10).write(records).written == 30
        assert rows(again) == stored_pairs(records)


def test_records_iterable_failing_halfway_commits_nothing() -> None:
    con = duckdb.connect()
    writer = duck_writer(con, batch_size=10)
    writer.ensure_table()
    with pytest.raises(RuntimeError, match="source broke"):
        writer.write(breaking_source(25))
    assert rows(con) == []
    assert writer.write(shipments(5)).written == 5


def test_concurrent_writers_on_one_database_leave_one_row_per_key(tmp_path: Path) -> None:
    """Cursors of one database in threads write the same keys in different orders: a conflict is a
    ``WriteInterrupted`` (retry safe), never a duplicate or lost row."""
    con = duckdb.connect(str(tmp_path / "shop.duckdb"))
    duck_writer(con).ensure_table()
    records = list(shipments(3000))
    errors = writes_at_once(
        lambda offset: duck_writer(con.cursor(), batch_size=500).write(records[offset:] + records[:offset]),
        [0, 1000, 2000],
    )
    assert all(isinstance(e, WriteInterrupted) for e in errors), errors
    if errors:
        duck_writer(con).write(records)
    assert rows(con) == stored_pairs(records)


def test_open_transaction_on_the_connection_interrupts_and_commits_nothing() -> None:
    """The caller has a transaction open: the writer cannot make its batch a transaction of its own, so it
    stops before writing anything. (DuckDB aborts the caller's transaction on the failed BEGIN: the writer
    needs a connection, or cursor, of its own; docs/warehouse.md says so.)"""
    con = duckdb.connect()
    writer = duck_writer(con)
    writer.ensure_table()
    con.execute("CREATE TABLE audit (x INTEGER)")
    con.begin()
    con.execute("INSERT INTO audit VALUES (1)")
    with pytest.raises(WriteInterrupted, match="transaction") as info:
        writer.write(list(shipments(3)))
    assert info.value.committed.written == 0
    con.rollback()
    assert con.execute("SELECT count(*) FROM audit").fetchone() == (0,)
    assert rows(con) == []
