"""Typed warehouse writers for contract records (extras: ``duckdb``, ``postgres``, ``iceberg``).

Generated code builds one writer per table port with ``writer_for``; the backends are imported lazily so
that installing the runtime never pulls a database driver that is not used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from contract_runtime.warehouse._base import (
    BaseWriter,
    Rejected,
    WriteInterrupted,
    WriteResult,
    column_name,
)

__all__ = ["BaseWriter", "Rejected", "WriteInterrupted", "WriteResult", "column_name", "writer_for"]


def writer_for(
    connection: Any,
    record_type: type[Any],
    table: str,
    key_fields: Sequence[str],
    ddl: Mapping[str, str],
    **options: Any,
) -> BaseWriter[Any]:
    """The writer for ``connection`` (a DuckDB or psycopg connection, or a pyiceberg catalog); ``ddl`` maps
    dialect -> DDL text (the generated ``sql/<dialect>/<contract>.sql``)."""
    module = type(connection).__module__
    if module.startswith("duckdb") or module == "_duckdb":
        from contract_runtime.warehouse.duckdb import DuckDBWriter

        return DuckDBWriter(connection, record_type, table, key_fields, ddl["duckdb"], **options)
    if module.startswith("psycopg"):
        from contract_runtime.warehouse.postgres import PostgresWriter

        return PostgresWriter(connection, record_type, table, key_fields, ddl["postgres"], **options)
    if module.startswith("pyiceberg"):
        from contract_runtime.warehouse.iceberg import IcebergWriter

        # The Iceberg schema is derived from the record type; the SQL DDL is not used.
        return IcebergWriter(connection, record_type, table, key_fields, ddl.get("iceberg", ""), **options)
    raise TypeError(f"no warehouse writer for a {type(connection).__name__} connection")
