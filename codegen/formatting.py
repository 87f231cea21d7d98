"""Formatting of generated Python: one batch, black style, independent of the user's configuration.

``ruff format`` (black-compatible, much faster than black) formats every .py file of a run in one
process: the files are written to one temporary directory, formatted with a pinned configuration
(line length 88, target py311) passed by ``--config`` so that no ruff.toml or pyproject.toml of the
user can change the output, and read back. Other files pass through unchanged.
``formatter="black"`` formats with black's API instead (slower; same style).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from codegen.emitters.base import OutputFile

LINE_LENGTH = 88
TARGET = "py311"
_RUFF_CONFIG = f'line-length = {LINE_LENGTH}\ntarget-version = "{TARGET}"\n\n[format]\nquote-style = "double"\n'

Formatter = Literal["ruff", "black"]


class FormattingError(RuntimeError):
    """Generated code that cannot be formatted is a compiler bug, not a user error."""


def format_python(files: Sequence[OutputFile], formatter: Formatter = "ruff") -> list[OutputFile]:
    """Every ``.py`` file formatted in black style; the order of ``files`` is kept."""
    python = [f for f in files if f.path.endswith(".py")]
    if not python:
        return list(files)
    formatted = _ruff(python) if formatter == "ruff" else _black(python)
    return [OutputFile(f.path, formatted[f.path]) if f.path in formatted else f for f in files]


def _ruff_bin() -> str:
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return str(find_ruff_bin())


def _ruff(files: Sequence[OutputFile]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="contract-codegen-format-") as tmp:
        root = Path(tmp)
        config = root / "ruff.toml"
        config.write_text(_RUFF_CONFIG)
        targets: list[Path] = []
        for i, f in enumerate(files):
            # Numbered names: output paths may repeat a folder name ruff excludes by default (build, dist).
            target = root / "src" / f"m{i}.py"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(f.content)
            targets.append(target)
        result = subprocess.run(
            [_ruff_bin(), "format", "--no-cache", "--config", str(config), *map(str, targets)],
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
        )
        if result.returncode != 0:
            raise FormattingError(f"ruff format failed on generated code:\n{result.stderr}")
        return {f.path: t.read_bytes() for f, t in zip(files, targets, strict=True)}


def _black(files: Sequence[OutputFile]) -> dict[str, bytes]:
    import black
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)
    out: dict[str, bytes] = {}
    for f in files:
        try:
            out[f.path] = black.format_str(f.content.decode(), mode=mode).encode()
        except InvalidInput as exc:
            raise FormattingError(f"black failed on generated {f.path}: {exc}") from None
    return out
