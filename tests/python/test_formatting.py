"""format_python: one ruff batch, black style, immune to user configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from msgspec.structs import replace

from codegen.emitters.base import OutputFile
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.formatting import FormattingError, format_python
from tests.python.conftest import write
from tests.python.fixtures import ALL, ORDERS


def raw_files() -> list[OutputFile]:
    return PythonModelsEmitter().generate(ALL, PythonOptions())


def test_black_accepts_what_format_python_produces(tmp_path: Path) -> None:
    root = write(format_python(raw_files()), tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", str(root)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr


def test_ruff_and_black_formatters_agree() -> None:
    assert format_python(raw_files()) == format_python(raw_files(), formatter="black")


def test_formatting_is_idempotent() -> None:
    once = format_python(raw_files())
    assert format_python(once) == once


def test_user_configuration_cannot_change_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = format_python(raw_files())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruff]\nline-length = 40\n[tool.ruff.format]\nquote-style = "single"\n'
    )
    (tmp_path / "ruff.toml").write_text("line-length = 200\n")
    monkeypatch.chdir(tmp_path)
    assert format_python(raw_files()) == expected


def test_other_files_pass_through_in_order() -> None:
    files = [
        OutputFile("b.txt", b"x  =  1\n"),
        OutputFile("build/a.py", b"x  =  [1,\n2]\n"),
        OutputFile("c.json", b"{ }"),
    ]
    assert format_python(files) == [
        OutputFile("b.txt", b"x  =  1\n"),
        OutputFile("build/a.py", b"x = [1, 2]\n"),
        OutputFile("c.json", b"{ }"),
    ]
    assert format_python([]) == []


def test_broken_code_is_a_formatting_error() -> None:
    with pytest.raises(FormattingError, match="ruff format failed"):
        format_python([OutputFile("x.py", b"def (:\n")])


def test_imports_are_sorted(tmp_path: Path) -> None:
    root = write(format_python(raw_files()), tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "I", str(root)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout


def test_two_hundred_contracts_generate_and_format_in_one_batch() -> None:
    # Speed is measured in benchmarks/ (python -m benchmarks codegen), not asserted here.
    contracts = [replace(ORDERS, name=f"orders-{i}") for i in range(200)]
    files = format_python(PythonModelsEmitter().generate(contracts, PythonOptions()))
    assert len(files) == 202
    assert len({f.content for f in files if "/orders_" in f.path}) == 200
