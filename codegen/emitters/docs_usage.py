"""The "use it" section of each contract's docs: a Python snippet against the generated records.

The snippet builds the page's example payload as records (through the python emitter's own value
renderer, so names and literals are exactly what the generated module has), validates, encodes and
decodes it. Snippets of one run are formatted in one ruff call. The tests execute every snippet
against freshly generated code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codegen import ir
from codegen.emitters.base import OutputFile
from codegen.emitters.docs_example import Example
from codegen.emitters.docs_model import Usage, install_line
from codegen.emitters.python_models import ModuleBuilder, module_names
from codegen.emitters.python_ports import PortsModule
from codegen.emitters.python_types import Unrepresentable
from codegen.emitters.python_warehouse import WarehouseModule
from codegen.formatting import FormattingError, format_python

_STDLIB = re.compile(r"\b(datetime|decimal|uuid)\.")


def usages(contracts: Sequence[ir.Contract], examples: Sequence[Example], package: str) -> list[Usage]:
    names, _ = module_names(contracts)
    raw: list[tuple[str, str, bool]] = []  # (module, source, built from the example)
    for i, (c, example) in enumerate(zip(contracts, examples, strict=True)):
        module = f"{package}.{names[i]}"
        source, tested = snippet(c, example, module, _port_classes(c, names[i]), _table_writer(c, names[i]))
        raw.append((module, source, tested))
    formatted = _format([s for _, s, _ in raw])
    out: list[Usage] = []
    for c, (module, _, tested), text in zip(contracts, raw, formatted, strict=True):
        install, dist = install_line(c)
        # A folder of its own: `generate` writes its output tree whole, so the project's configured one would
        # lose every other emitter's files.
        generate = f"contract-codegen generate {c.source.path} --emit python -o {c.name}-records"
        out.append(Usage(install, dist, generate, module, text, tested))
    return out


def _port_classes(c: ir.Contract, module: str) -> tuple[str, str] | None:
    """The producer and reader the python-ports emitter writes for the root record's first stream port."""
    for pc in PortsModule(c, module, "auto").plan():
        if pc.port.record == c.root:
            return pc.producer, pc.reader
    return None


def _table_writer(c: ir.Contract, module: str) -> tuple[str, str] | None:
    """The writer function and table constant the python-warehouse emitter writes for the root record's
    first table port."""
    found = (tw for tw in WarehouseModule(c, module).plan() if tw.table.port.record == c.root)
    return next(((tw.factory, tw.const) for tw in found), None)


def snippet(
    c: ir.Contract,
    example: Example,
    module: str,
    port_classes: tuple[str, str] | None = None,
    table_writer: tuple[str, str] | None = None,
) -> tuple[str, bool]:
    builder = ModuleBuilder(c)
    root = builder.class_names[c.root]
    construct = None
    if example.valid and not builder.problems:
        try:
            construct = builder.values.expr(ir.RecordType(c.root), example.payload).source
        except Unrepresentable:
            construct = None
    if construct is None:
        return _reader_only(module, root), False
    used = {n for n in builder.class_names.values() if re.search(rf"\b{re.escape(n)}\(|\b{re.escape(n)}\.", construct)}
    stdlib = sorted(set(_STDLIB.findall(construct)))
    lines = [f"import {m}" for m in stdlib] + ["", "import contract_runtime"]
    lines.append(f"from {module} import {', '.join(sorted(used | {root}))}")
    lines += [
        "",
        "# Build a record: keyword arguments, checked by the generated class.",
        f"record = {construct}",
        "# Check every rule of the contract (raises ContractViolation).",
        "contract_runtime.validate(record)",
        "",
        "# Produce: the JSON bytes to publish or store.",
        "message = contract_runtime.encode_json(record)",
        "",
        "# Read: decode and validate in one step.",
        f"received = contract_runtime.decode_json(message, {root})",
        "assert received == record",
    ]
    if port_classes is not None:
        producer, reader = port_classes
        url = "sqlite:///contract-ports.db"
        lines += [
            "",
            "from contract_runtime.ports import StartFrom",
            f"from {module}_ports import {producer}, {reader}",
            "",
            "# Publish on the stream port: validated before anything is sent (embedded SQLite store here;",
            "# nats://... or kafka://... in production, or $CONTRACT_PORTS_URL).",
            f'with {producer}(url="{url}") as producer:',
            "    producer.publish(record)",
            "",
            "# Consume: typed records, each acknowledged explicitly (at-least-once delivery).",
            f'with {reader}("docs-example", url="{url}", start=StartFrom.BEGINNING) as reader:',
            "    delivery = reader.next(timeout=5)",
            "    assert delivery is not None and delivery.record == record",
            "    delivery.ack()",
        ]
    if table_writer is not None:
        factory, table = table_writer
        lines += [
            "",
            "import duckdb",
            f"from {module}_warehouse import {table}, {factory}",
            "",
            "# Write to the table port: idempotent on the key, the table created from the generated DDL",
            "# (DuckDB embedded here; a psycopg connection or a pyiceberg catalog work the same way).",
            "with duckdb.connect() as connection:",
            f"    writer = {factory}(connection)",
            "    writer.write([record])",
            "    writer.write([record])  # a replay adds no row",
            f'    assert connection.execute(f"SELECT count(*) FROM {{{table}.table}}").fetchone() == (1,)',
        ]
    return "\n".join(lines).lstrip("\n") + "\n", True


def _reader_only(module: str, root: str) -> str:
    return "\n".join(
        [
            "import contract_runtime",
            f"from {module} import {root}",
            "",
            "",
            f"def read(message: bytes) -> {root}:",
            '    """Decode and validate one message; a broken one raises ContractViolation."""',
            f"    return contract_runtime.decode_json(message, {root})",
            "",
            "",
            f"def produce(record: {root}) -> bytes:",
            "    return contract_runtime.encode_json(contract_runtime.validate(record))",
            "",
        ]
    )


def _format(sources: list[str]) -> list[str]:
    files = [OutputFile(f"snippet_{i}.py", s.encode()) for i, s in enumerate(sources)]
    try:
        formatted = format_python(files)
    except FormattingError:
        return sources  # shown as built: still valid Python, only less tidy
    return [f.content.decode() for f in formatted]
