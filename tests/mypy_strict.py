"""Run mypy --strict over generated code, as the typing tests of every target do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def mypy_strict(
    cwd: Path, *targets: str | Path, options: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """mypy --strict on ``targets`` from ``cwd``, with a cache of its own there (never the project's)."""
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(cwd / ".mypy_cache")]
    return subprocess.run(
        [*command, *options, *map(str, targets)], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )
