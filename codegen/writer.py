"""The writer: the only code that touches the output tree.

The whole tree is staged in a sibling temporary directory and swapped in with renames, so a run either
replaces the output completely or leaves it as it was. A manifest records every file's content hash
and a fingerprint of everything the output depends on (inputs, options, the compiler itself), which
makes `check` precise and a rerun with nothing changed nearly free.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec

import codegen
from codegen.diagnostics import ContractError, Diagnostic, Location, display_path
from codegen.emitters import OutputFile

MANIFEST = ".contract-codegen-manifest.json"


class Manifest(msgspec.Struct, forbid_unknown_fields=False):
    generator: str
    settings: str  # digest of the compiler's own source and the emit settings
    inputs: list[str]  # the input files a run found, display paths, sorted
    sources: dict[str, str]  # every file the compile read (inputs, imports, $refs) -> sha256
    files: dict[str, str]  # output path -> sha256 of content


class Stamp(msgspec.Struct, frozen=True):
    """What an output tree was made from; recorded in the manifest."""

    settings: str
    inputs: tuple[str, ...]
    sources: dict[str, str]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _compiler_digest() -> str:
    """A hash of the compiler's own source, so that a changed compiler never takes the no-op shortcut."""
    root = Path(codegen.__file__).parent
    h = hashlib.sha256(codegen.__version__.encode())
    templates = root.parent / "templates"
    for base in (root, templates):
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.suffix in (".py", ".proto", ".j2", ".css", ".js", ".html") and p.is_file():
                    h.update(p.relative_to(base).as_posix().encode())
                    h.update(p.read_bytes())
    return h.hexdigest()


def settings_digest(settings: object) -> str:
    return sha256(_compiler_digest().encode() + msgspec.json.encode(settings, order="sorted"))


def make_stamp(settings: str, inputs: Iterable[Path], files_read: Iterable[Path]) -> Stamp:
    # Display paths: relative, so the manifest is identical in every clone.
    return Stamp(
        settings=settings,
        inputs=tuple(sorted(display_path(p) for p in inputs)),
        sources={display_path(p): sha256(p.read_bytes()) for p in sorted(files_read)},
    )


def read_manifest(out_dir: Path) -> Manifest | None:
    try:
        return msgspec.json.decode((out_dir / MANIFEST).read_bytes(), type=Manifest)
    except (OSError, msgspec.DecodeError):
        return None


def _unchanged(base: Path, digests: dict[str, str]) -> bool:
    for rel, digest in digests.items():
        try:
            if sha256((base / rel).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def is_fresh(out_dir: Path, settings: str, inputs: Iterable[Path]) -> bool:
    """True when the output was made by this compiler with these settings from the same input files,
    none of the files it read has changed since, and nobody has edited the output. Checked without
    compiling anything: the compiler is deterministic, so equal sources mean equal output."""
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.settings != settings:
        return False
    if manifest.inputs != sorted(display_path(p) for p in inputs):
        return False
    return _unchanged(Path.cwd(), manifest.sources) and _unchanged(out_dir, manifest.files)


class Drift(msgspec.Struct, frozen=True):
    changed: tuple[str, ...]
    added: tuple[str, ...]  # would be created
    removed: tuple[str, ...]  # on disk but no longer generated

    @property
    def clean(self) -> bool:
        return not (self.changed or self.added or self.removed)


def existing_files(out_dir: Path) -> dict[str, Path]:
    if not out_dir.is_dir():
        return {}
    return {
        p.relative_to(out_dir).as_posix(): p
        for p in out_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST and "__pycache__" not in p.parts
    }


def compare(out_dir: Path, files: Sequence[OutputFile]) -> Drift:
    on_disk = existing_files(out_dir)
    wanted = {f.path: f.content for f in files}
    changed = tuple(sorted(p for p, c in wanted.items() if p in on_disk and on_disk[p].read_bytes() != c))
    added = tuple(sorted(p for p in wanted if p not in on_disk))
    removed = tuple(sorted(p for p in on_disk if p not in wanted))
    return Drift(changed, added, removed)


def _check_ownership(out_dir: Path) -> None:
    """Refuse to replace a folder that this tool did not write: it may hold someone's work."""
    # Any manifest, even one an older version wrote, marks the folder as ours.
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file())):
        raise ContractError(
            [
                Diagnostic(
                    Location(display_path(out_dir)),
                    "E050",
                    "output directory exists and was not written by contract-codegen "
                    f"(no {MANIFEST}); remove it or choose another with -o",
                )
            ]
        )


def write_tree(out_dir: Path, files: Sequence[OutputFile], stamp: Stamp) -> None:
    import shutil  # here and in _swap: a rerun with nothing changed never writes, so never loads them
    import tempfile

    _check_ownership(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        for f in files:
            target = staging / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.content)
        manifest = Manifest(
            generator=f"contract-codegen {codegen.__version__}",
            settings=stamp.settings,
            inputs=list(stamp.inputs),
            sources=stamp.sources,
            files={f.path: sha256(f.content) for f in files},
        )
        body = msgspec.json.format(msgspec.json.encode(manifest, order="sorted"), indent=2) + b"\n"
        (staging / MANIFEST).write_bytes(body)
        _swap(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, out_dir: Path) -> None:
    import shutil
    import tempfile

    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    os.replace(out_dir, retired)
    try:
        os.replace(staging, out_dir)
    except OSError:
        os.replace(retired, out_dir)  # put the old tree back: all or nothing
        raise
    shutil.rmtree(retired, ignore_errors=True)
