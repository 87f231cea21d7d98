"""The JSON Schema frontend: files -> meta-schema validation + `$ref` resolution -> IR contracts.

Supported drafts: 2020-12 (the default), 2019-09 and draft-07 (draft-06 reads as draft-07). A file
with the root keyword ``x-contract`` is a contract; a file without it that another input references
is a library compiled into the contracts that use it, and so is a file with no root schema (only
``$defs``); any other file is a plain contract with default metadata (W001).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from codegen import ir, metadata
from codegen.diagnostics import Diagnostics, Location, NotCompared
from codegen.frontends.jsonschema_files import Refs, SchemaFile, Target, read_files
from codegen.frontends.jsonschema_keywords import check_keywords
from codegen.frontends.jsonschema_lower import ContractLowering, Hint, root_name
from codegen.frontends.jsonschema_view import Node

# A root holding any of these describes a value: the file is a record, not only a bag of definitions.
ROOT_SCHEMA_KEYWORDS = (
    "type", "properties", "$ref", "allOf", "oneOf", "anyOf", "additionalProperties", "enum", "const", "items",
)  # fmt: skip


def load_jsonschema(
    files: Sequence[Path], diags: Diagnostics, schemas: bool = False, roots: Sequence[Path] = ()
) -> list[ir.Contract]:
    """One contract per contract file. With ``schemas`` (to compare versions, as `breaking` does), a file
    without contract metadata is compiled as a schema instead, named by its path under the first of
    ``roots`` (the input folders) that holds it: see ``_schema``."""
    schema_files = read_files(files, diags)
    resolved_roots = [r.resolve() for r in roots]
    # Plain schemas compiled to be compared report what the IR cannot hold as W020, not as errors.
    plain = {f.uri for f in schema_files if schemas and not (isinstance(f.doc, dict) and "x-contract" in f.doc)}
    lenient = NotCompared(diags.items)
    for f in schema_files:
        check_keywords(f, lenient if f.uri in plain else diags)
    refs = Refs(schema_files)
    referenced = _referenced(schema_files, refs)
    contracts: list[ir.Contract] = []
    for f in schema_files:
        if not f.valid:
            continue  # its meta-schema errors say what to fix; lowering it would only echo them
        try:
            if f.uri in plain and f.uri not in referenced:
                contracts.append(_schema(f, refs, lenient, resolved_roots))
            elif is_contract(f, referenced):
                contract = _contract(f, refs, diags)
                if contract is not None:
                    contracts.append(contract)
            else:
                _check_library(f, refs, lenient if f.uri in plain else diags)
        except RecursionError:
            diags.report(Location(f.display, 1, 1), "E014", "schema nests too deeply to compile")
    return contracts


def is_contract(f: SchemaFile, referenced: set[str]) -> bool:
    doc = f.doc
    if not isinstance(doc, dict):
        return False
    if "x-contract" in doc:
        return True
    return f.uri not in referenced and any(k in doc for k in ROOT_SCHEMA_KEYWORDS)


def _referenced(files: Sequence[SchemaFile], refs: Refs) -> set[str]:
    """URIs of files that another input's `$ref`s point into."""
    out: set[str] = set()
    for f in files:
        for document in {urldefrag(ref).url for _, ref in f.refs} - {""}:
            target = refs.resolve(f, document)
            if isinstance(target, Target) and target.file is not f:
                out.add(target.file.uri)
    return out


def _check_library(f: SchemaFile, refs: Refs, diags: Diagnostics) -> None:
    """A library is compiled into its users; lowering it alone still reports its own errors."""
    lowering = ContractLowering(f, refs, diags)
    if isinstance(f.doc, dict) and any(k in f.doc for k in ROOT_SCHEMA_KEYWORDS):
        name = root_name(f, f.stem)
        lowering.lower(Node(f.doc, f, ""), Hint(name, name))
    lowering.lower_defs(f)


def _contract(f: SchemaFile, refs: Refs, diags: Diagnostics) -> ir.Contract | None:
    doc: dict[str, Any] = f.doc
    where = f.loc("/x-contract") if "x-contract" in doc else Location(f.display, 1, 1)
    title = doc["title"] if isinstance(doc.get("title"), str) else ""
    meta = metadata.parse_contract_meta(doc.get("x-contract"), where, diags, metadata.default_name(title or f.stem))
    lowering = ContractLowering(f, refs, diags)
    root = _root(f, meta, lowering, where, diags)
    lowering.lower_defs(f)
    if root is None:
        return None
    records = lowering.result_records()
    used = [g.display for g in lowering.files.values() if g is not f]
    return metadata.make_contract(
        meta,
        root=root,
        records=records,
        enums=tuple(lowering.enums.values()),
        source=ir.Source(ir.SchemaLanguage.JSON_SCHEMA, f.display, f.draft.name, (f.display, *sorted(used))),
        location=where,
        diags=diags,
        title=title,
    )


def _schema(f: SchemaFile, refs: Refs, diags: Diagnostics, roots: Sequence[Path]) -> ir.Contract:
    """A plain JSON Schema as `breaking` compares it: named by its path under its input folder (as stable
    across versions as a protobuf import path), its root record (if the root is one) and every definition.
    What the IR cannot represent is left out with a W020 (see ``NotCompared``)."""
    lowering = ContractLowering(f, refs, diags)
    node = Node(f.doc, f, "")
    root_id = ""
    if isinstance(f.doc, dict) and any(k in f.doc for k in ROOT_SCHEMA_KEYWORDS):
        name = root_name(f, f.stem)
        root_type = lowering.lower(node, Hint(name, name))
        if isinstance(root_type, ir.RecordType):
            root_id = root_type.ref
        else:
            message = "not compared: the root schema is no object with properties; its definitions are compared"
            diags.report(Location(f.display, 1, 1), "W020", message)
    lowering.lower_defs(f)
    used = [g.display for g in lowering.files.values() if g is not f]
    path = f.path.resolve()
    root = next((r for r in roots if path.is_relative_to(r)), path.parent)
    return ir.Contract(
        name=path.relative_to(root).as_posix(),
        version="0.0.0",
        root=root_id,
        records=lowering.result_records(),
        enums=tuple(lowering.enums.values()),
        source=ir.Source(ir.SchemaLanguage.JSON_SCHEMA, f.display, f.draft.name, (f.display, *sorted(used))),
        location=Location(f.display, 1, 1),
        title=f.doc["title"] if isinstance(f.doc, dict) and isinstance(f.doc.get("title"), str) else "",
        has_metadata=False,
    )


def _root(
    f: SchemaFile, meta: metadata.ContractMeta, lowering: ContractLowering, where: Location, diags: Diagnostics
) -> str | None:
    """The root record's id: the definition x-contract.record names, else the file's root schema."""
    node = Node(f.doc, f, "")
    if meta.record is not None:
        defs = [c for c in ("$defs", "definitions") if isinstance(node.get(c), dict) and meta.record in node.get(c)]
        container = defs[0] if defs else None
        if container is None:
            diags.report(where, "E030", f"x-contract.record {meta.record!r} is not a definition of this file")
            return None
        root_type = lowering.lower(node.at(container, meta.record), Hint(meta.record, meta.record))
    else:
        name = root_name(f, meta.name)
        root_type = lowering.lower(node, Hint(name, name))
    if isinstance(root_type, ir.RecordType):
        return root_type.ref
    message = "the root schema of a contract must be an object with properties (it becomes the root record)"
    diags.report(Location(f.display, 1, 1), "E014", message)
    return None
