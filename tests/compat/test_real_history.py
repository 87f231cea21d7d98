"""Real version histories of public schemas (tests/compat/history), compared release by release with
`contract-codegen breaking . --against <previous tag>`, the way a user points the detector at an existing
repository. The files carry no contract metadata, so they are compared as plain schemas.

- protobuf (Google's common API protos, 22 releases; protobuf's own descriptor.proto and well-known types
  as 9 grpcio-tools releases bundled them): the same findings as `buf breaking`, file and rule, in the
  WIRE, WIRE_JSON, FILE and PACKAGE categories, on every pair of consecutive releases.
- JSON Schema (six SchemaStore schemas, 17 releases): no oracle exists, so every pair must compare
  (no contract error), every finding must be placed in a file of that release, known real changes must be
  found, and pairs that only add or refactor must stay clean.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compat.conftest import buf_binary

HISTORY = Path(__file__).parent / "history"
PROTO_BUNDLES = {
    "googleapis": HISTORY / "googleapis-common-protos.bundle",
    "protobuf-wkt": HISTORY / "protobuf-wkt.bundle",
}
SCHEMASTORE = HISTORY / "schemastore.bundle"
CATEGORIES = ("WIRE", "WIRE_JSON", "FILE", "PACKAGE")
Found = set[tuple[str, str]]  # (file, rule)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _clone(bundle: Path, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(bundle), str(where)], check=True, capture_output=True)
    return where


@pytest.fixture(scope="module")
def proto_histories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: _clone(bundle, tmp_path_factory.mktemp(name) / "repo") for name, bundle in PROTO_BUNDLES.items()}


@pytest.fixture(scope="module")
def history(proto_histories: dict[str, Path]) -> Path:
    return proto_histories["googleapis"]


@pytest.fixture(scope="module")
def schemastore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clone(SCHEMASTORE, tmp_path_factory.mktemp("schemastore") / "repo")


def _tags(bundle: Path) -> list[str]:
    heads = subprocess.run(["git", "bundle", "list-heads", str(bundle)], check=True, capture_output=True, text=True)
    tags = [line.split("refs/tags/", 1)[1] for line in heads.stdout.splitlines() if "refs/tags/" in line]
    return sorted(tags, key=lambda t: tuple(int(x) for x in t.removeprefix("v").split(".")))


PAIRS = [(name, a, b) for name, bundle in PROTO_BUNDLES.items() for a, b in itertools.pairwise(_tags(bundle))]
JSON_PAIRS = list(itertools.pairwise(_tags(SCHEMASTORE)))


def _export(repo: Path, tag: str, dest: Path, category: str) -> None:
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", tag], cwd=repo, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    (dest / "buf.yaml").write_text(f"version: v2\nbreaking:\n  use:\n    - {category}\n")


def _buf(buf: str, where: Path) -> Found:
    """buf on ``where``/current against ``where``/previous; paths come back as ``current/<file>``."""
    result = subprocess.run(
        [buf, "breaking", "current", "--against", "previous", "--error-format", "json"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 100), result.stderr
    found: Found = set()
    for line in result.stdout.splitlines():
        item = json.loads(line)
        if "path" in item:
            found.add((item["path"].removeprefix("current/"), item["type"]))
        else:  # a deleted file has no place in the current version: buf names it in the message
            match = re.search(r'file "([^"]+)" was deleted', item["message"])
            assert match, item
            found.add((match.group(1), item["type"]))
    return found


def _run_ours(repo: Path, previous_tag: str, *options: str) -> list[dict[str, object]]:
    """Findings as JSON objects; any exit but 0 (clean) or 100 (breaking) fails, contract errors included."""
    args = ["breaking", ".", "--against", previous_tag, "--format", "json", *options]
    result = subprocess.run([sys.executable, "-m", "codegen", *args], cwd=repo, capture_output=True, text=True)
    assert result.returncode in (0, 100), result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def _ours(repo: Path, previous_tag: str, category: str) -> Found:
    return {(str(f["path"]), str(f["rule"])) for f in _run_ours(repo, previous_tag, "--category", category)}


@pytest.mark.skipif(buf_binary() is None, reason="the buf binary is missing (pip install buf-bin)")
@pytest.mark.parametrize(("name", "previous", "current"), PAIRS, ids=[f"{n}:{a}..{b}" for n, a, b in PAIRS])
def test_same_findings_as_buf(
    proto_histories: dict[str, Path], name: str, previous: str, current: str, tmp_path: Path
) -> None:
    buf = buf_binary()
    assert buf is not None
    history = proto_histories[name]
    _git(history, "checkout", "-q", current)
    for category in CATEGORIES:
        _export(history, previous, tmp_path / category / "previous", category)
        _export(history, current, tmp_path / category / "current", category)
        theirs = _buf(buf, tmp_path / category)
        ours = _ours(history, previous, category)
        assert ours == theirs, f"{category}: only ours {sorted(ours - theirs)}; only buf {sorted(theirs - ours)}"


def test_history_exercises_the_detector(history: Path) -> None:
    """The agreement above means something only if the history holds breaking changes: it does, in WIRE
    (a field deleted from google.api.Endpoint) and in FILE (a go_package changed, a file renamed)."""
    assert len([p for p in PAIRS if p[0] == "googleapis"]) >= 20
    _git(history, "checkout", "-q", "v1.56.0")
    assert ("google/api/endpoint.proto", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED") in _ours(history, "v1.55.0", "WIRE")
    _git(history, "checkout", "-q", "v1.59.0")
    assert ("google/longrunning/operations.proto", "FILE_SAME_GO_PACKAGE") in _ours(history, "v1.58.0", "FILE")
    _git(history, "checkout", "-q", "v1.70.0")
    assert ("google/longrunning/operations.proto", "FILE_NO_DELETE") in _ours(history, "v1.66.0", "FILE")


# -- JSON Schema ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("previous", "current"), JSON_PAIRS, ids=[f"{a}..{b}" for a, b in JSON_PAIRS])
def test_every_json_release_compares(schemastore: Path, previous: str, current: str) -> None:
    _git(schemastore, "checkout", "-q", current)
    for finding in _run_ours(schemastore, previous, "--category", "WIRE_JSON", "--category", "FILE"):
        path, line = str(finding["path"]), finding["line"]
        assert isinstance(line, int) and line >= 1, finding
        shown = _git(schemastore, "show", f"{previous if finding['in_previous'] else current}:{path}")
        assert len(shown.splitlines()) >= line, finding


def _json_findings(repo: Path, previous: str, current: str) -> set[tuple[str, str, str]]:
    _git(repo, "checkout", "-q", current)
    return {(str(f["path"]), str(f["rule"]), str(f["message"])) for f in _run_ours(repo, previous)}


def test_json_history_finds_real_changes(schemastore: Path) -> None:
    """Changes made upstream, read off the diffs: Dependabot dropped ``reviewers`` from a closed object,
    and Woodpecker narrowed a Kubernetes secret's ``target`` from anything to two object shapes."""
    found = _json_findings(schemastore, "v0.33.0", "v0.34.0")
    assert any(
        path == "dependabot.json" and rule == "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL" and '"reviewers"' in message
        for path, rule, message in found
    ), found
    found = _json_findings(schemastore, "v0.31.0", "v0.32.0")
    assert any(
        path == "woodpecker-ci.json" and rule == "TYPE_NARROWED" and '"target"' in message
        for path, rule, message in found
    ), found


@pytest.mark.parametrize(
    ("previous", "current"),
    [
        ("v0.24.0", "v0.26.0"),  # 852 lines added across five schemas: new properties and definitions
        ("v0.26.0", "v0.27.0"),  # github-workflows: the inline `matrix` moved into definitions, and loosened
        ("v0.35.0", "v0.36.0"),  # 155 lines added to one schema
    ],
)
def test_json_additions_and_refactors_are_not_breaking(schemastore: Path, previous: str, current: str) -> None:
    assert _git(schemastore, "diff", "--shortstat", previous, current).strip()  # something did change
    assert _json_findings(schemastore, previous, current) == set()
