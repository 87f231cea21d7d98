"""The ``migrations`` emitter: SQL that takes each table from a previous contract version to the current one.

Additive changes (a new nullable column, a dropped NOT NULL, a longer string) become ALTER statements per
dialect. Anything else (a removed or retyped column, a new NOT NULL column, a changed key) is breaking:
the migration creates a new versioned table instead and never alters or drops the old one.
Output: ``migrations/<dialect>/<contract>/<old>__<new>.sql``. The previous versions come from the
``previous`` option (contract files or folders, compiled with the same frontends).

ClickHouse: ``ADD COLUMN`` (Nullable, with its comment and CHECK constraints), ``MODIFY COLUMN`` for a dropped
NOT NULL or a wider type, and a column's CHECK constraints replaced (DROP + ADD CONSTRAINT, metadata only)
when they change, e.g. a longer string or a new enum value. ClickHouse cannot change the type of a sorting or
partition key column, so relaxing or widening a cluster or partition field there is breaking: a new table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
from msgspec.structs import replace

from codegen import ir
from codegen.diagnostics import ContractError, Diagnostic, Diagnostics, Location
from codegen.emitters.base import Emitter, OutputFile
from codegen.emitters.sql_ddl import clickhouse_checks, column_comment, table_statements
from codegen.emitters.sql_model import Column, Table, build_table
from codegen.emitters.sql_types import DIALECTS, TypeMapper, ident, string_literal


class MigrationOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    previous: tuple[str, ...] = ()  # files or folders holding the previous contract versions
    dialects: tuple[str, ...] = DIALECTS


class Plan(msgspec.Struct, frozen=True):
    breaking: tuple[str, ...]  # why a new table is needed; empty when the change is additive
    added: tuple[Column, ...]
    relaxed: tuple[Column, ...]  # NOT NULL dropped
    widened: tuple[Column, ...]  # same kind, wider type (a longer string, larger precision)


def diff(old: Table, new: Table, shown: str = "postgres") -> Plan:
    """Compare two versions of one table port's columns; a changed type is named in dialect ``shown``."""
    breaking: list[str] = []
    added: list[Column] = []
    relaxed: list[Column] = []
    widened: list[Column] = []
    olds = {c.name: c for c in old.columns}
    news = {c.name: c for c in new.columns}
    breaking += [f"column {n} removed" for n in olds if n not in news]
    if old.key != new.key:
        breaking.append(f"key changed from {old.key} to {new.key}")
    for name, col in news.items():
        before = olds.get(name)
        if before is None:
            (breaking.append(f"new column {name} is NOT NULL") if col.not_null else added.append(col))
            continue
        for dialect in ("duckdb", "postgres"):
            a = TypeMapper(old.contract, dialect).column_type(before.field.type)
            b = TypeMapper(new.contract, dialect).column_type(col.field.type)
            if a != b:
                if _widens(a, b):
                    widened.append(col)
                else:
                    a, b = (
                        TypeMapper(t.contract, shown).column_type(c.field.type) for t, c in ((old, before), (new, col))
                    )
                    breaking.append(f"column {name} changes type {a} -> {b}")
                break
        if col.not_null and not before.not_null:
            breaking.append(f"column {name} becomes NOT NULL")
        elif before.not_null and not col.not_null:
            relaxed.append(col)
        if (col.enum_values or ()) != (before.enum_values or ()) and not set(before.enum_values or ()) <= set(
            col.enum_values or ()
        ):
            breaking.append(f"column {name} loses enum values")
    return Plan(tuple(breaking), tuple(added), tuple(relaxed), tuple(dict.fromkeys(widened)))


def _widens(a: str, b: str) -> bool:
    """VARCHAR(10) -> VARCHAR(20) / TEXT, NUMERIC(10, 2) -> NUMERIC(12, 2): values still fit."""
    import re

    ma, mb = re.match(r"^(\w+)(?:\((\d+)(?:, (\d+))?\))?$", a), re.match(r"^(\w+)(?:\((\d+)(?:, (\d+))?\))?$", b)
    if not ma or not mb:
        return False
    if ma.group(1) == "VARCHAR" and mb.group(1) == "TEXT":
        return True
    if ma.group(1) != mb.group(1) or ma.group(2) is None or mb.group(2) is None:
        return False
    scale_a, scale_b = int(ma.group(3) or 0), int(mb.group(3) or 0)
    return int(mb.group(2)) - scale_b >= int(ma.group(2)) - scale_a and scale_b == scale_a


def migration_statements(old: Table, new: Table, dialect: str) -> list[str]:
    plan = diff(old, new, dialect)
    breaking = plan.breaking + (_clickhouse_breaking(old, new, plan) if dialect == "clickhouse" else ())
    if breaking or new.contract.major != old.contract.major:
        target = new if new.name != old.name else replace(new, name=f"{new.name}_v{new.contract.major}_{_minor(new)}")
        notes = [f"-- breaking: {' '.join(b.split())}" for b in breaking]
        return [*notes, *table_statements(target, dialect)] if notes else table_statements(target, dialect)
    name = ".".join(ident(p, dialect) for p in new.qualified.split("."))
    mapper = TypeMapper(new.contract, dialect)
    if dialect == "clickhouse":
        return _clickhouse_statements(old, new, plan, name)
    out: list[str] = []
    for c in plan.added:
        out.append(f"ALTER TABLE {name} ADD COLUMN {ident(c.name, dialect)} {mapper.column_type(c.field.type)}")
        comment = column_comment(c, dialect)
        if comment and dialect in ("duckdb", "postgres", "redshift"):
            out.append(f"COMMENT ON COLUMN {name}.{ident(c.name, dialect)} IS {string_literal(comment, dialect)}")
    for c in plan.relaxed:
        if dialect not in ("bigquery",):
            out.append(f"ALTER TABLE {name} ALTER COLUMN {ident(c.name, dialect)} DROP NOT NULL")
    for c in plan.widened:
        t = mapper.column_type(c.field.type)
        verb = {"postgres": "TYPE", "redshift": "TYPE", "snowflake": "SET DATA TYPE", "bigquery": "SET DATA TYPE"}
        out.append(f"ALTER TABLE {name} ALTER COLUMN {ident(c.name, dialect)} {verb.get(dialect, 'TYPE')} {t}")
    return out


def _clickhouse_keyed(t: Table) -> set[str]:
    return {*t.key, *t.cluster_by, *t.partition_by}


def _clickhouse_type(t: Table, c: Column) -> str:
    return TypeMapper(t.contract, "clickhouse").column_type(c.field.type, nullable=not c.not_null)


def _clickhouse_breaking(old: Table, new: Table, plan: Plan) -> tuple[str, ...]:
    olds = {c.name: c for c in old.columns}
    keyed = _clickhouse_keyed(old) | _clickhouse_keyed(new)
    return tuple(
        f"column {c.name} is in the ClickHouse sorting or partition key and cannot change type"
        for c in dict.fromkeys((*plan.relaxed, *plan.widened))
        if c.name in keyed and _clickhouse_type(old, olds[c.name]) != _clickhouse_type(new, c)
    )


def _clickhouse_statements(old: Table, new: Table, plan: Plan, name: str) -> list[str]:
    dialect = "clickhouse"
    mapper = TypeMapper(new.contract, dialect)
    out: list[str] = []
    for c in plan.added:
        line = f"ALTER TABLE {name} ADD COLUMN {ident(c.name, dialect)} {_clickhouse_type(new, c)}"
        comment = column_comment(c, dialect)
        out.append(line + (f" COMMENT {string_literal(comment, dialect)}" if comment else ""))
    olds = {c.name: c for c in old.columns}
    for c in dict.fromkeys((*plan.relaxed, *plan.widened)):
        t = _clickhouse_type(new, c)
        if t != _clickhouse_type(old, olds[c.name]):  # Array, Map and Tuple columns are never Nullable
            out.append(f"ALTER TABLE {name} MODIFY COLUMN {ident(c.name, dialect)} {t}")
    old_mapper = TypeMapper(old.contract, dialect)
    for c in new.columns:
        before = clickhouse_checks(olds[c.name], old_mapper) if c.name in olds else []
        after = clickhouse_checks(c, mapper)
        if before != after:
            out += [f"ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {n}" for n, _ in before]
            out += [f"ALTER TABLE {name} ADD CONSTRAINT {n} CHECK ({cond})" for n, cond in after]
    return out


def _minor(t: Table) -> str:
    return t.contract.version.split(".")[1]


class MigrationsEmitter(Emitter[MigrationOptions]):
    name = "migrations"
    description = "ALTER statements (additive changes) or a new versioned table (breaking) per dialect"
    options_type = MigrationOptions

    def generate(self, contracts: Sequence[ir.Contract], options: MigrationOptions) -> list[OutputFile]:
        if not options.previous:  # else it would write nothing, and say nothing
            message = "migrations: set `previous` to the files or folders holding the previous contract versions"
            raise ContractError([Diagnostic(Location("configuration"), "E050", message)])
        previous = _load_previous(options.previous)
        return generate_migrations(previous, contracts, options.dialects)


def _load_previous(paths: Sequence[str]) -> list[ir.Contract]:
    """The previous versions; their own errors stop the run (a migration from a broken version is no plan)."""
    from codegen import frontends
    from codegen.pipeline import default_proto_paths, expand_inputs

    diags = Diagnostics()
    inputs = [Path(p) for p in paths]
    files = expand_inputs(inputs, diags)
    contracts = frontends.load(files, default_proto_paths(inputs), diags)
    if diags.has_errors:
        raise ContractError([d for d in diags.items if d.is_error])
    return contracts


def generate_migrations(
    previous: Sequence[ir.Contract], contracts: Sequence[ir.Contract], dialects: Sequence[str]
) -> list[OutputFile]:
    files: list[OutputFile] = []
    for new in contracts:
        olds = [c for c in previous if c.name == new.name and c.version != new.version]
        if not olds:
            continue
        old = max(olds, key=lambda c: tuple(int(x) for x in c.version.split("-")[0].split(".")))
        old_ports = {p.name: p for p in old.ports if isinstance(p, ir.TablePort)}
        for port in new.ports:
            if not isinstance(port, ir.TablePort) or port.name not in old_ports:
                continue
            before, after = build_table(old, old_ports[port.name]), build_table(new, port)
            for dialect in dialects:
                stmts = migration_statements(before, after, dialect)
                header = f"-- @generated by contract-codegen: {new.name} {old.version} -> {new.version}. DO NOT EDIT.\n"
                body = "".join(s + "\n" if s.startswith("--") else s + ";\n" for s in stmts)
                path = f"migrations/{dialect}/{new.name}/{old.version}__{new.version}__{port.name}.sql"
                files.append(OutputFile(path, (header + body).encode()))
    return files
