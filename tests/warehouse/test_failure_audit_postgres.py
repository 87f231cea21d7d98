"""The PostgreSQL writer under failure: what the caller is told (``WriteResult``, ``WriteInterrupted.committed``)
must be what is stored, no batch is ever partly visible, and a retry upserts instead of duplicating."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import psycopg
import pytest
from contract_runtime.warehouse import WriteInterrupted
from contract_runtime.warehouse._base import _Batch

from tests.warehouse.fixtures import (
    PG_DSN,
    before_batch,
    breaking_source,
    shipments,
    stored_pairs,
    writes_at_once,
)
from tests.warehouse.test_writers import pg_writer


@pytest.fixture
def admin() -> Iterator[psycopg.Connection[Any]]:
    """A side connection (autocommit) playing the other users of the server."""
    con = psycopg.connect(PG_DSN, autocommit=True)
    yield con
    con.close()


def rows(admin: psycopg.Connection[Any], schema: str) -> list[tuple[Any, ...]]:
    """(shipment_id, tracking_code) of every stored row, duplicates kept."""
    return admin.execute(f"SELECT shipment_id, tracking_code FROM {schema}.shipments ORDER BY 1, 2").fetchall()


def test_killed_in_the_second_batch_committed_is_the_first_and_a_retry_upserts(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    con = psycopg.connect(PG_DSN, application_name=f"writer-{pg_schema}")
    writer = pg_writer(con, pg_schema, batch_size=10)
    real = writer._copy_rows  # type: ignore[attr-defined]
    copies = []

    def copy_rows(copy: psycopg.Copy, batch: _Batch) -> None:
        copies.append(1)
        if len(copies) == 2:  # the 2nd batch's COPY has started: kill the writer's backend, found by name
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                [f"writer-{pg_schema}"],
            )
        real(copy, batch)

    writer._copy_rows = copy_rows  # type: ignore[attr-defined]
    records = list(shipments(30))
    with pytest.raises(WriteInterrupted) as info:
        writer.write(records)
    assert isinstance(info.value.__cause__, psycopg.OperationalError)
    assert (info.value.committed.written, info.value.committed.batches, info.value.in_doubt) == (10, 1, 0)
    assert rows(admin, pg_schema) == stored_pairs(records[:10])
    # the writer's connection is gone: it says so and changes nothing
    with pytest.raises(WriteInterrupted) as again:
        writer.write(records)
    assert again.value.committed.written == 0
    assert rows(admin, pg_schema) == stored_pairs(records[:10])
    # a retry of the same records on a new connection: the first batch is upserted, not duplicated
    with psycopg.connect(PG_DSN) as fresh:
        assert pg_writer(fresh, pg_schema, batch_size=10).write(records).written == 30
    assert rows(admin, pg_schema) == stored_pairs(records)


def test_killed_on_the_upsert_path_leaves_the_stored_rows_unchanged(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    """A replay with changed values takes the staging-table path (the direct COPY fails on the first key):
    killing the connection there shows neither old rows deleted nor new values half applied."""
    setup = psycopg.connect(PG_DSN)
    first = list(shipments(20))
    pg_writer(setup, pg_schema).write(first)
    setup.close()
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema)
    real = writer._copy_rows  # type: ignore[attr-defined]
    copies = []

    def copy_rows(copy: psycopg.Copy, batch: _Batch) -> None:
        copies.append(1)
        if len(copies) == 2:  # 1: the direct COPY (refused: keys exist), 2: COPY into the staging table
            admin.execute("SELECT pg_terminate_backend(%s)", [con.info.backend_pid])
        real(copy, batch)

    writer._copy_rows = copy_rows  # type: ignore[attr-defined]
    changed = [msgspec.structs.replace(r, tracking_code=f"N{i}") for i, r in enumerate(first)]
    with pytest.raises(WriteInterrupted) as info:
        writer.write(changed + list(shipments(5, start=100)))
    assert isinstance(info.value.__cause__, psycopg.OperationalError)
    assert (len(copies), info.value.committed.written) == (2, 0)
    assert rows(admin, pg_schema) == stored_pairs(first)


def test_lock_timeout_between_batches_then_the_same_writer_goes_on(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    writer.ensure_table()
    con.execute("SET lock_timeout = '200ms'")
    con.commit()
    locker = psycopg.connect(PG_DSN)
    records = list(shipments(30))

    def lock() -> None:  # held until the locker's transaction ends
        locker.execute(f"LOCK TABLE {pg_schema}.shipments IN ACCESS EXCLUSIVE MODE")

    before_batch(writer, 2, lock)
    try:
        with pytest.raises(WriteInterrupted) as info:
            writer.write(records)
    finally:
        locker.rollback()
        locker.close()
    assert isinstance(info.value.__cause__, psycopg.errors.LockNotAvailable)
    assert (info.value.committed.written, info.value.committed.batches) == (10, 1)
    assert rows(admin, pg_schema) == stored_pairs(records[:10])
    # the batch was rolled back and the connection kept: the same writer retries, without duplicates
    del writer._write_batch  # the class's again: no lock taken
    assert writer.write(records).written == 30
    assert rows(admin, pg_schema) == stored_pairs(records)


def test_statement_timeout_waiting_on_a_key_another_transaction_holds(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    """Another transaction inserted one of the batch's keys and has not committed: the COPY waits on it until
    the statement timeout. Nothing of that batch is visible; once the other commits, a retry upserts."""
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    records = list(shipments(20))
    writer.write(records[:10])
    con.execute("SET statement_timeout = '300ms'")
    con.commit()
    other = psycopg.connect(PG_DSN)
    other.execute(
        f"INSERT INTO {pg_schema}.shipments (shipment_id, carrier, tracking_code, cost, shipped_at, day)"
        " VALUES (%s, 'DHL', 'OTHER', 1, now(), current_date)",
        [records[15].shipment_id],
    )
    try:
        with pytest.raises(WriteInterrupted) as info:
            writer.write(records[10:])
        assert isinstance(info.value.__cause__, psycopg.errors.QueryCanceled)
        assert info.value.committed.written == 0
        assert rows(admin, pg_schema) == stored_pairs(records[:10])
        other.commit()
    finally:
        other.close()
    assert writer.write(records[10:]).written == 10
    assert rows(admin, pg_schema) == stored_pairs(records)  # the other's row for that key was upserted


def test_rows_refused_only_together_interrupt_with_what_was_committed(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    """Someone adds a unique index on a non-key column; two rows of the 2nd batch share a value. Each passes
    the bisection alone, so the batch fails whole: the caller must get ``WriteInterrupted`` with the 1st
    batch as committed (not a bare internal ``RowError``), and the 2nd batch's rejects, rolled back with it,
    must not be reported as if that batch had been written."""
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=4, validate=False)
    writer.ensure_table()
    admin.execute(f"CREATE UNIQUE INDEX ON {pg_schema}.shipments (tracking_code)")
    records = list(shipments(8))
    records[5] = msgspec.structs.replace(records[5], tracking_code="X" * 20)  # refused on its own
    records[7] = msgspec.structs.replace(records[7], tracking_code=records[6].tracking_code)
    with pytest.raises(WriteInterrupted) as info:
        writer.write(records)
    assert "unique" in str(info.value)
    committed = info.value.committed
    assert (committed.written, committed.batches, committed.rejected) == (4, 1, [])
    assert rows(admin, pg_schema) == stored_pairs(records[:4])
    con.close()


def test_check_constraint_added_between_batches_rejects_exactly_its_rows(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    records = list(shipments(20))
    before_batch(
        writer, 2, lambda: admin.execute(f"ALTER TABLE {pg_schema}.shipments ADD CHECK (attempts <> 3) NOT VALID")
    )
    result = writer.write(records)
    refused = [i for i, r in enumerate(records) if i >= 10 and r.attempts == 3]
    assert [r.index for r in result.rejected] == refused
    assert all("check constraint" in r.reason for r in result.rejected)
    assert (result.written, result.batches) == (20 - len(refused), 2)
    assert rows(admin, pg_schema) == stored_pairs([r for i, r in enumerate(records) if i not in refused])
    con.close()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("DROP TABLE {t}", psycopg.errors.UndefinedTable),
        ("ALTER TABLE {t} RENAME COLUMN tracking_code TO code", psycopg.errors.UndefinedColumn),
    ],
)
def test_table_dropped_or_altered_between_batches(
    pg_schema: str, admin: psycopg.Connection[Any], change: str, error: type[Exception]
) -> None:
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    before_batch(writer, 2, lambda: admin.execute(change.format(t=f"{pg_schema}.shipments")))
    records = list(shipments(30))
    with pytest.raises(WriteInterrupted) as info:
        writer.write(records)
    assert isinstance(info.value.__cause__, error)
    assert (info.value.committed.written, info.value.committed.batches) == (10, 1)
    if error is psycopg.errors.UndefinedColumn:
        stored = admin.execute(f"SELECT count(*) FROM {pg_schema}.shipments").fetchone()
        assert stored == (10,)
    con.close()


def test_autocommit_connection_replays_and_rejects(pg_schema: str, admin: psycopg.Connection[Any]) -> None:
    """The upsert path stages rows in a temporary table dropped ON COMMIT: on an autocommit connection it was
    gone before the COPY, so every replay and every refused row raised ``WriteInterrupted``."""
    con = psycopg.connect(PG_DSN, autocommit=True)
    writer = pg_writer(con, pg_schema, validate=False)
    records = list(shipments(10))
    writer.write(records)
    changed = [msgspec.structs.replace(r, tracking_code=f"N{i}") for i, r in enumerate(records)]
    assert writer.write(changed).written == 10
    bad = msgspec.structs.replace(records[0], shipment_id=shipments(1, 50).__next__().shipment_id, cost=-1)
    result = writer.write([*shipments(2, start=20), bad])
    assert ([r.index for r in result.rejected], result.written) == ([2], 2)
    assert rows(admin, pg_schema) == stored_pairs(changed + list(shipments(2, start=20)))
    assert con.autocommit
    con.close()


def test_a_table_whose_key_is_not_unique_is_refused_not_duplicated(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    """Someone dropped the primary key: the direct COPY would append every replayed key again."""
    con = psycopg.connect(PG_DSN)
    records = list(shipments(5))
    pg_writer(con, pg_schema).write(records)
    admin.execute(f"ALTER TABLE {pg_schema}.shipments DROP CONSTRAINT shipments_pkey")
    with pytest.raises(ValueError, match="unique"):
        pg_writer(con, pg_schema).write(records)
    assert rows(admin, pg_schema) == stored_pairs(records)
    # a unique index on exactly the key is enough (ON CONFLICT uses it)
    admin.execute(f"CREATE UNIQUE INDEX ON {pg_schema}.shipments (shipment_id)")
    assert pg_writer(con, pg_schema).write(records).written == 5
    assert rows(admin, pg_schema) == stored_pairs(records)
    con.close()


def test_commit_not_answered_is_in_doubt_not_rolled_back(pg_schema: str, admin: psycopg.Connection[Any]) -> None:
    """The server committed the 2nd batch but the answer was lost: the caller must not be told it was rolled
    back (it is stored), and replaying it must not duplicate it."""
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    writer.ensure_table()
    real = con.commit
    commits = []

    def commit() -> None:
        commits.append(1)
        real()
        if len(commits) == 2:
            con.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    con.commit = commit  # type: ignore[method-assign]
    records = list(shipments(30))
    with pytest.raises(WriteInterrupted) as info:
        writer.write(records)
    assert "rolled back" not in str(info.value)
    assert (info.value.committed.written, info.value.in_doubt) == (10, 10)
    assert rows(admin, pg_schema) == stored_pairs(records[:20])
    with psycopg.connect(PG_DSN) as fresh:
        assert pg_writer(fresh, pg_schema, batch_size=10).write(records).written == 30
    assert rows(admin, pg_schema) == stored_pairs(records)


def test_records_iterable_failing_halfway_commits_nothing(pg_schema: str, admin: psycopg.Connection[Any]) -> None:
    """The records are read before the first batch: a generator that fails commits nothing, and its own
    exception reaches the caller (nothing to report as committed)."""
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    writer.ensure_table()
    with pytest.raises(RuntimeError, match="source broke"):
        writer.write(breaking_source(25))
    assert rows(admin, pg_schema) == []
    assert writer.write(shipments(5)).written == 5  # the writer is usable afterwards
    con.close()


def test_concurrent_writers_of_the_same_keys_leave_one_row_per_key(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    setup = psycopg.connect(PG_DSN)
    pg_writer(setup, pg_schema).ensure_table()
    setup.close()
    records = list(shipments(2000))

    def write(offset: int) -> None:
        with psycopg.connect(PG_DSN) as con:
            pg_writer(con, pg_schema, batch_size=500).write(records[offset:] + records[:offset])

    errors = writes_at_once(write, [0, 700, 1400])
    # a deadlock between two upserts is a WriteInterrupted (retry safe); never a duplicate or lost row
    assert all(isinstance(e, WriteInterrupted) for e in errors), errors
    if errors:
        with psycopg.connect(PG_DSN) as con:
            pg_writer(con, pg_schema).write(records)
    assert rows(admin, pg_schema) == stored_pairs(records)


def test_inside_the_callers_transaction_block_nothing_is_written(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    """In ``with connection.transaction():`` the writer may neither commit nor roll back: its COPY joined the
    caller's transaction, it reported the batch as rolled back, and the block's COMMIT stored the rows."""
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema)
    writer.ensure_table()
    with con.transaction():
        with pytest.raises(WriteInterrupted) as info:
            writer.write(list(shipments(5)))
        assert info.value.committed.written == 0
    assert rows(admin, pg_schema) == []
    assert writer.write(shipments(5)).written == 5  # outside the block it writes
    con.close()


def test_work_pending_on_the_connection_is_committed_before_the_batch(
    pg_schema: str, admin: psycopg.Connection[Any]
) -> None:
    """What docs/warehouse.md says: the writer owns the connection's transactions (pending work is committed),
    even when the batch itself is then interrupted."""
    con = psycopg.connect(PG_DSN)
    writer = pg_writer(con, pg_schema, batch_size=10)
    writer.ensure_table()
    con.execute(f"CREATE TABLE {pg_schema}.audit (x int)")
    con.execute(f"INSERT INTO {pg_schema}.audit VALUES (1)")  # pending, not committed
    before_batch(writer, 1, lambda: admin.execute(f"ALTER TABLE {pg_schema}.shipments RENAME COLUMN day TO d"))
    with pytest.raises(WriteInterrupted):
        writer.write(list(shipments(5)))
    assert admin.execute(f"SELECT count(*) FROM {pg_schema}.audit").fetchone() == (1,)
    con.close()
