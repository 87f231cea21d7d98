"""End-to-end golden cases: one folder per case under tests/cases/.

A case holds `contracts/` and either `expected/` (the whole output tree) or `expected_stderr.txt`
(a failing case: exit 2, those diagnostics, nothing written). The CLI runs from inside the case
folder, so paths in diagnostics and headers are short and machine-independent.
`make goldens` rewrites the expected files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from codegen.cli import main
from codegen.writer import MANIFEST
from tests.conftest import update_goldens

CASES = Path(__file__).parent / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "contracts").is_dir()) if CASES.is_dir() else []


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST and "__pycache__" not in p.parts
    }


def diagnostics_lines(stderr: str) -> str:
    """The diagnostics only: the closing summary line depends on nothing the case tests."""
    lines = [ln for ln in stderr.splitlines() if ": " in ln and not ln.endswith("nothing written")]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(case)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["generate", "contracts", "-o", str(out), "--quiet", "--no-lock"])
    stderr_file = case / "expected_stderr.txt"
    expected_dir = case / "expected"
    if result.exit_code == 2 or stderr_file.exists():
        got = diagnostics_lines(result.stderr)
        if update_goldens():
            stderr_file.write_text(got)
            shutil.rmtree(expected_dir, ignore_errors=True)
        assert result.exit_code == 2, result.output
        assert got == stderr_file.read_text()
        assert not out.exists(), "a failing run must write nothing"
        return
    assert result.exit_code == 0, result.output
    if update_goldens():
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns(MANIFEST))
    assert tree(out) == tree(expected_dir)
