"""Breaking-change detection speed: `contract-codegen breaking` over N contracts against a git ref, and one
contract pair against `buf breaking` on the same pair.

Targets (from the issue): N=200 against a git ref under 2 s (wall clock, subprocess, as a user sees it);
per pair, faster than buf. A MISS is reported, not hidden; ``strict`` turns a MISS into exit code 1.

Like with like: both tools get the same two directories and the same rule category (WIRE_JSON), each run is
a fresh process timed by wall clock, every command runs once untimed first (page cache, bytecode), and the
timed runs of the commands compared interleave, so that a busy machine slows them alike. Ours runs as the
installed ``contract-codegen`` script with its bytecode cached, as pip leaves an installed package: the
cache lives in a private PYTHONPYCACHEPREFIX under the work folder, so a PYTHONDONTWRITEBYTECODE in the
caller's environment does not make every timed run compile the compiler's source again.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from benchmarks import REPO_ROOT, WORK_DIR
from benchmarks.corpus import OPTIONS_ROOT, write_corpus

NAME = "breaking"
DESCRIPTION = "`breaking` over N contracts against a git ref; one pair against `buf breaking`"
PAIR_RUNS = 5  # at least this many timed runs per tool for the pair, whatever --runs says


class Opts(Protocol):
    @property
    def n(self) -> int: ...
    @property
    def runs(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def strict(self) -> bool: ...


@dataclass(frozen=True)
class Options:
    n: int = 200
    runs: int = 5
    seed: int = 20240601
    strict: bool = False


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args], cwd=repo, check=True)


def _ours() -> list[str]:
    """The console script a user runs, beside this interpreter; else the same entry point through -c."""
    script = Path(sys.executable).with_name("contract-codegen")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from codegen.cli import main; sys.exit(main())"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(WORK_DIR / "pycache")
    return env


def _run(cmd: list[str], cwd: Path, ok: tuple[int, ...]) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, env=_env())
    elapsed = time.perf_counter() - start
    if result.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:4])} exited {result.returncode}: {result.stderr[-2000:]}")
    return elapsed


def _medians(cmds: dict[str, tuple[list[str], tuple[int, ...]]], cwd: Path, runs: int) -> dict[str, float]:
    """Median wall time of each command (with the exit codes it must end with) over ``runs`` fresh processes,
    after one untimed run of each; the timed runs take turns (a, b, a, b, ...) so that load from elsewhere
    falls on all of them alike."""
    for cmd, ok in cmds.values():
        _run(cmd, cwd, ok)
    times: dict[str, list[float]] = {label: [] for label in cmds}
    for _ in range(runs):
        for label, (cmd, ok) in cmds.items():
            times[label].append(_run(cmd, cwd, ok))
    return {label: statistics.median(t) for label, t in times.items()}


def _repo(n: int, seed: int) -> Path:
    """The corpus committed in a git repository, then one field type changed in the working tree."""
    repo = WORK_DIR / "breaking" / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    corpus = write_corpus(WORK_DIR / "breaking" / "corpus", n, seed)
    shutil.copytree(corpus.proto_dir, repo / "proto")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "corpus")
    first = sorted((repo / "proto" / "bench").glob("*.proto"))[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("package bench.", "package benchnext.", 1), encoding="utf-8")
    return repo


def _buf_modules(repo: Path, name: str, first_only: bool) -> tuple[Path, Path]:
    """The corpus (or one contract and what it imports) as two buf modules: HEAD and the working tree."""
    pair = WORK_DIR / "breaking" / name
    shutil.rmtree(pair, ignore_errors=True)
    first = sorted((repo / "proto" / "bench").glob("*.proto"))[0]
    for side in ("previous", "current"):
        module = pair / side
        shutil.copytree(repo / "proto", module, ignore=shutil.ignore_patterns("*.proto"))
        for p in (repo / "proto").rglob("*.proto"):
            if not first_only or p.parent.name != "bench" or p == first or p.name == "shared.proto":
                (module / p.relative_to(repo / "proto")).write_bytes(p.read_bytes())
        shutil.copytree(OPTIONS_ROOT / "contract", module / "contract")
        (module / "buf.yaml").write_text("version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n")
    for p in (pair / "previous" / "bench").glob("*.proto"):
        head = subprocess.run(["git", "show", f"HEAD:proto/bench/{p.name}"], cwd=repo, capture_output=True, check=True)
        p.write_bytes(head.stdout)
    return pair / "previous", pair / "current"


def _versus_buf(ours: list[str], buf: str, modules: tuple[Path, Path], cwd: Path, runs: int) -> dict[str, float]:
    """Ours and buf on the same two module folders, WIRE_JSON, timed in turns."""
    previous, current = modules
    found = (100,)  # the corpus carries one breaking change on purpose
    return _medians(
        {
            "ours": ([*ours, "breaking", str(current), "--against", str(previous), "--category", "WIRE_JSON"], found),
            "buf": ([buf, "breaking", str(current), "--against", str(previous)], found),  # buf.yaml: WIRE_JSON
            "python": ([sys.executable, "-c", "pass"], (0,)),  # the interpreter's own start-up, for reference
        },
        cwd,
        runs,
    )


def _parts(modules: tuple[Path, Path], runs: int) -> None:
    """Where one pair's run spends its time (``startup_parts``), medians over fresh processes."""
    previous, current = modules
    cmd = [sys.executable, "-m", "benchmarks.startup_parts", str(current), str(previous)]
    samples: list[dict[str, float]] = []
    for _ in range(runs + 1):  # the first run fills the bytecode cache and is not counted
        out = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False, env=_env())
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("one pair, in process (medians; each import group counted after the ones above it):")
    for label in samples[0]:
        print(f"  {label:<76} {statistics.median(s[label] for s in samples[1:]):6.1f} ms")


def run(opts: Opts) -> int:
    repo = _repo(opts.n, opts.seed)
    ours = _ours()
    found = (100,)  # the corpus carries one breaking change on purpose
    whole = _medians({"ours": ([*ours, "breaking", "proto", "--against", "HEAD"], found)}, repo, opts.runs)["ours"]
    buf = shutil.which("buf") or str(REPO_ROOT / ".venv" / "bin" / "buf")
    pair = _versus_buf(ours, buf, _buf_modules(repo, "pair", first_only=True), repo, max(opts.runs, PAIR_RUNS))
    corpus = _versus_buf(ours, buf, _buf_modules(repo, "corpus", first_only=False), repo, opts.runs)
    pair_ours, pair_buf = pair["ours"], pair["buf"]
    goals = [
        (f"breaking, {opts.n} contracts vs git ref", whole, "< 2.00 s", whole < 2.0),
        ("breaking, one pair", pair_ours, f"< buf {pair_buf:.3f} s", pair_ours < pair_buf),
        ("buf breaking, one pair", pair_buf, "", True),
        (f"breaking, {opts.n} contracts, two folders", corpus["ours"], "", True),
        (f"buf breaking, {opts.n} contracts, two folders", corpus["buf"], "", True),
        ("python -c pass (start-up floor)", pair["python"], "", True),
    ]
    print(f"{'measurement':40} {'median':>8}  target")
    for label, seconds, target, met in goals:
        verdict = "" if not target else ("ok" if met else "MISS")
        print(f"{label:40} {seconds:7.3f}s  {target} {verdict}")
    print(f"{'one pair, ours / buf':40} {pair_ours / pair_buf:7.2f}x")
    print(f"{f'{opts.n} contracts, ours / buf':40} {corpus['ours'] / corpus['buf']:7.2f}x")
    _parts(_buf_modules(repo, "pair", first_only=True), max(opts.runs, PAIR_RUNS))
    missed = any(not met for *_, met in goals)
    return 1 if missed and opts.strict else 0


if __name__ == "__main__":
    sys.exit(run(Options(n=int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
