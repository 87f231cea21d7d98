"""The ``dbt`` emitter: a dbt project over the landed tables of every table port.

For each table port: a source (the table the writer lands) and a staging model with an enforced
contract (``contract: {enforced: true}``), column ``data_type``s in the target adapter's types, constraints
(not_null, primary_key) and tests (not_null, unique for a one-column key, accepted_values for enums).
Descriptions become docs; owner, service levels and PII flags go to ``meta``. YAML is written with every
string JSON-quoted (valid YAML) and wrapped in ``{% raw %}`` when it holds Jinja syntax, since dbt renders
descriptions as Jinja.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import msgspec

from codegen import ir
from codegen.emitters.base import Emitter, OutputFile
from codegen.emitters.sql_model import Column, Table, tables
from codegen.emitters.sql_types import TypeMapper, ident

ADAPTERS = ("duckdb", "postgres", "bigquery", "snowflake", "databricks", "redshift", "clickhouse")


class DbtOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    adapter: str = "duckdb"  # the dbt adapter whose column types data_type uses
    project: str = "contracts"
    materialized: str = "table"

    def __post_init__(self) -> None:
        if self.adapter not in ADAPTERS:
            raise ValueError(f"unknown adapter {self.adapter!r}; known: {', '.join(ADAPTERS)}")
        if not self.project.isidentifier():
            raise ValueError(f"project {self.project!r} must be an identifier")


class DbtEmitter(Emitter[DbtOptions]):
    name = "dbt"
    description = "a dbt project: sources for landed tables, staging models with enforced contracts and tests"
    options_type = DbtOptions

    def generate(self, contracts: Sequence[ir.Contract], options: DbtOptions) -> list[OutputFile]:
        found = tables(tuple(contracts))
        files = [OutputFile("dbt/dbt_project.yml", _yaml(_project(options), "the contracts").encode())]
        for t in found:
            base = f"dbt/models/staging/{t.contract.name}"
            model = model_name(t)
            files.append(
                OutputFile(
                    f"{base}/_{model}__sources.yml", _yaml(_sources(t, options), t.contract.source.path).encode()
                )
            )
            files.append(
                OutputFile(f"{base}/_{model}__models.yml", _yaml(_models(t, options), t.contract.source.path).encode())
            )
            files.append(OutputFile(f"{base}/{model}.sql", _model_sql(t, options).encode()))
        return files


def model_name(t: Table) -> str:
    return f"stg_{t.contract.name.replace('-', '_')}__{t.name}"


def source_name(t: Table) -> str:
    return t.schema or "main"


def _project(options: DbtOptions) -> dict[str, Any]:
    return {
        "name": options.project,
        "version": "1.0.0",
        "config-version": 2,
        "profile": options.project,
        "model-paths": ["models"],
        "models": {options.project: {"+materialized": options.materialized}},
    }


def _text(text: str) -> str:
    text = text.strip()
    return f"{{% raw %}}{text}{{% endraw %}}" if any(m in text for m in ("{{", "{%", "{#")) else text


def _meta(t: Table) -> dict[str, Any]:
    c = t.contract
    meta: dict[str, Any] = {"contract": c.name, "contract_version": c.version, "port": t.port.name}
    if c.owner:
        meta["owner"] = c.owner.team
        if c.owner.contact:
            meta["owner_contact"] = c.owner.contact
    slo = {k: v for k, v in msgspec.structs.asdict(_Slo(**_slo(c.slo))).items() if v is not None}
    if slo:
        meta["slo"] = slo
    return meta


class _Slo(msgspec.Struct):
    freshness: str | None = None
    availability: float | None = None
    completeness: float | None = None


def _slo(slo: ir.ServiceLevels) -> dict[str, Any]:
    return {"freshness": slo.freshness, "availability": slo.availability, "completeness": slo.completeness}


def _column_meta(c: Column) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if c.field.pii:
        meta["pii"] = True
    if c.field.classification:
        meta["classification"] = c.field.classification
    if c.field.name != c.name:
        meta["field"] = c.field.name
    return meta


def _tests(t: Table, c: Column, adapter: str) -> list[Any]:
    tests: list[Any] = []
    if c.not_null:
        tests.append("not_null")
    if t.key == (c.name,):
        tests.append("unique")
    if c.enum_values is not None:
        # dbt's accepted_values pastes each value between quotes unescaped: escape for the adapter
        quote = "\\'" if adapter in ("bigquery", "databricks") else "''"
        values = [v.replace("'", quote) if isinstance(v, str) else v for v in c.enum_values]
        tests.append({"accepted_values": {"arguments": {"values": values}}})
    return tests


def _sources(t: Table, options: DbtOptions) -> dict[str, Any]:
    columns = []
    for c in t.columns:
        col: dict[str, Any] = {"name": c.name, "description": _text(c.field.description)}
        meta = _column_meta(c)
        if meta:
            col["meta"] = meta
        columns.append(col)
    table: dict[str, Any] = {
        "name": t.name,
        "description": _text(t.description()),
        "meta": _meta(t),
        "columns": columns,
    }
    return {"version": 2, "sources": [{"name": source_name(t), "schema": source_name(t), "tables": [table]}]}


def _models(t: Table, options: DbtOptions) -> dict[str, Any]:
    mapper = TypeMapper(t.contract, options.adapter)
    columns = []
    for c in t.columns:
        col: dict[str, Any] = {
            "name": c.name,
            "description": _text(c.field.description),
            "data_type": mapper.column_type(c.field.type, nullable=not c.not_null),
        }
        constraints = [{"type": "not_null"}] if c.not_null else []
        if t.key == (c.name,):
            constraints.append({"type": "primary_key"})
        if constraints:
            col["constraints"] = constraints
        tests = _tests(t, c, options.adapter)
        if tests:
            col["data_tests"] = tests
        meta = _column_meta(c)
        if meta:
            col["meta"] = meta
        columns.append(col)
    model: dict[str, Any] = {
        "name": model_name(t),
        "description": _text(t.description()),
        "config": {"contract": {"enforced": True}, "meta": _meta(t)},
        "columns": columns,
    }
    if len(t.key) > 1:
        keys = ", ".join(t.key)
        model["constraints"] = [{"type": "primary_key", "columns": list(t.key)}]
        model["description"] += f" (key: {keys})"
    return {"version": 2, "models": [model]}


def _model_sql(t: Table, options: DbtOptions) -> str:
    mapper = TypeMapper(t.contract, options.adapter)
    lines = [
        f"-- @generated by contract-codegen from {' '.join(t.contract.source.path.split())}. DO NOT EDIT.",
        f"-- Staging model of {t.contract.name} {t.contract.version}, port {' '.join(t.port.name.split())}.",
        "select",
    ]
    names = [ident(c.name, options.adapter) for c in t.columns]
    cols = [
        f"    cast({n} as {mapper.column_type(c.field.type, nullable=not c.not_null)}) as {n}"
        for n, c in zip(names, t.columns, strict=True)
    ]
    lines.append(",\n".join(cols))
    lines.append(f"from {{{{ source({json.dumps(source_name(t))}, {json.dumps(t.name)}) }}}}")
    return "\n".join(lines) + "\n"


def _yaml(value: Any, source: str) -> str:
    """Block-style YAML; every string is a JSON string (a valid YAML double-quoted scalar)."""
    header = f"# @generated by contract-codegen from {' '.join(source.split())}. DO NOT EDIT."
    return "\n".join([header, *_yaml_lines(value, 0)]) + "\n"


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, ensure_ascii=False)


def _key(k: str) -> str:
    return k if _PLAIN_KEY.match(k) else _scalar(k)


_PLAIN_KEY = re.compile(r"^[A-Za-z_+][A-Za-z0-9_.-]*$")


def _yaml_lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{_key(k)}:")
                lines += _yaml_lines(v, indent + 1)
            else:
                lines.append(f"{pad}{_key(k)}: {_scalar(v)}")
        return lines
    for item in value:
        if isinstance(item, (dict, list)) and item:
            sub = _yaml_lines(item, indent + 1)
            lines.append(f"{pad}- {sub[0].lstrip()}")
            lines += sub[1:]
        else:
            lines.append(f"{pad}- {_scalar(item)}")
    return lines
