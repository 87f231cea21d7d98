"""A real version history of public schemas (tests/compat/history): on every pair of consecutive releases,
`contract-codegen breaking --against <previous tag>` finds what `buf breaking` finds, file and rule, in
the WIRE, WIRE_JSON and FILE categories.

The files carry no contract metadata, so `breaking` compares them as plain schemas, file by file, as buf
does: this is the path a user takes when pointing the detector at an existing protobuf repository.
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

BUNDLE = Path(__file__).parent / "history" / "googleapis-common-protos.bundle"
CATEGORIES = ("WIRE", "WIRE_JSON", "FILE")
Found = set[tuple[str, str]]  # (file, rule)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("history") / "repo"
    subprocess.run(["git", "clone", "-q", str(BUNDLE), str(repo)], check=True, capture_output=True)
    return repo


def _tags() -> list[str]:
    heads = subprocess.run(["git", "bundle", "list-heads", str(BUNDLE)], check=True, capture_output=True, text=True)
    tags = [line.split("refs/tags/", 1)[1] for line in heads.stdout.splitlines() if "refs/tags/" in line]
    return sorted(tags, key=lambda t: tuple(int(x) for x in t.removeprefix("v").split(".")))


TAGS = _tags()
PAIRS = list(itertools.pairwise(TAGS))


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


def _ours(repo: Path, previous_tag: str, category: str) -> Found:
    args = ["breaking", ".", "--against", previous_tag, "--category", category, "--format", "json"]
    result = subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 100), result.stderr[-3000:]
    return {(json.loads(line)["path"], json.loads(line)["rule"]) for line in result.stdout.splitlines()}


@pytest.mark.skipif(buf_binary() is None, reason="the buf binary is missing (pip install buf-bin)")
@pytest.mark.parametrize(("previous", "current"), PAIRS, ids=[f"{a}..{b}" for a, b in PAIRS])
def test_same_findings_as_buf(history: Path, previous: str, current: str, tmp_path: Path) -> None:
    buf = buf_binary()
    assert buf is not None
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
    assert len(PAIRS) >= 20
    _git(history, "checkout", "-q", "v1.56.0")
    assert ("google/api/endpoint.proto", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED") in _ours(history, "v1.55.0", "WIRE")
    _git(history, "checkout", "-q", "v1.59.0")
    assert ("google/longrunning/operations.proto", "FILE_SAME_GO_PACKAGE") in _ours(history, "v1.58.0", "FILE")
    _git(history, "checkout", "-q", "v1.70.0")
    assert ("google/longrunning/operations.proto", "FILE_NO_DELETE") in _ours(history, "v1.66.0", "FILE")
