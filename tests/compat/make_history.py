"""Rebuilds the real version histories of public schemas under tests/compat/history/ (git bundles).

- ``googleapis-common-protos.bundle``: each release of the googleapis-common-protos package that ships its
  .proto files, one commit per release, tagged ``v<release>``.
- ``protobuf-wkt.bundle``: protobuf's own well-known types and descriptor.proto (``google/protobuf/*.proto``)
  as grpcio-tools bundled them, one commit per grpcio-tools release.
- ``schemastore.bundle``: six SchemaStore JSON Schemas (dependabot, GitHub workflows and actions, Drone CI,
  Travis CI, Woodpecker CI) as the check-jsonschema package vendored them, one commit per release.

Commit dates and authors are fixed, so a rebuild from the same releases gives the same commits. Needs the
package registry:

    python -m tests.compat.make_history
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent / "history"
# Every release from 1.53.0 on whose wheel carries the .proto files (1.67 to 1.69 shipped none).
PROTO_RELEASES = [
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
WKT_RELEASES = ["1.60.0", "1.62.0", "1.64.0", "1.66.0", "1.68.0", "1.70.0", "1.72.0", "1.75.0", "1.85.1"]
WKT_PREFIX = "grpc_tools/_proto/"
JSON_RELEASES = [
    "0.20.0",
    "0.22.0",
    "0.24.0",
    "0.26.0",
    "0.27.0",
    "0.28.0",
    "0.29.0",
    "0.30.0",
    "0.31.0",
    "0.32.0",
    "0.33.0",
    "0.34.0",
    "0.35.0",
    "0.36.0",
    "0.37.0",
    "0.38.0",
    "0.39.0",
]
# SchemaStore's own schemas (Apache-2.0), not those vendored under other licences.
JSON_SCHEMAS = ("dependabot", "github-workflows", "github-actions", "drone-ci", "travis", "woodpecker-ci")
VENDOR = "check_jsonschema/builtin_schemas/vendor/"
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


def _protos(wheel: zipfile.ZipFile) -> dict[str, bytes]:
    return {n: wheel.read(n) for n in wheel.namelist() if n.endswith(".proto")}


def _well_known(wheel: zipfile.ZipFile) -> dict[str, bytes]:
    return {
        n.removeprefix(WKT_PREFIX): wheel.read(n)
        for n in wheel.namelist()
        if n.startswith(WKT_PREFIX) and n.endswith(".proto")
    }


def _schemas(wheel: zipfile.ZipFile) -> dict[str, bytes]:
    names = set(wheel.namelist())
    return {f"{s}.json": wheel.read(f"{VENDOR}{s}.json") for s in JSON_SCHEMAS if f"{VENDOR}{s}.json" in names}


def build(package: str, releases: list[str], files: Callable[[zipfile.ZipFile], dict[str, bytes]], out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheels, repo = Path(tmp) / "wheels", Path(tmp) / "repo"
        repo.mkdir()
        _git(repo, "init", "-q", "-b", "main")
        for release in releases:
            pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
            subprocess.run([*pip, "-d", str(wheels), f"{package}=={release}"], check=True)
            wheel = next(wheels.glob(f"{package.replace('-', '_')}-{release}-*.whl"))
            with zipfile.ZipFile(wheel) as z:
                content = files(z)
            if not content:
                raise SystemExit(f"{package} {release} ships none of the files: drop it from the releases")
            for child in repo.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            for name, data in content.items():
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                (repo / name).write_bytes(data)
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "--allow-empty", "-m", f"{package} {release}")
            _git(repo, "tag", f"v{release}")
        HERE.mkdir(exist_ok=True)
        _git(repo, "bundle", "create", str(out.resolve()), "--all")
    print(f"wrote {out} ({out.stat().st_size} bytes, {len(releases)} releases)")


def main() -> None:
    build("googleapis-common-protos", PROTO_RELEASES, _protos, HERE / "googleapis-common-protos.bundle")
    build("grpcio-tools", WKT_RELEASES, _well_known, HERE / "protobuf-wkt.bundle")
    build("check-jsonschema", JSON_RELEASES, _schemas, HERE / "schemastore.bundle")


if __name__ == "__main__":
    main()
