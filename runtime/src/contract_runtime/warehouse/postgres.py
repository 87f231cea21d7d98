"""The PostgreSQL writer (psycopg 3). Each batch is one transaction: COPY straight into the table (the common
case: new keys); if a key is already there or a row is refused, that is rolled back and the batch is loaded
by COPY into a temporary table shaped like the target, then ``INSERT ... SELECT ... ON CONFLICT (key) DO
UPDATE``. A lost connection rolls the transaction back on the server: no partial batch is ever visible.

Speed: records are read and converted a chunk at a time while COPY streams, so the server parses and
indexes one chunk while the client makes the next (the server is the slower side). Within a chunk each column
is read and converted whole, in C (attrgetter, msgspec, dict lookups), into values psycopg's C dumpers take
as they are (its UUID, aware-datetime and list dumpers are Python code, 1-3 microseconds a value).

A value that cannot be converted or dumped (one msgspec cannot encode, one psycopg cannot adapt: only with
``validate=False``) fails its row, as a value the server refuses does: the COPY is aborted and the batch
bisected, and that record is rejected while the rest are written. A lost connection is not a row's fault."""

from __future__ import annotations

import datetime
import operator
import uuid
from typing import Any

import msgspec
import psycopg
from psycopg import sql
from psycopg.adapt import PyFormat, Transformer

from contract_runtime.warehouse._base import (
    BaseWriter,
    ColumnConverter,
    CommitInDoubt,
    R,
    RowError,
    _Batch,
    json_lines,
    null_for_json_null,
    per_value,
    plain,
)

# Errors caused by the rows (bad value, constraint): the batch is bisected to find them.
ROW_ERRORS: tuple[type[Exception], ...] = (psycopg.errors.DataError, psycopg.errors.IntegrityError)
# What converting a column (msgspec, the converters here) raises for a value it cannot take, and what dumping a
# row raises (psycopg's adapters: ``cannot adapt type``, a NUL in a string, lists of mixed types). psycopg's
# errors count only when raised by the client (no SQLSTATE): the server's are ROW_ERRORS or not a row's fault.
_CONVERSION_ERRORS = (TypeError, ValueError, OverflowError, msgspec.EncodeError)
_DUMP_ERRORS = (psycopg.ProgrammingError, psycopg.DataError, *_CONVERSION_ERRORS)
_REFUSED: tuple[type[Exception], ...] = (*ROW_ERRORS, RowError)

# Array element types whose JSON text (msgspec) is also their PostgreSQL array-literal element text. Enum
# elements are written by value, like scalar enums (psycopg's own list dumper would write the member name).
_JSON_LIKE_ELEMENTS = frozenset({"_text", "_varchar", "_bpchar", "_int2", "_int4", "_int8", "_bool", "_uuid", "_date"})


# Column types whose values msgspec turns into the text PostgreSQL parses (in C; psycopg's text dumpers for
# UUIDs and aware datetimes are Python code, ~1-3 microseconds a value). Exact Python types only.
_TEXT_TYPES: dict[str, set[type]] = {
    "uuid": {uuid.UUID, type(None)},
    "timestamptz": {datetime.datetime, type(None)},
    "timestamp": {datetime.datetime, type(None)},
    "date": {datetime.date, type(None)},
}
_MINUTE = datetime.timedelta(minutes=1)


def _whole_minute_offsets(values: list[Any]) -> bool:
    """msgspec writes a UTC offset in whole minutes: fine for fixed offsets (what msgspec decodes) that are;
    a ZoneInfo may have a historical offset in seconds, and keeps psycopg's dumper."""
    for zone in set(map(operator.attrgetter("tzinfo"), filter(None, values))):
        if zone is not None and not (type(zone) is datetime.timezone and not zone.utcoffset(None) % _MINUTE):
            return False
    return True


def text_column(allowed: set[type], otherwise: ColumnConverter | None) -> ColumnConverter:
    """A column as ISO / canonical text when every value has one of the ``allowed`` types, else ``otherwise``."""

    def convert(values: list[Any]) -> list[Any]:
        types = set(map(type, values))
        if types <= allowed and (datetime.datetime not in types or _whole_minute_offsets(values)):
            result: list[Any] = msgspec.to_builtins(values)
            return result
        return values if otherwise is None else otherwise(values)

    return convert


def _plain_array(value: Any) -> Any:
    return [plain(v) for v in value] if isinstance(value, list) else plain(value)


def array_column(values: list[Any]) -> list[Any]:
    """A column of flat lists as PostgreSQL array literals, made from one ``encode_lines`` call: a JSON
    array ``["a","b"]`` is the literal ``{"a","b"}`` when no string needs a JSON escape other than
    ``\\"`` and ``\\\\`` (which mean the same in an array literal). Saves psycopg's per-list dumper (Python);
    enum elements go in by value, as in the JSON columns."""
    if msgspec.UNSET in values:
        values = [None if v is msgspec.UNSET else v for v in values]
    data = json_lines(values)
    if b"\\" in data and b"\\" in data.replace(b"\\\\", b"").replace(b'\\"', b""):
        return per_value(_plain_array)(values)  # a newline, tab, control character: psycopg quotes it
    # brackets at the start and end of a line are the array's own: no raw newline is inside JSON text
    text = ("\n" + data.decode()).replace("\n[", "\n{").replace("]\n", "}\n")
    out = text.split("\n")
    return null_for_json_null(out[1:-1])


# Records read and converted at a time while COPY streams (large enough that per-chunk calls do not count).
CHUNK = 4096


class PostgresWriter(BaseWriter[R]):
    _convert_in_load = True

    def __init__(self, connection: psycopg.Connection[Any], record_type: type[R], table: str, *args: Any, **kw: Any):
        self.connection = connection
        super().__init__(record_type, table, *args, **kw)
        self._udt: dict[str, str] = {}  # column -> type name ('_text' is text[])

    def _ident(self) -> sql.Composable:
        return sql.Identifier(*self.table.split("."))

    def _table_exists(self) -> bool:
        row = self.connection.execute("SELECT to_regclass(%s)", [self.table]).fetchone()
        self.connection.commit()
        return bool(row and row[0])

    def _run_ddl(self) -> None:
        with self.connection.transaction():
            self.connection.execute(self.ddl.encode())  # several statements, no parameters

    def _json_columns(self) -> set[str]:
        schema, _, name = self.table.rpartition(".")
        rows = self.connection.execute(
            "SELECT column_name, data_type, udt_name FROM information_schema.columns"
            " WHERE table_schema = coalesce(nullif(%s, ''), current_schema()) AND table_name = %s",
            [schema, name],
        ).fetchall()
        self.connection.commit()
        types = {str(c): str(t) for c, t, _ in rows}
        self._udt = {str(c): str(u) for c, _, u in rows}
        missing = [c for c in self.columns if c not in types]
        if missing:
            raise ValueError(f"table {self.table} has no columns {missing}")
        if self.key_columns and not self._key_is_unique():
            # without it the COPY path appends a replayed key again: duplicates, silently
            raise ValueError(
                f"table {self.table} has no unique, non-deferrable index on exactly {self.key_columns}:"
                " rows could not be upserted on the key"
            )
        return {c for c, t in types.items() if t in ("json", "jsonb")}

    def _key_is_unique(self) -> bool:
        """Whether a unique index on exactly the key columns exists (what ON CONFLICT (key) needs)."""
        row = self.connection.execute(
            "SELECT count(*) FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND i.indisunique"
            " AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = %s"
            # the same set of names (no ORDER BY: the database's collation need not sort as Python does)
            " AND (SELECT array_agg(a.attname::text) FROM pg_attribute a"
            "      WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey[0:i.indnkeyatts - 1])) <@ %s::text[]",
            [self.table, len(self.key_columns), list(self.key_columns)],
        ).fetchone()
        self.connection.commit()
        return bool(row and row[0])

    def _column_converter(self, column: str) -> ColumnConverter | None:
        udt = self._udt.get(column, "")
        if column not in self._json and udt in _JSON_LIKE_ELEMENTS:
            return array_column
        if column not in self._json and udt in _TEXT_TYPES:
            return text_column(_TEXT_TYPES[udt], super()._column_converter(column))
        return super()._column_converter(column)

    def _copy_rows(self, copy: psycopg.Copy, batch: _Batch) -> None:
        """Convert the batch a chunk at a time and write its rows to ``copy``. A value that cannot be converted
        or dumped is its row's fault: RowError (leaving the ``with`` block aborts the COPY), and the batch is
        bisected down to the records that fail on their own."""
        records = batch.columns[0]  # _convert_in_load: the batch holds the records
        write = copy.write_row
        for start in range(0, len(batch), CHUNK):
            chunk = records[start : start + CHUNK]
            try:
                columns = self._columns(chunk)
            except _CONVERSION_ERRORS as exc:
                raise RowError(self._unconvertible(chunk, exc)) from exc
            row: tuple[Any, ...] = ()
            try:
                for row in zip(*columns, strict=False):
                    write(row)
            except _DUMP_ERRORS as exc:
                if isinstance(exc, psycopg.Error) and exc.sqlstate is not None:
                    raise  # the server's answer (a lost connection is OperationalError, never caught here)
                raise RowError(self._undumpable(row, exc)) from exc

    def _unconvertible(self, records: list[Any], exc: Exception) -> str:
        """``<column>: <message>`` for the first column of ``records`` that cannot be converted (only on failure)."""
        for column, attr, conv in zip(self.columns, self._attrs, self._converters, strict=False):
            if conv is None:
                continue
            try:
                conv(list(map(operator.attrgetter(attr), records)))
            except _CONVERSION_ERRORS as error:
                return f"{column}: {error}"
        return str(exc)

    def _undumpable(self, row: tuple[Any, ...], exc: Exception) -> str:
        """``<column>: <message>`` for the first value of ``row`` psycopg cannot dump as COPY text."""
        dumpers = Transformer(self.connection)
        for column, value in zip(self.columns, row, strict=False):
            if value is None:
                continue
            try:
                dumpers.get_dumper(value, PyFormat.TEXT).dump(value)
            except _DUMP_ERRORS as error:
                return f"{column}: {error}"
        return str(exc)

    def _statements(self) -> tuple[sql.Composed, sql.Composed, sql.Composed]:
        cols = [sql.Identifier(c) for c in self.columns]
        col_list = sql.SQL(", ").join(cols)
        stage = sql.Identifier("__contract_stage")
        create = sql.SQL(
            "CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {cols} FROM {target} WITH NO DATA"
        ).format(stage=stage, cols=col_list, target=self._ident())
        copy = sql.SQL("COPY {stage} ({cols}) FROM STDIN").format(stage=stage, cols=col_list)
        upsert = sql.SQL("INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage}").format(
            target=self._ident(), cols=col_list, stage=stage
        )
        if self.key_columns:
            keys = sql.SQL(", ").join(sql.Identifier(k) for k in self.key_columns)
            rest = [c for c in self.columns if c not in self.key_columns]
            if rest:
                sets = sql.SQL(", ").join(sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in rest)
                upsert += sql.SQL(" ON CONFLICT ({keys}) DO UPDATE SET {sets}").format(keys=keys, sets=sets)
            else:
                upsert += sql.SQL(" ON CONFLICT ({keys}) DO NOTHING").format(keys=keys)
        return create, copy, upsert

    def _load(self, batch: _Batch, commit: bool) -> int:
        if commit:
            self._own_transaction()
        if commit and self._append(batch):
            return len(batch)
        create, copy_sql, upsert = self._statements()
        con = self.connection
        try:
            with con.cursor() as cur:
                if con.autocommit:
                    # the staging table is dropped ON COMMIT: in autocommit mode it would be gone before the COPY
                    # (and a dry run of the bisection would commit)
                    cur.execute("BEGIN")
                cur.execute(create)
                with cur.copy(copy_sql) as copy:
                    self._copy_rows(copy, batch)
                cur.execute(upsert)
            if commit:
                self._commit()
            else:
                con.rollback()
        except CommitInDoubt:
            raise  # the connection is gone: nothing to roll back
        except RowError:
            con.rollback()
            raise
        except ROW_ERRORS as exc:
            con.rollback()
            raise RowError(str(exc).splitlines()[0]) from exc
        except BaseException:
            if not con.closed:
                con.rollback()
            raise
        return len(batch)

    def _own_transaction(self) -> None:
        """Work pending on the connection is committed before the batch starts (as ``ensure_table`` does). In the
        caller's ``connection.transaction()`` block psycopg refuses that, before any row is sent: the batch must
        not join a transaction the writer can neither commit nor roll back (the caller's COMMIT would store rows
        reported as rolled back)."""
        if self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.connection.commit()

    def _commit(self) -> None:
        """COMMIT; a connection lost with no answer from the server (no SQLSTATE) leaves the outcome unknown:
        the batch may be stored, so it must not be reported as rolled back."""
        try:
            self.connection.commit()
        except psycopg.OperationalError as exc:
            if exc.sqlstate is None:
                raise CommitInDoubt() from exc
            raise

    def _append(self, batch: _Batch) -> bool:
        """The common case first: COPY straight into the table in one transaction. Any key already
        there (a replay) or any refused row rolls it back, and the batch takes the upsert path."""
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in self.columns)
        copy_sql = sql.SQL("COPY {target} ({cols}) FROM STDIN").format(target=self._ident(), cols=cols)
        con = self.connection
        try:
            with con.cursor() as cur, cur.copy(copy_sql) as copy:
                self._copy_rows(copy, batch)
            self._commit()
        except _REFUSED:
            con.rollback()
            return False
        except CommitInDoubt:
            raise
        except BaseException:
            if not con.closed:
                con.rollback()
            raise
        return True
