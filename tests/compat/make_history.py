"""Rebuilds tests/compat/history/googleapis-common-protos.bundle: a real version history of public schemas.

Each release of the googleapis-common-protos package that ships its .proto files becomes one commit, tagged
``v<release>``, in a git bundle (compact and offline; the test clones it). Commit dates and authors are
fixed, so a rebuild from the same releases gives the same commits. Needs the package registry:

    python -m tests.compat.make_history
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).parent / "history"
BUNDLE = HERE / "googleapis-common-protos.bundle"
PACKAGE = "googleapis-common-protos"
# Every release from 1.53.0 on whose wheel carries the .proto files (1.67 to 1.69 shipped none).
RELEASES = [
    "1.53.0",
    "1.54.0",
    "1.55.0",
    "1.56.0",
    "1.56.4",
    "1.57.0",
    "1.58.0",
    "1.59.0",
    "1.60.0",
    "1.61.0",
    "1.62.0",
    "1.63.0",
    "1.64.0",
    "1.65.0",
    "1.66.0",
    "1.70.0",
    "1.71.0",
    "1.72.0",
    "1.73.0",
    "1.74.0",
    "1.75.0",
    "1.76.0",
]
_ENV = {
    "GIT_AUTHOR_NAME": "history",
    "GIT_AUTHOR_EMAIL": "history@example.com",
    "GIT_COMMITTER_NAME": "history",
    "GIT_COMMITTER_EMAIL": "history@example.com",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, env={**os.environ, **_ENV}, capture_output=True)


def _protos(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith(".proto")}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheels, repo = Path(tmp) / "wheels", Path(tmp) / "repo"
        repo.mkdir()
        _git(repo, "init", "-q", "-b", "main")
        for release in RELEASES:
            pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
            subprocess.run([*pip, "-d", str(wheels), f"{PACKAGE}=={release}"], check=True)
            wheel = next(wheels.glob(f"googleapis_common_protos-{release}-*.whl"))
            files = _protos(wheel)
            if not files:
                raise SystemExit(f"{PACKAGE} {release} ships no .proto files: drop it from RELEASES")
            shutil.rmtree(repo / "google", ignore_errors=True)
            for name, data in files.items():
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                (repo / name).write_bytes(data)
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "--allow-empty", "-m", f"{PACKAGE} {release}")
            _git(repo, "tag", f"v{release}")
        HERE.mkdir(exist_ok=True)
        _git(repo, "bundle", "create", str(BUNDLE.resolve()), "--all")
    print(f"wrote {BUNDLE} ({BUNDLE.stat().st_size} bytes, {len(RELEASES)} releases)")


if __name__ == "__main__":
    main()
