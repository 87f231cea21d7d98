"""Code-generation speed: contract-codegen beside datamodel-codegen and protoc, on the same corpus.

Every tool runs as a subprocess (wall clock includes interpreter start-up, as a user sees it), K times
round-robin so machine noise spreads evenly, each run into a fresh output folder; the median counts.
The no-op rerun generates the JSON Schema corpus into an existing, up-to-date output folder.

Targets (from the issue): datamodel-codegen / ours-json >= 10x, ours-proto / protoc <= 3x, no-op rerun
< 0.5 s. A MISS is reported, not hidden; ``--strict`` turns a MISS into exit code 1.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from benchmarks import REPO_ROOT, WORK_DIR
from benchmarks.corpus import DEFAULT_SEED, Corpus, check_corpus, protoc_command, write_corpus

NAME = "codegen"
DESCRIPTION = "generate over N contracts vs datamodel-codegen (JSON Schema) and protoc --python_out (proto)"
RESULTS_FILE = WORK_DIR / "results-codegen.json"

JSON_RATIO_TARGET = 10.0  # datamodel-codegen seconds / ours-json seconds, at least
PROTO_RATIO_TARGET = 3.0  # ours-proto seconds / protoc seconds, at most
NOOP_TARGET_S = 0.5  # no-op rerun, below


@dataclass(frozen=True)
class Options:
    n: int = 200
    runs: int = 5
    seed: int = DEFAULT_SEED
    strict: bool = False


@dataclass(frozen=True)
class Tool:
    key: str
    label: str
    argv: Callable[[Path], list[str]]  # output folder -> command line
    fresh: bool = True  # False: every run reuses one folder that an earlier full run filled
    make_dir: bool = False  # protoc writes into an existing folder only


@dataclass
class Timing:
    key: str
    label: str
    command: list[str]
    seconds: list[float] = field(default_factory=list)
    files: int = 0  # files in the last run's output, to show the run produced something
    error: str | None = None
    discarded: int = 0  # no-op reruns that rewrote their output (e.g. the compiler's source changed mid-run)

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds and self.error is None else None


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None
    goal: str
    status: str  # PASS | MISS | ERROR


def _venv_script(name: str) -> str:
    """A console script installed beside the running interpreter (the project's virtualenv)."""
    script = Path(sys.executable).parent / name
    return str(script) if script.exists() else name


def _ours_env() -> dict[str, str]:
    """The compiler runs from this checkout even when it is not installed into the virtualenv."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def tools(corpus: Corpus) -> list[Tool]:
    json_dir, proto_dir = str(corpus.jsonschema_dir), str(corpus.proto_dir)
    # --no-lock: the typed-model output alone, as the peers produce it (no version check against a lock file)
    ours = [sys.executable, "-m", "codegen", "generate", "--no-lock"]

    def ours_json(out: Path) -> list[str]:
        return [*ours, json_dir, "-o", str(out), "--emit", "python"]

    def ours_proto(out: Path) -> list[str]:
        return [*ours, proto_dir, "-o", str(out), "--emit", "python", "--proto-path", proto_dir]

    return [
        Tool(
            "datamodel-codegen",
            "datamodel-codegen (JSON Schema, pydantic v2)",
            lambda out: [
                _venv_script("datamodel-codegen"),
                *("--input", json_dir, "--input-file-type", "jsonschema", "--output", str(out)),
                *("--output-model-type", "pydantic_v2.BaseModel"),
            ],
        ),
        Tool(
            "protoc",
            "protoc --python_out (proto)",
            lambda out: protoc_command(corpus, f"--python_out={out}"),
            make_dir=True,
        ),
        Tool("ours-json", "contract-codegen (JSON Schema)", ours_json),
        Tool("ours-proto", "contract-codegen (proto)", ours_proto),
        Tool("ours-noop", "contract-codegen no-op rerun (JSON Schema)", ours_json, fresh=False),
        # Not a target of the issue; shown because the proto frontend pays for protoc even when nothing changed.
        Tool("ours-proto-noop", "contract-codegen no-op rerun (proto)", ours_proto, fresh=False),
    ]


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Inode and mtime of every output file: a true no-op rerun leaves both alone."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _run_once(tool: Tool, out: Path, cwd: Path) -> tuple[float, str | None]:
    argv = tool.argv(out)
    env = _ours_env() if tool.key.startswith("ours") else None
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-12:]
        return elapsed, f"exit {result.returncode}: " + "\n".join(tail)
    return elapsed, None


def _output_dir(root: Path, tool: Tool, run: int) -> Path:
    return root / tool.key / (f"run-{run}" if tool.fresh else "noop")


def _prepare(tool: Tool, out: Path, cwd: Path, timing: Timing) -> None:
    """A fresh folder for a timed run; for the no-op tool, one untimed full run first."""
    if tool.fresh:
        shutil.rmtree(out, ignore_errors=True)
        (out if tool.make_dir else out.parent).mkdir(parents=True, exist_ok=True)
    elif not out.exists():
        _, error = _run_once(tool, out, cwd)
        timing.error = error and f"initial full run failed: {error}"


def measure(corpus: Corpus, runs: int, out_root: Path) -> list[Timing]:
    shutil.rmtree(out_root, ignore_errors=True)
    selected = tools(corpus)
    timings = {t.key: Timing(t.key, t.label, t.argv(out_root / t.key / "OUT")) for t in selected}
    for run in range(runs):
        for tool in selected:
            timing = timings[tool.key]
            if timing.error is not None:
                continue  # a tool that failed once is not timed again: its numbers would mean nothing
            out = _output_dir(out_root, tool, run)
            _prepare(tool, out, corpus.root, timing)
            if timing.error is not None:
                continue
            before = None if tool.fresh else _snapshot(out)
            seconds, timing.error = _run_once(tool, out, corpus.root)
            if timing.error is None and before is not None and _snapshot(out) != before:
                timing.discarded += 1  # not a no-op: its time is not counted, the next rerun may be one
                print(f"  run {run + 1}/{runs} {tool.key:18} rewrote its output; not counted", file=sys.stderr)
                continue
            timing.seconds.append(seconds)
            timing.files = _count_files(out)
            if timing.error is None and timing.files == 0:
                timing.error = "exit 0 but no output files"
            print(f"  run {run + 1}/{runs} {tool.key:18} {seconds:7.3f} s", file=sys.stderr)
    for timing in timings.values():
        if timing.error is None and not timing.seconds:
            timing.error = f"every one of {timing.discarded} reruns rewrote its output: never a no-op"
    return list(timings.values())


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def targets(by_key: dict[str, Timing]) -> list[Target]:
    def median(key: str) -> float | None:
        return by_key[key].median

    json_ratio = _ratio(median("datamodel-codegen"), median("ours-json"))
    proto_ratio = _ratio(median("ours-proto"), median("protoc"))
    noop = median("ours-noop")

    def status(value: float | None, ok: Callable[[float], bool]) -> str:
        return "ERROR" if value is None else ("PASS" if ok(value) else "MISS")

    return [
        Target(
            "datamodel-codegen / ours-json",
            json_ratio,
            f">= {JSON_RATIO_TARGET:g}x",
            status(json_ratio, lambda v: v >= JSON_RATIO_TARGET),
        ),
        Target(
            "ours-proto / protoc",
            proto_ratio,
            f"<= {PROTO_RATIO_TARGET:g}x",
            status(proto_ratio, lambda v: v <= PROTO_RATIO_TARGET),
        ),
        Target("no-op rerun (s)", noop, f"< {NOOP_TARGET_S:g} s", status(noop, lambda v: v < NOOP_TARGET_S)),
    ]


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def table(timings: list[Timing], goals: list[Target], n: int) -> str:
    lines = [
        f"{'tool':46} {'median s':>9} {'ms/contract':>12} {'files':>6}  runs (s)",
        "-" * 100,
    ]
    for t in timings:
        per = None if t.median is None else t.median * 1000 / n
        runs = " ".join(f"{s:.3f}" for s in t.seconds)
        lines.append(f"{t.label:46} {_fmt(t.median):>9} {_fmt(per, 1):>12} {t.files:>6}  {runs}")
    lines += ["", f"{'target':32} {'value':>9} {'goal':>10}  status", "-" * 62]
    for g in goals:
        lines.append(f"{g.name:32} {_fmt(g.value, 2):>9} {g.goal:>10}  {g.status}")
    for t in timings:
        if t.discarded and t.seconds:
            lines += ["", f"{t.key}: {t.discarded} rerun(s) rewrote the output and were not counted"]
    errors = [t for t in timings if t.error]
    for t in errors:
        lines += ["", f"{t.key} failed:", *("  " + line for line in t.error.splitlines())]  # type: ignore[union-attr]
    return "\n".join(lines)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, object]:
    from codegen import __version__ as ours_version  # the checkout's own version, installed or not

    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "versions": {
            "contract-codegen": ours_version,
            "datamodel-code-generator": _version("datamodel-code-generator"),
            "grpcio-tools": _version("grpcio-tools"),
            "protobuf": _version("protobuf"),
            "black": _version("black"),
        },
    }


def write_results(path: Path, opts: Options, timings: list[Timing], goals: list[Target]) -> None:
    doc = {
        "benchmark": NAME,
        "contracts": opts.n,
        "runs": opts.runs,
        "seed": opts.seed,
        **environment(),
        "tools": [
            {**asdict(t), "median": t.median, "ms_per_contract": None if t.median is None else t.median * 1000 / opts.n}
            for t in timings
        ],
        "targets": [asdict(g) for g in goals],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def run(opts: Options) -> int:
    corpus_root = WORK_DIR / "corpus"
    corpus = write_corpus(corpus_root, opts.n, opts.seed)
    problems = check_corpus(corpus)
    if problems:
        print("the benchmark corpus is invalid:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"codegen: {opts.n} contracts, {opts.runs} runs per tool, corpus in {corpus_root}", file=sys.stderr)
    timings = measure(corpus, opts.runs, WORK_DIR / "out")
    goals = targets({t.key: t for t in timings})
    print(table(timings, goals, opts.n))
    write_results(RESULTS_FILE, opts, timings, goals)
    print(f"\nresults: {RESULTS_FILE}")
    if any(t.error for t in timings) or any(g.status == "ERROR" for g in goals):
        return 1
    return 1 if opts.strict and any(g.status == "MISS" for g in goals) else 0
