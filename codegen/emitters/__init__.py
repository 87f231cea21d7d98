"""The one registry of emitters. ``generate`` looks emitters up here by name."""

from __future__ import annotations

from typing import Any

from codegen.emitters.base import Emitter, OutputFile

__all__ = ["Emitter", "OutputFile", "registry"]


def registry() -> dict[str, Emitter[Any]]:
    # Imported here so that `contract-codegen lint` never pays for templates and formatters.
    from codegen.emitters.dbt import DbtEmitter
    from codegen.emitters.docs_asyncapi import AsyncApiEmitter
    from codegen.emitters.docs_html import DocsHtmlEmitter
    from codegen.emitters.docs_jsonschema import JsonSchemaExportEmitter
    from codegen.emitters.docs_markdown import DocsMarkdownEmitter
    from codegen.emitters.ir_json import IrJsonEmitter
    from codegen.emitters.migrations import MigrationsEmitter
    from codegen.emitters.package import PackageEmitter
    from codegen.emitters.python_models import PythonModelsEmitter
    from codegen.emitters.python_ports import PythonPortsEmitter
    from codegen.emitters.python_warehouse import PythonWarehouseEmitter
    from codegen.emitters.sql_ddl import SqlDdlEmitter

    emitters: list[Emitter[Any]] = [
        IrJsonEmitter(),
        PythonModelsEmitter(),
        PythonPortsEmitter(),
        PythonWarehouseEmitter(),
        PackageEmitter(),
        DocsHtmlEmitter(),
        DocsMarkdownEmitter(),
        AsyncApiEmitter(),
        JsonSchemaExportEmitter(),
        SqlDdlEmitter(),
        DbtEmitter(),
        MigrationsEmitter(),
    ]
    return {e.name: e for e in emitters}
