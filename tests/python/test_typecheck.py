"""The generated modules pass mypy --strict (run as a subprocess on the written tree)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.mypy_strict import mypy_strict
from tests.python.conftest import generate, write
from tests.python.fixtures import ALL

pytestmark = pytest.mark.slow


def mypy(paths: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return mypy_strict(cwd, *paths, options=["--python-version", "3.11"])


def test_generated_modules_pass_mypy_strict(tmp_path: Path) -> None:
    root = write(generate(ALL, "typed_records"), tmp_path)
    result = mypy([root / "typed_records"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
