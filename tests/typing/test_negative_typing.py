"""Negative typing tests: mypy --strict must report exactly the errors in expected_mypy.txt for
consumer.py, which misuses the generated records. UPDATE_GOLDENS=1 rewrites the golden."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import update_goldens
from tests.mypy_strict import mypy_strict
from tests.python.conftest import generate, write
from tests.python.fixtures import ALL

HERE = Path(__file__).parent
GOLDEN = HERE / "expected_mypy.txt"

pytestmark = pytest.mark.slow


def test_mypy_rejects_misuse_of_generated_records(tmp_path: Path) -> None:
    root = write(generate(ALL), tmp_path)
    shutil.copy(HERE / "consumer.py", root / "consumer.py")
    options = ["--python-version", "3.11", "--show-error-codes", "--no-error-summary", "--no-pretty"]
    result = mypy_strict(root, "consumer.py", options=[*options, "--hide-error-context"])
    assert result.stderr == "", result.stderr
    if update_goldens():
        GOLDEN.write_text(result.stdout)
    assert result.stdout == GOLDEN.read_text()
    flagged = {int(line.split(":")[1]) for line in result.stdout.splitlines()}
    consumer = (HERE / "consumer.py").read_text().splitlines()
    marked = {i for i, line in enumerate(consumer, 1) if "# error:" in line}
    assert marked <= flagged, "every line marked '# error:' must be reported by mypy"
