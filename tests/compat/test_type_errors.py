"""The promise behind breaking-change detection: consumer code written against v1 of a contract stops
type-checking (mypy --strict) when v2 breaks it, at the consumer's use site. And what the type system
cannot catch (a tightened constraint) the detector reports."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codegen.compat import check
from tests.compat.conftest import compile_dir

pytestmark = pytest.mark.slow

V1: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Member",
    "type": "object",
    "x-contract": {"name": "members", "version": "1.0.0", "owner": {"team": "crm"}},
    "properties": {
        "id": {"type": "string"},
        "age": {"type": "integer"},
        "nick": {"type": "string", "maxLength": 20},
        "tier": {"type": "string", "enum": ["gold", "silver", "bronze"]},
    },
    "required": ["id", "age", "nick", "tier"],
    "additionalProperties": False,
}

CONSUMER = """\
from pkg.members import Member, MemberTier


def use(m: Member) -> int:
    total = m.age + 1
    size = len(m.id)
    nick: str = m.nick
    tier = MemberTier.BRONZE
    return total + size + len(nick) + len(tier.value)
"""
LINE = {"age": 5, "id": 6, "nick": 7, "tier": 8}


def _v2(change: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(V1))
    props, required = doc["properties"], doc["required"]
    if change == "removed":
        del props["nick"]
        required.remove("nick")
    elif change == "renamed":
        props["nickname"] = props.pop("nick")
        required[required.index("nick")] = "nickname"
    elif change == "retyped":
        props["age"] = {"type": "string"}
    elif change == "made_optional":
        required.remove("id")
    elif change == "enum_value_removed":
        props["tier"]["enum"] = ["gold", "silver"]
    elif change == "max_length_lowered":
        props["nick"]["maxLength"] = 10
    return doc


def _generate(schema: dict[str, Any], root: Path) -> list[Any]:
    from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
    from codegen.formatting import format_python

    src = root / "schema"
    src.mkdir(parents=True)
    (src / "members.schema.json").write_text(json.dumps(schema, indent=2), encoding="utf-8")
    contracts = compile_dir(src)
    for f in format_python(PythonModelsEmitter().generate(contracts, PythonOptions(package="pkg"))):
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
    (root / "python" / "consumer.py").write_text(CONSUMER, encoding="utf-8")
    return contracts


def _mypy(root: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-error-summary", "consumer.py"],
        capture_output=True,
        text=True,
        cwd=root / "python",
        check=False,
    )
    return [line for line in result.stdout.splitlines() if ": error:" in line]


CAUGHT = {"removed": "nick", "renamed": "nick", "retyped": "age", "made_optional": "id", "enum_value_removed": "tier"}
DETECTED = {
    "removed": "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "renamed": "REQUIRED_ADDED",
    "retyped": "TYPE_CHANGED",
    "made_optional": None,  # readers of old data are fine: every old document has it (consumers' types are not)
    "enum_value_removed": "ENUM_NARROWED",
}


def test_v1_consumer_type_checks(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    in_dir(tmp_path)
    _generate(V1, tmp_path / "v1")
    assert _mypy(tmp_path / "v1") == []


@pytest.mark.parametrize("change", sorted(CAUGHT))
def test_breaking_change_is_a_type_error_at_the_use_site(
    change: str, tmp_path: Path, in_dir: Callable[[Path], None]
) -> None:
    in_dir(tmp_path)
    v1 = _generate(V1, tmp_path / "v1")
    v2 = _generate(_v2(change), tmp_path / "v2")
    errors = _mypy(tmp_path / "v2")
    assert any(line.startswith(f"consumer.py:{LINE[CAUGHT[change]]}:") for line in errors), errors
    rules = {f.rule for f in check(v1, v2)}
    if DETECTED[change] is not None:
        assert DETECTED[change] in rules, rules


def test_tightened_constraint_type_checks_but_is_detected(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    in_dir(tmp_path)
    v1 = _generate(V1, tmp_path / "v1")
    v2 = _generate(_v2("max_length_lowered"), tmp_path / "v2")
    assert _mypy(tmp_path / "v2") == []  # a str is a str: the type system cannot see maxLength 20 -> 10
    (finding,) = check(v1, v2)
    assert finding.rule == "CONSTRAINT_TIGHTENED" and "maxLength lowered from 20 to 10" in finding.message
