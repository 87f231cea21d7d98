"""Typed warehouse writers for contract records (extras: ``duckdb``, ``postgres``, ``iceberg``).

Generated code describes each table port as a ``WarehouseTable`` and builds its writer with
``table_writer``; the backends are imported lazily so that installing the runtime never pulls a database
driver that is not used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

import msgspec

from contract_runtime.warehouse._base import (
    BaseWriter,
    Rejected,
    WriteInterrupted,
    WriteResult,
    column_name,
)

__all__ = [
    "BaseWriter",
    "Rejected",
    "WarehouseTable",
    "WriteInterrupted",
    "WriteResult",
    "column_name",
    "table_writer",
    "writer_for",
]

R = TypeVar("R", bound=msgspec.Struct)


class WarehouseTable(NamedTuple):
    """A table port as generated code describes it: where its records land, and the DDL that creates it."""

    port: str
    contract: str
    version: str
    record: str  # the record's name in the contract
    table: str  # schema.table, with the major-version suffix past 1.x
    columns: Mapping[str, str]  # column -> wire field
    key_fields: tuple[str, ...]  # wire names
    key_columns: tuple[str, ...]
    partition_by: tuple[str, ...]  # columns
    cluster_by: tuple[str, ...]  # columns
    ddl: Mapping[str, str]  # dialect -> the statements that create the table


def table_writer(connection: Any, record_type: type[R], table: WarehouseTable, **options: Any) -> BaseWriter[R]:
    """The writer of one table port: its columns, key and DDL, and for an Iceberg catalog its partitioning
    (``options`` may override them, and take ``batch_size``, ``validate``; Iceberg also ``properties``)."""
    options.setdefault("columns", table.columns)
    if type(connection).__module__.startswith("pyiceberg"):
        options.setdefault("partition_by", table.partition_by)
    writer: BaseWriter[R] = writer_for(connection, record_type, table.table, table.key_fields, table.ddl, **options)
    return writer


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
