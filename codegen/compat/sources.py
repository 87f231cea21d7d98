"""Where previous versions come from: a directory, a git ref, or a lock file.

A directory or a git ref is compiled with the same pipeline as the current inputs. For a git ref the
input paths are exported with `git archive` into a temporary directory; the places in the IR are then
rewritten so that they read as the files' paths in the working tree (what a reader can open).

What only a git ref needs (subprocess, tarfile, tempfile) is imported on that path: a pair of directories,
the common case in CI scripts and the one timed against buf, does not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from codegen import ir, pipeline
from codegen.compat.lockfile import LockError, read_lock
from codegen.diagnostics import Diagnostic, Diagnostics, Location, display_path

if TYPE_CHECKING:
    from codegen.config import Config


class SourceError(Exception):
    """The --against value cannot be used (usage error, exit 1)."""


class Loaded(msgspec.Struct, frozen=True):
    contracts: list[ir.Contract]
    diagnostics: list[Diagnostic]  # contract errors in the loaded version (exit 2 when any is an error)


def compile_current(config: Config, schemas: bool = True) -> Loaded:
    """Compiled to be compared: plain schema files (no contract metadata) count as schemas, not contracts,
    unless ``schemas`` is off to match a lock file (which holds what `generate` compiled)."""
    compiled = pipeline.compile_inputs(config, schemas=schemas)
    return Loaded(list(compiled.contracts), compiled.diagnostics.items)


def roots(config: Config) -> list[Path]:
    return list(config.proto_paths) or pipeline.default_proto_paths(config.inputs)


def load_against(against: str, config: Config, current: Sequence[ir.Contract] = ()) -> Loaded:
    """The previous version: a directory, a lock file or a git ref, compiled like the current inputs."""
    path = Path(against)
    if path.is_dir():
        return _compile_dir(path, config, current)
    if path.is_file():
        try:
            return Loaded(read_lock(path), [])
        except LockError as exc:
            raise SourceError(str(exc)) from None
    return load_git_ref(against, config, current)


def _compile_dir(path: Path, config: Config, current: Sequence[ir.Contract] = ()) -> Loaded:
    """The directory stands for the inputs as a whole, as `buf breaking --against <dir>` does. When the
    inputs are one folder too, a contract none of whose files differ between the two folders is its own
    previous version, as for a git ref: only the others are compiled in ``path``."""
    cfg = msgspec.structs.replace(config, inputs=(path,), proto_paths=())
    inputs = config.inputs
    if config.proto_paths or len(inputs) != 1 or not inputs[0].is_dir() or not current:
        return compile_current(cfg)
    top = inputs[0].resolve()
    changed = _differing_files(top, path.resolve())
    unchanged, only = _split_unchanged(current, changed, top)
    if only is None:
        return compile_current(cfg)
    inputs_there = tuple(path / f for f in only if (path / f).is_file())
    if not inputs_there:
        return Loaded(list(unchanged), [])  # nothing changed, or nothing of it in that folder: it is new
    loaded = compile_current(msgspec.structs.replace(cfg, inputs=inputs_there, proto_paths=(path,)))
    return _with_unchanged(unchanged, loaded)


def _differing_files(a: Path, b: Path) -> set[str]:
    """The input files (by path within their folder) that are in only one of the folders or differ in bytes."""

    def listed(top: Path) -> dict[str, Path]:
        return {f.relative_to(top).as_posix(): f for f in pipeline.expand_inputs([top], Diagnostics())}

    left, right = listed(a), listed(b)
    differing = set(left).symmetric_difference(right)
    for rel in set(left) & set(right):
        fa, fb = left[rel], right[rel]
        if fa.stat().st_size != fb.stat().st_size or fa.read_bytes() != fb.read_bytes():
            differing.add(rel)
    return differing


def _git(args: Sequence[str], cwd: Path) -> bytes:
    import subprocess

    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return result.stdout


def load_git_ref(ref: str, config: Config, current: Sequence[ir.Contract] = ()) -> Loaded:
    import io
    import tarfile
    import tempfile

    cwd = Path.cwd()
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip()).resolve()
    except (SourceError, FileNotFoundError):
        raise SourceError(f"--against {ref!r} is neither a directory, a lock file nor a git ref here") from None
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    except SourceError:
        raise SourceError(f"--against {ref!r} is neither a directory, a lock file nor a git ref") from None
    wanted = [p.resolve() for p in (*config.inputs, *config.proto_paths)]
    outside = [p for p in wanted if not p.is_relative_to(top)]
    if outside:
        raise SourceError(f"{display_path(outside[0])} is outside the git repository {display_path(top)}")
    rels = sorted({p.relative_to(top).as_posix() or "." for p in wanted})
    # --no-renames: a renamed file is a deletion plus an addition here; with rename detection git lists only
    # the new name, and the old file's deletion would go unseen.
    diff = _git(["diff", "--name-only", "--no-renames", "-z", ref, "--", *rels], top)
    changed = {n.decode() for n in diff.split(b"\0") if n}
    unchanged, only = _split_unchanged(current, changed, top)
    listed = _git(["ls-tree", "-r", "--name-only", "-z", ref, "--", *rels], top).split(b"\0")
    files = [name.decode() for name in listed if name]
    with tempfile.TemporaryDirectory(prefix="contract-codegen-against-") as tmp:
        root = Path(tmp).resolve()
        if files:
            archive = _git(["archive", "--format=tar", ref, "--", *files], top)
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(root, filter="data")

        def moved(p: Path) -> Path:
            return root / p.resolve().relative_to(top)

        if only is not None:  # compile just the contracts whose files changed
            inputs = tuple(moved(top / f) for f in only if moved(top / f).exists())
        else:
            inputs = tuple(moved(p) for p in config.inputs if moved(p).exists())
        if not inputs:
            return Loaded(list(unchanged), [])  # nothing (else) there at that ref: the rest is new
        cfg = msgspec.structs.replace(
            config,
            inputs=inputs,
            proto_paths=tuple(moved(p) for p in roots(config)),
        )
        # Compiled from the same place relative to the working directory, the previous version's paths
        # read exactly as the working tree's: no rewriting, and unchanged contracts compare equal.
        return _with_unchanged(unchanged, _compile_in(moved(cwd), cfg))


def _split_unchanged(
    current: Sequence[ir.Contract], changed: set[str], top: Path
) -> tuple[list[ir.Contract], list[str] | None]:
    """Contracts none of whose files differ from the ref are their own previous version: only the others
    need compiling at the ref. Returns those unchanged contracts and the files to compile there (every file
    of the others: a JSON Schema library must be an input for its $refs to resolve, and a plain file that
    a contract now imports must be compiled as it was, perhaps a schema alone), or (nothing, None) to
    compile everything when a changed file belongs to no current contract (a deleted contract or library),
    which only a full compile at the ref can place."""
    if not current:
        return [], None
    owned: set[str] = set()
    unchanged: list[ir.Contract] = []
    to_compile: set[str] = set()
    for c in current:
        paths = [Path(f).resolve() for f in c.source.files or (c.source.path,)]  # main file first
        if not paths[0].is_relative_to(top):
            return [], None
        rel = {p.relative_to(top).as_posix() for p in paths if p.is_relative_to(top)}
        owned |= rel
        if rel & changed:
            to_compile |= rel
        else:
            unchanged.append(c)
    if changed - owned:
        return [], None
    return unchanged, sorted(to_compile)


def _with_unchanged(unchanged: list[ir.Contract], loaded: Loaded) -> Loaded:
    """The unchanged contracts and what was compiled, where an unchanged one compiled again (a file of a
    changed contract is also a schema alone) counts once."""
    names = {c.name for c in unchanged}
    return Loaded([*unchanged, *(c for c in loaded.contracts if c.name not in names)], loaded.diagnostics)


def _compile_in(where: Path, config: Config) -> Loaded:
    where.mkdir(parents=True, exist_ok=True)
    back = Path.cwd()
    os.chdir(where)
    try:
        return compile_current(config)
    finally:
        os.chdir(back)


def _move_path(path: str, prefix: str, shown: str) -> str:
    if path == prefix or path.startswith(prefix + "/"):
        rest = path[len(prefix) :].lstrip("/")
        return f"{shown}/{rest}" if shown not in ("", ".") else rest
    return path


def _move(loc: Location, prefix: str, shown: str) -> Location:
    return Location(_move_path(loc.path, prefix, shown), loc.line, loc.col)


def relocate(contract: ir.Contract, prefix: str, shown: str) -> ir.Contract:
    """Every path in the contract's IR under ``prefix`` rewritten to lie under ``shown``."""
    result = _relocate(contract, prefix, shown)
    assert isinstance(result, ir.Contract)
    return result


def _relocate(node: Any, prefix: str, shown: str) -> Any:
    if isinstance(node, Location):
        return _move(node, prefix, shown)
    if isinstance(node, ir.Source):
        return msgspec.structs.replace(
            node,
            path=_move_path(node.path, prefix, shown),
            files=tuple(_move_path(f, prefix, shown) for f in node.files),
        )
    if isinstance(node, msgspec.Struct):
        changes = {}
        for name in node.__struct_fields__:
            value = getattr(node, name)
            if isinstance(value, tuple | msgspec.Struct):
                changes[name] = _relocate(value, prefix, shown)
        return msgspec.structs.replace(node, **changes)
    if isinstance(node, tuple):
        return tuple(_relocate(x, prefix, shown) for x in node)
    return node
