from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen import ir
from codegen.compat.sources import compile_current
from codegen.config import Config

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def compile_dir(path: Path) -> list[ir.Contract]:
    """Compile one fixture side; contract errors fail the test loudly."""
    loaded = compile_current(Config(inputs=(path,), output=Path("unused"), proto_paths=(), emit=()))
    errors = [d.format() for d in loaded.diagnostics if d.is_error]
    assert not errors, errors
    return loaded.contracts


@pytest.fixture
def in_dir() -> Iterator[object]:
    """Run with the working directory set, so displayed paths are short and stable."""
    old = Path.cwd()

    def enter(path: Path) -> None:
        os.chdir(path)

    yield enter
    os.chdir(old)


def buf_binary() -> str | None:
    venv_buf = REPO / ".venv" / "bin" / "buf"
    return str(venv_buf) if venv_buf.exists() else shutil.which("buf")


@functools.cache
def buf_rule_ids(buf: str) -> frozenset[str]:
    """Every rule buf knows, whatever its category: our own rules (renames, contract metadata) are not compared."""
    listed = subprocess.run(
        [buf, "config", "ls-breaking-rules", "--configured-only=false", "--version", "v2", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return frozenset(json.loads(line)["id"] for line in listed.stdout.splitlines())
