"""Speed benchmarks for contract-codegen, each measured beside named peers on the same inputs.

Every benchmark is a module with a ``NAME``, a one-line ``DESCRIPTION`` and ``run(args) -> int``;
``benchmarks.__main__`` lists them in ``BENCHMARKS`` and runs the ones named on the command line.
Scratch output (corpora, generated trees, result JSON) goes under ``benchmarks/.work/``.
"""

from __future__ import annotations

from pathlib import Path

WORK_DIR = Path(__file__).resolve().parent / ".work"
REPO_ROOT = Path(__file__).resolve().parent.parent
