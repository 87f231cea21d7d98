"""Per-rule fixtures: previous/current folders with the expected findings (file, line, column, rule),
and `buf breaking` as the oracle for the WIRE, WIRE_JSON, FILE and PACKAGE verdicts and rules on every protobuf pair."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from codegen.compat import Category, check
from tests.compat.conftest import FIXTURES, REPO, buf_binary, buf_rule_ids, compile_dir

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "previous").is_dir())
PROTO_CASES = [c for c in CASES if (FIXTURES / c / "previous" / "fx.proto").exists()]
ALL = list(Category)

# Where we disagree with buf on purpose, and why.
EXTENSION_IN_PACKAGE = (
    "buf (v1.75) reports no PACKAGE_EXTENSION_NO_DELETE for a deleted extension, though its documentation gives "
    "the rule EXTENSION_NO_DELETE's effect within a package; we follow the documentation"
)
DIFFERS_FROM_BUF: dict[tuple[str, Category], str] = {
    ("field_renumbered_old_reserved", Category.WIRE): (
        "buf pairs fields by number only: with the old number reserved it sees an allowed deletion and a new "
        "field. We report the renumbering (FIELD_SAME_NUMBER): data written under the old number is silently "
        "dropped by new readers, so the field's values are lost even though parsing succeeds."
    ),
    ("plain_extension_deleted", Category.PACKAGE): EXTENSION_IN_PACKAGE,
}


# Where we report other rules than buf for the same verdict, on purpose, and why.
RULES_DIFFER: dict[str | tuple[str, Category], str] = {
    ("plain_proto2_to_proto3", Category.PACKAGE): EXTENSION_IN_PACKAGE,
    "field_renumbered": (
        "a field that keeps its name under a new number is reported once as renumbered (FIELD_SAME_NUMBER), "
        "where buf sees the old field deleted"
    ),
    "field_renumbered_old_reserved": "as field_renumbered",
    "editions_legacy_required": (
        "buf's MESSAGE_SAME_REQUIRED_FIELDS reads the `required` label, which editions spell as a feature "
        "(LEGACY_REQUIRED): a field that becomes required breaks old writers either way, so we report it"
    ),
    "plain_map_to_repeated": (
        "a map's entry message (Thing.CountsEntry) is synthetic: no code or data names it, so its going is no "
        "MESSAGE_NO_DELETE; the field's new cardinality and type say what changed"
    ),
    "type_enum_to_int32": (
        "the enum no longer used by the contract leaves it (ENUM_NO_DELETE): its generated class is gone; buf "
        "compares files, where the enum is still declared"
    ),
}


def _findings(case: str, chdir: Callable[[Path], None]) -> list[str]:
    chdir(FIXTURES / case)
    previous, current = compile_dir(Path("previous")), compile_dir(Path("current"))
    return [f"{f.location}: {f.rule}" for f in check(previous, current, categories=ALL)]


@pytest.mark.parametrize("case", CASES)
def test_expected_findings(case: str, in_dir: Callable[[Path], None]) -> None:
    got = _findings(case, in_dir)
    expected_file = FIXTURES / case / "expected.txt"
    if os.environ.get("UPDATE_COMPAT_EXPECTED"):
        expected_file.write_text("".join(f"{line}\n" for line in got), encoding="utf-8")
    assert got == expected_file.read_text(encoding="utf-8").splitlines()


def _our_rules(case: str, category: Category, chdir: Callable[[Path], None]) -> set[str]:
    chdir(FIXTURES / case)
    previous, current = compile_dir(Path("previous")), compile_dir(Path("current"))
    return {f.rule for f in check(previous, current, categories=[category]) if f.is_error}


def _buf_rules(buf: str, case: str, category: Category, tmp: Path) -> tuple[set[str], str]:
    for side in ("previous", "current"):
        module = tmp / side
        shutil.copytree(FIXTURES / case / side, module)
        shutil.copytree(REPO / "codegen" / "proto" / "contract", module / "contract")
        (module / "buf.yaml").write_text(f"version: v2\nbreaking:\n  use:\n    - {category.value}\n")
    result = subprocess.run(
        [buf, "breaking", str(tmp / "current"), "--against", str(tmp / "previous"), "--error-format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 100), result.stderr
    return {json.loads(line)["type"] for line in result.stdout.splitlines()}, result.stdout


@pytest.mark.skipif(buf_binary() is None, reason="the buf binary is missing (pip install buf-bin)")
@pytest.mark.parametrize("category", [Category.WIRE, Category.WIRE_JSON, Category.FILE, Category.PACKAGE])
@pytest.mark.parametrize("case", PROTO_CASES)
def test_agrees_with_buf(case: str, category: Category, tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    """Same verdict as buf, and the same rules broken, among the rules buf has."""
    buf = buf_binary()
    assert buf is not None
    theirs, output = _buf_rules(buf, case, category, tmp_path)
    ours = _our_rules(case, category, in_dir)
    if (case, category) in DIFFERS_FROM_BUF:
        assert ours and not theirs, DIFFERS_FROM_BUF[case, category]
    else:
        assert bool(ours) == bool(theirs), f"buf says breaking={bool(theirs)}:\n{output}"
        if case not in RULES_DIFFER and (case, category) not in RULES_DIFFER:
            assert ours & buf_rule_ids(buf) == theirs, f"ours: {sorted(ours)}\nbuf:\n{output}"
