"""The compiler pipeline: inputs -> frontends -> IR passes -> emitters -> formatted files.

Nothing here writes to disk; ``codegen.writer`` does that with what ``render`` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from codegen import frontends, ir
from codegen.config import Config
from codegen.diagnostics import ContractError, Diagnostic, Diagnostics, Location, display_path
from codegen.emitters import OutputFile, registry

if TYPE_CHECKING:  # the docs model pulls in Jinja: not worth importing for `lint` or a no-op run
    from codegen.emitters.docs_model import History

Progress = Callable[[str], None]

# Folders never searched for contracts: tool caches, virtualenvs and output trees.
SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"})


class Compiled(msgspec.Struct, frozen=True):
    contracts: tuple[ir.Contract, ...]
    diagnostics: Diagnostics
    inputs: tuple[Path, ...]  # the input files found
    files_read: tuple[Path, ...]  # every input and library file, for the manifest


def expand_inputs(inputs: Sequence[Path], diags: Diagnostics) -> list[Path]:
    """Files as given, and every .proto / .json below each given folder, sorted for determinism."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            for path in sorted(item.rglob("*")):
                rel_parts = path.relative_to(item).parts
                if path.is_file() and frontends.is_input(path) and not SKIP_DIRS.intersection(rel_parts):
                    files.append(path)
        elif item.is_file():
            files.append(item)
        else:
            diags.report(Location(display_path(item)), "E001", f"input {display_path(item)} does not exist")
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def default_proto_paths(inputs: Sequence[Path]) -> list[Path]:
    """Without -I, each folder given is an import root (as buf treats a module), else a file's own folder."""
    roots: list[Path] = []
    for item in inputs:
        root = item if item.is_dir() else item.parent
        if root not in roots:
            roots.append(root)
    return roots


def check_contracts(contracts: Sequence[ir.Contract], diags: Diagnostics) -> None:
    """Passes over the whole set: contract names and versions must be unique across inputs."""
    seen: dict[tuple[str, int], ir.Contract] = {}
    for c in contracts:
        key = (c.name, c.major)
        if key in seen:
            other = seen[key]
            diags.report(
                c.location,
                "E040",
                f"contract {c.name!r} major version {c.major} is also defined in {other.source.path}",
            )
        else:
            seen[key] = c


def lint_contracts(contracts: Sequence[ir.Contract], diags: Diagnostics) -> None:
    """Warnings only `lint` reports: what a consumer will miss in the contract's documentation."""
    for c in contracts:
        if not c.has_metadata:
            continue  # W001 already says everything is missing
        if c.owner is None:
            diags.report(c.location, "W003", f"contract {c.name!r} has no owner (team and contact)")
        if not c.ports:
            diags.report(c.location, "W004", f"contract {c.name!r} declares no output port")
        for r in c.records:
            if not r.description:
                diags.report(r.location, "W002", f"record {r.id} has no description")
            for f in r.fields:
                if not f.description:
                    diags.report(f.location, "W002", f"field {r.id}.{f.name} has no description")


def compile_inputs(config: Config, progress: Progress | None = None, schemas: bool = False) -> Compiled:
    diags = Diagnostics()
    return compile_files(config, expand_inputs(config.inputs, diags), diags, progress, schemas)


def compile_files(
    config: Config,
    files: Sequence[Path],
    diags: Diagnostics,
    progress: Progress | None = None,
    schemas: bool = False,
) -> Compiled:
    """Compile input files already found by ``expand_inputs`` (whose diagnostics ``diags`` holds).
    ``schemas``: to compare versions only, so plain schema files are compiled as schemas (see frontends)."""
    if not files and not diags.has_errors:
        shown = ", ".join(display_path(p) for p in config.inputs)
        diags.report(Location(shown), "E001", f"no .proto or .json contract found in {shown}")
    if progress:
        progress(f"compiling {len(files)} files")
    proto_paths = list(config.proto_paths) or default_proto_paths(config.inputs)
    contracts = frontends.load(files, proto_paths, diags, schemas) if files else []
    check_contracts(contracts, diags)
    read = {p.resolve() for p in files}
    for c in contracts:
        read.update(Path(f).resolve() for f in c.source.files)
    return Compiled(tuple(contracts), diags, tuple(files), tuple(sorted(read)))


def _history(previous: Sequence[ir.Contract] | None) -> History | None:
    """The docs' changelog over the earlier versions the lock file records."""
    if not previous:
        return None
    from codegen.compat.history import history_from

    return history_from(previous)


def render(
    contracts: Sequence[ir.Contract],
    config: Config,
    progress: Progress | None = None,
    previous: Sequence[ir.Contract] | None = None,
) -> list[OutputFile]:
    """Run the configured emitters and format their output. Raises ContractError on any error."""
    emitters = registry()
    problems: list[Diagnostic] = []
    where = Location(config.source or "command line")
    emit_where = Location("command line") if config.emit_given else where
    for name in config.emit:
        if name not in emitters:
            problems.append(
                Diagnostic(emit_where, "E050", f"unknown emitter {name!r}; known: {', '.join(sorted(emitters))}")
            )
    for name in config.emitter_options:
        if name not in emitters:
            problems.append(Diagnostic(where, "E050", f"options given for unknown emitter {name!r}"))
    if problems:
        raise ContractError(problems)
    out: list[OutputFile] = []
    history = _history(previous)
    for name in config.emit:
        emitter = emitters[name]
        if history is not None and hasattr(emitter, "history"):
            emitter.history = history  # the docs' changelog: earlier versions from the lock file
        try:
            options = emitter.parse_options(config.emitter_options.get(name, {}))
        except msgspec.ValidationError as exc:
            raise ContractError([Diagnostic(where, "E050", f"emitter {name!r}: invalid options: {exc}")]) from None
        if progress:
            progress(f"emitting {name} for {len(contracts)} contracts")
        out.extend(emitter.generate(contracts, options))
    paths = [f.path for f in out]
    if len(paths) != len(set(paths)):
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        raise ContractError([Diagnostic(where, "E041", f"two emitters produce the same file: {', '.join(dupes)}")])
    from codegen.formatting import format_python

    if progress:
        progress("formatting")
    return sorted(format_python(out))
