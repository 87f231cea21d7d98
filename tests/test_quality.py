"""The project's own code is typed and lint-clean, and its generated reference docs are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen.diagnostics import codes_markdown
from tests.conftest import update_goldens


def test_error_codes_page_is_current(root: Path) -> None:
    page = root / "docs" / "errors.md"
    if update_goldens():
        page.write_text(codes_markdown())
    assert page.read_text() == codes_markdown()


def test_mypy_strict_on_compiler_and_runtime(root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "codegen", "runtime/src"], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_clean(root: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
