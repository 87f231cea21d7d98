"""``python -m benchmarks [NAME ...] [--n 200] [--runs 5]``: run the named benchmarks (all by default).

To add a benchmark, write a module with ``NAME``, ``DESCRIPTION``, an ``Options`` dataclass accepting
``n``, ``runs``, ``seed`` and ``strict``, and ``run(options) -> int``, then list it in ``BENCHMARKS``.
Modules are imported only when selected, so one benchmark's dependencies never slow another.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from benchmarks.corpus import DEFAULT_SEED

# name -> module; the order is the order of a full run.
BENCHMARKS: dict[str, str] = {
    "codegen": "benchmarks.codegen_speed",
    "breaking": "benchmarks.breaking_speed",
    "docs": "benchmarks.docs_speed",
    "ports": "benchmarks.ports_speed",
    "warehouse": "benchmarks.warehouse_speed",
}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n", 1)[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    parser.add_argument("--n", type=int, default=200, help="contracts in the generated corpus [200]")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool; the median counts [5]")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed [%(default)s]")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.n < 1 or args.runs < 1:
        parser.error("--n and --runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    status = 0
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        options = module.Options(n=args.n, runs=args.runs, seed=args.seed, strict=args.strict)
        print(f"== {name}: {module.DESCRIPTION}", file=sys.stderr)
        status = max(status, int(module.run(options)))
    return status


if __name__ == "__main__":
    sys.exit(main())
