"""Shared inputs of the docs tests: the example contracts compiled, the hand-built IR fixtures, and a
hostile contract whose every text field tries to inject markup."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from codegen import ir
from codegen.config import Config
from codegen.emitters.base import OutputFile
from codegen.emitters.docs_asyncapi import AsyncApiEmitter
from codegen.emitters.docs_html import DocsHtmlEmitter, DocsOptions
from codegen.emitters.docs_jsonschema import JsonSchemaExportEmitter
from codegen.emitters.docs_markdown import DocsMarkdownEmitter
from codegen.emitters.docs_model import History
from codegen.pipeline import compile_inputs
from tests.python.fixtures import ALL, field, loc, record, scalar

ROOT = Path(__file__).resolve().parents[2]
INJECT = '<script>alert("x")</script> <img src=x onerror=alert(1)> ``` | col | [link](javascript:alert(1)) {{ x }} # H'


def example_contracts() -> tuple[ir.Contract, ...]:
    compiled = compile_inputs(Config(inputs=(ROOT / "contracts",), output=ROOT / "unused", proto_paths=(), emit=()))
    assert not compiled.diagnostics.has_errors, [d.format() for d in compiled.diagnostics.errors()]
    return compiled.contracts


def hostile_contract() -> ir.Contract:
    rec = record(
        "Evil",
        field("note", scalar(ir.Scalar.STRING), required=True, description=INJECT, examples=(INJECT,)),
        field("code", scalar(ir.Scalar.STRING, pattern=r"^(a)\1$"), required=True, description="backreference"),
        description=INJECT,
    )
    base = ALL[2]
    return msgspec.structs.replace(
        base,
        name="../evil<script>",
        title=INJECT,
        description=INJECT,
        root="Evil",
        records=(rec,),
        enums=(),
        ports=(ir.StreamPort("evil<port>", INJECT, "Evil", ("note",), loc(1)),),
        owner=ir.Owner(INJECT, "javascript:alert(1)"),
        tags=(INJECT,),
    )


def fixture_contracts() -> tuple[ir.Contract, ...]:
    """The python emitter's IR fixtures, renamed where an example contract has the same name."""
    taken = {c.name for c in example_contracts()}
    return tuple(msgspec.structs.replace(c, name=f"fixture-{c.name}") if c.name in taken else c for c in ALL)


def all_contracts() -> tuple[ir.Contract, ...]:
    return (*example_contracts(), *fixture_contracts())


def generate_docs(contracts: tuple[ir.Contract, ...], history: History | None = None) -> dict[str, bytes]:
    files: list[OutputFile] = []
    files += DocsHtmlEmitter(history).generate(contracts, DocsOptions())
    files += DocsMarkdownEmitter(history).generate(contracts, DocsOptions())
    files += AsyncApiEmitter().generate(contracts, AsyncApiEmitter().parse_options({}))
    files += JsonSchemaExportEmitter().generate(contracts, JsonSchemaExportEmitter().parse_options({}))
    return {f.path: f.content for f in files}


def write_tree(files: dict[str, bytes], root: Path) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


@pytest.fixture(scope="session")
def contracts() -> tuple[ir.Contract, ...]:
    return all_contracts()


@pytest.fixture(scope="session")
def docs(contracts: tuple[ir.Contract, ...]) -> dict[str, bytes]:
    return generate_docs(contracts)
