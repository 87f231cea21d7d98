"""The dialect-neutral table model of a table port, shared by the DDL, dbt and migration emitters.

One ``Table`` per ``ir.TablePort``: its columns are the fields of the port's record, named in lowercase
snake_case (``sql_types.column_name``), with the facts every warehouse artifact needs.
"""

from __future__ import annotations

import msgspec

from codegen import ir
from codegen.emitters.sql_types import column_name
from codegen.metadata import versioned_table_name


class Column(msgspec.Struct, frozen=True):
    name: str  # the SQL column name
    field: ir.Field  # the contract field it holds (field.name is the wire name)
    not_null: bool
    enum_values: tuple[str | int, ...] | None  # the enum's domain when the column holds an enum

    @property
    def scalar(self) -> ir.ScalarType | None:
        t = _strip(self.field.type)
        return t if isinstance(t, ir.ScalarType) else None

    @property
    def type(self) -> ir.Type:
        return _strip(self.field.type)


class Table(msgspec.Struct, frozen=True):
    contract: ir.Contract
    port: ir.TablePort
    record: ir.Record
    schema: str | None
    name: str  # unqualified, with the major-version suffix when the contract is past 1.x
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # column names
    partition_by: tuple[str, ...]
    cluster_by: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def description(self) -> str:
        return self.record.description or self.contract.description


def _strip(t: ir.Type) -> ir.Type:
    return t.inner if isinstance(t, ir.NullableType) else t


def build_table(contract: ir.Contract, port: ir.TablePort) -> Table:
    record = contract.record(port.record)
    names: dict[str, str] = {}  # wire name -> column name
    taken: set[str] = set()
    for f in record.fields:
        base = column_name(f.name)
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names[f.name] = name
    keys = set(port.key_fields)
    columns = tuple(
        Column(
            name=names[f.name],
            field=f,
            not_null=f.name in keys or (f.required and not isinstance(f.type, ir.NullableType)),
            enum_values=_enum_domain(contract, f.type),
        )
        for f in record.fields
    )
    schema, _, table = port.table.rpartition(".")
    return Table(
        contract=contract,
        port=port,
        record=record,
        schema=schema or None,
        name=versioned_table_name(table, contract.major),
        columns=columns,
        key=tuple(names[k] for k in port.key_fields if k in names),
        partition_by=tuple(names[k] for k in port.partition_by if k in names),
        cluster_by=tuple(names[k] for k in port.cluster_by if k in names),
    )


def _enum_domain(contract: ir.Contract, t: ir.Type) -> tuple[str | int, ...] | None:
    t = _strip(t)
    if isinstance(t, ir.EnumType):
        return tuple(v.value for v in contract.enum(t.ref).values)
    return None


def tables(contracts: list[ir.Contract] | tuple[ir.Contract, ...]) -> list[Table]:
    return [build_table(c, p) for c in contracts for p in c.ports if isinstance(p, ir.TablePort)]


def file_stem(contract: ir.Contract) -> str:
    return contract.name if contract.major <= 1 else f"{contract.name}_v{contract.major}"
