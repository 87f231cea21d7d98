"""The python-warehouse emitter: a typed warehouse writer per table port.

Output: ``python/<package>/<module>_warehouse.py`` next to the records module the ``python`` emitter
writes, for every contract with a table port. Record class names come from the records' own naming code
(``ModuleBuilder``). Per table port:

- ``<PORT>``: a ``WarehouseTable`` constant: the table (schema-qualified, with the major-version suffix,
  as ``sql_model.build_table`` names it), its columns (column -> wire field), key fields, key, partition
  and cluster columns, and the DDL per dialect that has a writer (``duckdb``, ``postgres``): the very
  statements the ``sql`` emitter writes for that table. The Iceberg writer derives its schema from the
  record type instead and takes the partition columns from the constant.
- ``<port>_writer(connection, **options) -> warehouse.BaseWriter[<Record>]``: the runtime's writer for a
  DuckDB or psycopg connection or a pyiceberg catalog; it creates the table when it is missing and upserts
  records on the key. Typed, so writing any other record type is a type error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from codegen import ir
from codegen.diagnostics import ContractError
from codegen.emitters.base import Emitter, OutputFile
from codegen.emitters.python_models import ModuleBuilder, docstring, header, module_names, package_folder
from codegen.emitters.python_ports import PortsModule
from codegen.emitters.sql_ddl import table_statements
from codegen.emitters.sql_model import Table, build_table
from codegen.naming import Namer, constant_name, snake_identifier

# The SQL dialects a runtime writer runs DDL for (contract_runtime.warehouse.writer_for).
WRITER_DIALECTS = ("duckdb", "postgres")
# Names the module binds besides its tables and writers.
_MODULE_NAMES = frozenset({"annotations", "typing", "warehouse", "CONTRACT_NAME", "CONTRACT_VERSION"})
# One string piece per line of DDL; blank lines stay with the line before them.
_LINES = re.compile(r"[^\n]*\n+|[^\n]+")


class WarehouseOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    package: str = "datacontracts"  # must match the python emitter's package


class PythonWarehouseEmitter(Emitter[WarehouseOptions]):
    name = "python-warehouse"
    description = "typed warehouse writers per table port (DuckDB, PostgreSQL, Iceberg; table created from the DDL)"
    options_type = WarehouseOptions

    def generate(self, contracts: Sequence[ir.Contract], options: WarehouseOptions) -> list[OutputFile]:
        base = package_folder("python-warehouse", options.package)
        names, problems = module_names(contracts)
        files: list[OutputFile] = []
        for i, contract in enumerate(contracts):
            if not any(isinstance(p, ir.TablePort) for p in contract.ports):
                continue
            text = WarehouseModule(contract, names[i]).build()
            files.append(OutputFile(f"{base}/{names[i]}_warehouse.py", text.encode()))
        if problems:
            raise ContractError(problems)
        return files


class TableWriter(msgspec.Struct, frozen=True):
    table: Table
    record: str  # the record's class name
    const: str  # the WarehouseTable constant
    factory: str  # the writer function


class WarehouseModule:
    def __init__(self, contract: ir.Contract, module: str) -> None:
        self.c = contract
        self.module = module
        self.records = ModuleBuilder(contract)  # the records module's own names

    def plan(self) -> list[TableWriter]:
        """Per table port, the names of its constant and writer function. Names the records and ports
        modules export are never taken: a package imports all three with ``*``."""
        taken = set(self.records.class_names.values()) | _MODULE_NAMES
        if any(isinstance(p, ir.StreamPort) for p in self.c.ports):
            for pc in PortsModule(self.c, self.module, "auto").plan():
                taken |= {pc.const, pc.producer, pc.async_producer, pc.reader, pc.async_reader}
        namer = Namer(taken)
        out = []
        for p in self.c.ports:
            if isinstance(p, ir.TablePort):
                const = namer.take(constant_name(p.name, "TABLE"))
                factory = namer.take(snake_identifier(p.name, "table", "table").lower() + "_writer")
                out.append(TableWriter(build_table(self.c, p), self.records.class_names[p.record], const, factory))
        return out

    def build(self) -> str:
        plan = self.plan()
        exports = [n for tw in plan for n in (tw.const, tw.factory)]
        imported = sorted({tw.record for tw in plan})
        doc = (
            f"Warehouse writers of the {self.c.name} data contract's table ports, version {self.c.version}.\n\n"
            "Each writer function takes a DuckDB connection (runtime extra `duckdb`), a psycopg 3 connection\n"
            "(`postgres`) or a pyiceberg catalog (`iceberg`), creates its table from the DDL below when it is\n"
            "missing, and upserts records on the port's key fields: replaying a batch adds no duplicates."
        )
        parts = [
            header(self.c.source.path) + docstring(doc),
            "from __future__ import annotations\n",
            "import typing\n",
            "from contract_runtime import warehouse\n",
            f"from .{self.module} import CONTRACT_NAME, CONTRACT_VERSION, {', '.join(imported)}\n",
            "__all__ = [" + ", ".join(repr(n) for n in sorted(exports)) + "]\n",
        ]
        body: list[str] = []
        for tw in plan:
            body.append(self.constant(tw))
            body.append(self.factory(tw))
        return "\n".join(parts) + "\n" + "\n\n".join(body)

    def constant(self, tw: TableWriter) -> str:
        t = tw.table
        attrs = self.records.field_names[t.record.id]
        # A union's tag field is no attribute of its record class: the writer cannot fill its column.
        columns = {c.name: c.field.name for c in t.columns if c.field.name in attrs}
        key_fields = tuple(k for k in t.port.key_fields if k in attrs)
        lines = [
            f"{tw.const}: typing.Final = warehouse.WarehouseTable(\n",
            f"    port={t.port.name!r},\n",
            "    contract=CONTRACT_NAME,\n    version=CONTRACT_VERSION,\n",
            f"    record={t.record.name!r},\n",
            f"    table={t.qualified!r},\n",
            "    columns={" + "".join(f"{k!r}: {v!r}, " for k, v in columns.items()) + "},\n",
            f"    key_fields={key_fields!r},\n",
            f"    key_columns={t.key!r},\n",
            f"    partition_by={t.partition_by!r},\n",
            f"    cluster_by={t.cluster_by!r},\n",
            "    ddl={\n",
        ]
        for dialect in WRITER_DIALECTS:
            text = ";\n\n".join(table_statements(t, dialect)) + ";\n"
            pieces = "".join(f"        {piece!r}\n" for piece in _LINES.findall(text))
            lines.append(f"        {dialect!r}: (\n{pieces}        ),\n")
        lines.append("    },\n)\n")
        return "".join(lines)

    @staticmethod
    def factory(tw: TableWriter) -> str:
        t = tw.table
        if t.key:
            how = f"upserts on {', '.join(t.key)}: replaying a batch adds no duplicates, the last record per key wins"
        else:
            how = "appends (the port has no key fields, so a replayed batch is written again)"
        doc = (
            f"A writer of {tw.record} records into {t.qualified} (port {t.port.name!r}).\n\n"
            f"Creates the table from {tw.const}.ddl when it is missing (Iceberg: from the record type) and\n"
            f"{how}.\n"
            "``options`` go to the runtime writer: ``batch_size``, ``validate``; Iceberg also ``properties``."
        )
        return (
            f"def {tw.factory}(connection: typing.Any, **options: typing.Any)"
            f" -> warehouse.BaseWriter[{tw.record}]:\n"
            + docstring(doc, "    ")
            + f"    return warehouse.table_writer(connection, {tw.record}, {tw.const}, **options)\n"
        )
