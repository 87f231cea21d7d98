"""The protobuf frontend: one in-process protoc run for every input, then descriptors -> IR.

protoc (from grpcio-tools) parses and resolves everything and returns a FileDescriptorSet with
source locations; its errors (printed on the C-level stderr as ``file:line:col: message``) become
E020 diagnostics. A file carrying ``option (contract.v1.contract)`` is a contract; a file without it
that another input imports is a library; any other file is a plain contract with default metadata.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import grpc_tools
import msgspec
from google.protobuf import descriptor_pb2
from google.protobuf.json_format import MessageToDict
from grpc_tools import protoc

from codegen import ir, metadata
from codegen.diagnostics import Diagnostics, Location, display_path
from codegen.frontends import proto_file_facts
from codegen.frontends.proto_lower import (
    FILE_EXTENSION,
    MSG_EXTENSION,
    MSG_NESTED,
    ContractLowering,
    ProtoFile,
    TypeEntry,
    index_types,
)
from codegen.frontends.proto_options import (
    CONTRACT_EXT_NUMBER,
    OPTIONS_FILE,
    PROTO_ROOT,
    OptionSchema,
    extension,
    parse_descriptor_set,
)
from codegen.frontends.proto_strings import bad_option_strings

WKT_ROOT = Path(grpc_tools.__file__).resolve().parent / "_proto"
FILE_OPTIONS, FILE_SYNTAX = 8, 12
_PROTOC_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
_PROTOC_FILE_LINE = re.compile(r"^(?P<file>[^:]+): (?P<msg>.*)$")
_NOT_FOUND = re.compile(r'^Import "(?P<name>[^"]+)" was not found')


class _Input(msgspec.Struct, frozen=True):
    name: str  # the path relative to its import root, as protoc and import statements spell it
    path: Path


def load_protobuf(
    files: Sequence[Path], proto_paths: Sequence[Path], diags: Diagnostics, schemas: bool = False
) -> list[ir.Contract]:
    """One contract per contract file. With ``schemas`` (to compare versions, as `breaking` does), each
    file without contract metadata is compiled as a schema instead: see ``_schema``."""
    roots = [p.resolve() for p in proto_paths] or [_common_parent(files)]
    inputs = _virtual_names(files, roots, diags)
    if not inputs or not _strings_ok(inputs, diags):
        return []
    data, inputs = _compile(inputs, roots, diags)
    if data is None:
        return []
    file_set, schema = parse_descriptor_set(data)
    proto_files = {fp.name: ProtoFile(fp, *_display(fp.name, roots)) for fp in file_set.file}
    index = index_types(proto_files.values())
    imported = {dep for i in inputs for dep in proto_files[i.name].proto.dependency}
    options = {i.name: extension(proto_files[i.name].proto.options, schema.contract) for i in inputs}
    # Files a contract imports, directly or not, are compared inside that contract, not once more alone.
    in_contracts = _imports_of([n for n, o in options.items() if o is not None], proto_files) if schemas else set()
    contracts = []
    for i in inputs:
        pf = proto_files[i.name]
        option = options[i.name]
        if option is None and schemas and i.name not in in_contracts:
            contracts.append(_schema(pf, index, schema, diags))
            continue
        _check_unsupported(pf, diags)
        if option is None and i.name in imported:
            continue  # a library: its types are compiled into the contracts that import it
        raw = MessageToDict(option, preserving_proto_field_name=True) if option is not None else None
        contract = _contract(pf, raw, index, schema, diags)
        if contract is not None:
            contracts.append(contract)
    return contracts


def _imports_of(names: Sequence[str], files: dict[str, ProtoFile]) -> set[str]:
    """Every file the named files import, transitively."""
    seen: set[str] = set()
    todo = [dep for n in names for dep in files[n].proto.dependency]
    while todo:
        name = todo.pop()
        if name not in seen and name in files:
            seen.add(name)
            todo.extend(files[name].proto.dependency)
    return seen


# -- running protoc ---------------------------------------------------------------------------------


def _common_parent(files: Sequence[Path]) -> Path:
    return Path(os.path.commonpath([f.resolve().parent for f in files]))


def _virtual_names(files: Sequence[Path], roots: Sequence[Path], diags: Diagnostics) -> list[_Input]:
    """Each input relative to the first import root holding it (protoc wants it that way)."""
    inputs: list[_Input] = []
    seen: dict[str, Path] = {}
    for f in files:
        resolved = f.resolve()
        root = next((r for r in roots if resolved.is_relative_to(r)), None)
        if root is None:
            shown = ", ".join(display_path(r) for r in roots)
            diags.report(Location(display_path(f)), "E020", f"file is not under any import path (-I {shown})")
            continue
        name = resolved.relative_to(root).as_posix()
        first = seen.setdefault(name, f)
        if first.resolve() != resolved:  # protoc would read the first for both: the second would go unseen
            message = (
                f'input shadowed: {display_path(first)} has the same import name "{name}" '
                "(give each file its own path below the import roots)"
            )
            diags.report(Location(display_path(f), 1, 1), "E020", message)
        elif name != OPTIONS_FILE:
            inputs.append(_Input(name, f))
    return inputs


def _strings_ok(inputs: Sequence[_Input], diags: Diagnostics) -> bool:
    """False, with an E020 per literal, when an option holds a string protoc would abort the process on.
    protoc then never runs: it would also read a bad file that another input imports."""
    ok = True
    for i in inputs:
        with contextlib.suppress(OSError):  # an unreadable file: protoc reports it as it reports any
            for line, col, literal in bad_option_strings(i.path):
                ok = False
                message = f"string {literal} in an option is not UTF-8 once unescaped (protoc cannot read it)"
                diags.report(Location(display_path(i.path), line, col), "E020", message)
    return ok


def _compile(inputs: Sequence[_Input], roots: Sequence[Path], diags: Diagnostics) -> tuple[bytes | None, list[_Input]]:
    """One protoc run for every input, returning the descriptor set and the inputs in it.

    protoc stops at the first input file with errors. So that one run shows every error, the files
    named in the errors are dropped and the rest compiled again (the error path only), and the good
    files are still lowered so their own errors show too."""
    remaining = list(inputs)
    while remaining:
        code, stderr, data = run_protoc([i.name for i in remaining], roots)
        if code == 0:
            return data, remaining
        failed = _report_protoc_errors(stderr, remaining[0].path, roots, diags)
        keep = [i for i in remaining if i.name not in failed]
        if len(keep) == len(remaining):
            break  # nothing attributable to drop: retrying would fail the same way
        remaining = keep
    return None, []


def run_protoc(names: Sequence[str], roots: Sequence[Path]) -> tuple[int, str, bytes | None]:
    """protoc in process on files named relative to ``roots``: exit code, stderr, descriptor set."""
    with tempfile.TemporaryDirectory(prefix="contract-codegen-") as tmp:
        out = Path(tmp) / "set.pb"
        args = ["protoc", f"--descriptor_set_out={out}", "--include_imports", "--include_source_info"]
        args += [f"-I{r}" for r in (*roots, PROTO_ROOT, WKT_ROOT)]
        # options.proto is always compiled so its extensions can be read, imported or not.
        args += [OPTIONS_FILE, *dict.fromkeys(names)]
        code, stderr = _capture_stderr(args)
        return code, stderr, out.read_bytes() if code == 0 else None


def _capture_stderr(args: list[str]) -> tuple[int, str]:
    """protoc writes to the process's fd 2, below Python: point fd 2 at a file around the call."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as err:
        saved = os.dup(2)
        try:
            os.dup2(err.fileno(), 2)
            code = int(protoc.main(args))
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        err.seek(0)
        return code, err.read().decode("utf-8", "replace")


def _report_protoc_errors(stderr: str, fallback: Path, roots: Sequence[Path], diags: Diagnostics) -> set[str]:
    """Each protoc error as an E020; returns the protoc names of the files that had errors."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and ": warning:" not in ln]
    missing = {m["name"] for ln in lines if (p := _PROTOC_LINE.match(ln)) and (m := _NOT_FOUND.match(p["msg"]))}
    failed: set[str] = set()
    for ln in lines:
        if m := _PROTOC_LINE.match(ln):
            path, name = _error_file(m["file"], roots)
            diags.report(Location(path, int(m["line"]), int(m["col"])), "E020", m["msg"])
            failed.add(name)
        elif (m := _PROTOC_FILE_LINE.match(ln)) and m["file"] in missing and m["msg"] == "File not found.":
            continue  # said better by the importing file's "Import ... was not found" at its line
        elif m:
            path, name = _error_file(m["file"], roots)
            diags.report(Location(path), "E020", m["msg"])
            failed.add(name)
        else:
            diags.report(Location(display_path(fallback)), "E020", f"protoc: {ln}")
    if not lines:
        diags.report(Location(display_path(fallback)), "E020", "protoc failed without a message")
    return failed


def _error_file(name: str, roots: Sequence[Path]) -> tuple[str, str]:
    """protoc names a file by its disk path (absolute with absolute -I) or by its import name."""
    path = Path(name)
    if path.is_absolute():
        root = next((r for r in roots if path.is_relative_to(r)), None)
        return display_path(path), path.relative_to(root).as_posix() if root else name
    return _display(name, roots)[0], name


def _display(name: str, roots: Sequence[Path]) -> tuple[str, Path | None]:
    """A protoc file name as users should see it: their own files by path, bundled ones by name."""
    for r in roots:
        candidate = r / name
        if candidate.is_file():
            return display_path(candidate), candidate
    return name, None


# -- contracts ----------------------------------------------------------------------------------------


def _check_unsupported(pf: ProtoFile, diags: Diagnostics) -> None:
    """Features a contract cannot honour are errors that name them, never silent drops."""
    if pf.proto.syntax == "editions":
        where = pf.loc((FILE_SYNTAX,))
        diags.report(where, "E021", 'protobuf editions are not supported yet; use syntax = "proto3" or "proto2"')
    for i, ext in enumerate(pf.proto.extension):
        diags.report(pf.loc((FILE_EXTENSION, i)), "E021", f"extension {ext.name!r}: extensions are not supported")

    def visit(msg: descriptor_pb2.DescriptorProto, path: tuple[int, ...]) -> None:
        for i, ext in enumerate(msg.extension):
            where = pf.loc((*path, MSG_EXTENSION, i))
            diags.report(where, "E021", f"extension {ext.name!r}: extensions are not supported")
        for i, nested in enumerate(msg.nested_type):
            visit(nested, (*path, MSG_NESTED, i))

    for i, msg in enumerate(pf.proto.message_type):
        visit(msg, (4, i))


def _contract(
    pf: ProtoFile, raw: object, index: dict[str, TypeEntry], schema: OptionSchema, diags: Diagnostics
) -> ir.Contract | None:
    where = pf.loc_or((FILE_OPTIONS, CONTRACT_EXT_NUMBER), (FILE_SYNTAX,))
    if where.line == 0:
        where = Location(pf.display, 1, 1)
    stem = Path(pf.proto.name).name.removesuffix(".proto")
    meta = metadata.parse_contract_meta(raw, where, diags, metadata.default_name(stem))
    package = pf.proto.package
    root_name = _root_message(pf, meta.record, index, where, diags)
    if root_name is None:
        return None
    extra = [n for p in meta.ports if p.record and (n := _lookup(package, p.record, index))]
    lowering = ContractLowering(index, package, schema, diags)
    lowering.run([root_name, *extra])
    records = tuple(lowering.records)
    root_id = lowering.type_id(root_name)
    files = [pf.display] + [f.display for f in lowering.files if f.disk is not None and f is not pf]
    return metadata.make_contract(
        meta,
        root=root_id,
        records=records,
        enums=tuple(lowering.enums),
        source=proto_file_facts.source(pf, tuple(files)),
        location=where,
        diags=diags,
    )


def _schema(pf: ProtoFile, index: dict[str, TypeEntry], schema: OptionSchema, diags: Diagnostics) -> ir.Contract:
    """A plain .proto file as `buf breaking` sees it: every message and enum declared in it, named by full
    name, plus its options, services and extensions (on ``ir.Source``); the unit is named by its import
    path (unique, unlike its stem). Imported or not, each file is its own unit, so a shared file's changes
    are found once."""
    lowering = ContractLowering(index, "", schema, diags, only=pf)
    lowering.run(n for n, e in index.items() if e.file is pf and not (e.message and e.message.options.map_entry))
    where = pf.loc((FILE_SYNTAX,))
    return ir.Contract(
        name=pf.proto.name,
        version="0.0.0",
        root="",  # a schema file has no root record: every type in it counts alike
        records=tuple(lowering.records),
        enums=tuple(lowering.enums),
        source=proto_file_facts.source(pf, (pf.display,), lowering.extension_field),
        location=where if where.line else Location(pf.display, 1, 1),
        has_metadata=False,
    )


def _root_message(
    pf: ProtoFile, record: str | None, index: dict[str, TypeEntry], where: Location, diags: Diagnostics
) -> str | None:
    if record is not None:
        name = _lookup(pf.proto.package, record, index)
        if name is None or index[name].message is None:
            diags.report(where, "E030", f"record {record!r} named by (contract.v1.contract) is not a message")
        return name if name is not None and index[name].message is not None else None
    if not pf.proto.message_type:
        diags.report(where, "E023", f"{pf.display} declares no message to be the contract's root record")
        return None
    first = pf.proto.message_type[0].name
    return f"{pf.proto.package}.{first}" if pf.proto.package else first


def _lookup(package: str, name: str, index: dict[str, TypeEntry]) -> str | None:
    """A type named relative to the contract's package, or fully qualified."""
    name = name.lstrip(".")
    qualified = f"{package}.{name}" if package else name
    if qualified in index:
        return qualified
    return name if name in index else None
