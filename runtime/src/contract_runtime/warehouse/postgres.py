"""The PostgreSQL writer (psycopg 3). Each batch, in one transaction: COPY into a temporary table shaped
like the target, then ``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE`` into the target. A lost
connection rolls the transaction back on the server: no partial batch is ever visible."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from contract_runtime.warehouse._base import BaseWriter, R, RowError, _Batch

# Errors caused by the rows (bad value, constraint): the batch is bisected to find them.
ROW_ERRORS: tuple[type[Exception], ...] = (psycopg.errors.DataError, psycopg.errors.IntegrityError)


class PostgresWriter(BaseWriter[R]):
    def __init__(self, connection: psycopg.Connection[Any], record_type: type[R], table: str, *args: Any, **kw: Any):
        self.connection = connection
        super().__init__(record_type, table, *args, **kw)

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
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = coalesce(nullif(%s, ''), current_schema()) AND table_name = %s",
            [schema, name],
        ).fetchall()
        self.connection.commit()
        types = {str(c): str(t) for c, t in rows}
        missing = [c for c in self.columns if c not in types]
        if missing:
            raise ValueError(f"table {self.table} has no columns {missing}")
        return {c for c, t in types.items() if t in ("json", "jsonb")}

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
        if commit and self._append(batch):
            return len(batch)
        create, copy_sql, upsert = self._statements()
        con = self.connection
        try:
            with con.cursor() as cur:
                cur.execute(create)
                with cur.copy(copy_sql) as copy:
                    for row in zip(*batch.columns, strict=False):
                        copy.write_row(row)
                cur.execute(upsert)
            if commit:
                con.commit()
            else:
                con.rollback()
        except ROW_ERRORS as exc:
            con.rollback()
            raise RowError(str(exc).splitlines()[0]) from exc
        except BaseException:
            if not con.closed:
                con.rollback()
            raise
        return len(batch)

    def _append(self, batch: _Batch) -> bool:
        """The common case first: COPY straight into the table in one transaction. Any key already
        there (a replay) or any refused row rolls it back, and the batch takes the upsert path."""
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in self.columns)
        copy_sql = sql.SQL("COPY {target} ({cols}) FROM STDIN").format(target=self._ident(), cols=cols)
        con = self.connection
        try:
            with con.cursor() as cur, cur.copy(copy_sql) as copy:
                for row in zip(*batch.columns, strict=False):
                    copy.write_row(row)
            con.commit()
        except ROW_ERRORS:
            con.rollback()
            return False
        except BaseException:
            if not con.closed:
                con.rollback()
            raise
        return True
