"""The differential run against `buf breaking` (tests/compat/proto_fuzz.py), a few seeded batches: random
.proto files changed at random must get the same WIRE, WIRE_JSON, FILE and PACKAGE findings, file and rule,
from both tools, but for the differences made on purpose (``proto_fuzz.excused``)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from codegen.compat import proto_rules
from tests.compat import proto_fuzz
from tests.compat.conftest import buf_binary, buf_rule_ids

pytestmark = pytest.mark.skipif(buf_binary() is None, reason="the buf binary is missing (pip install buf-bin)")

SEEDS = [1, 2, 3, 4]
FILES = 40


@pytest.fixture(scope="module")
def buf() -> str:
    found = buf_binary()
    assert found is not None
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_same_findings_as_buf(buf: str, seed: int) -> None:
    disagreements = proto_fuzz.run_batch(buf, seed, FILES, buf_rule_ids(buf))
    assert not disagreements, "\n".join(d.show() for d in disagreements[:3])


def test_batches_hold_breaking_changes(buf: str, tmp_path: Path) -> None:
    """Agreement means something only if buf finds breaking changes in the batches: most pairs break."""
    proto_fuzz.run_batch(buf, SEEDS[0], FILES, buf_rule_ids(buf), keep=tmp_path)
    found = proto_fuzz.buf_findings(buf, tmp_path / str(SEEDS[0]), "FILE")
    broken = {path.split("/")[0] for path, _, _ in found}
    assert len(broken) >= FILES // 2, sorted(broken)


def test_a_wrong_verdict_is_caught(buf: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: with field deletions no longer reported, the same batch disagrees."""
    monkeypatch.setattr(proto_rules, "_deleted_field", lambda check, a, new: None)
    disagreements = proto_fuzz.run_batch(buf, SEEDS[0], FILES, buf_rule_ids(buf))
    assert any("FIELD_NO_DELETE" in d.only_buf for d in disagreements)


def test_every_mutation_applies() -> None:
    """Each kind of change is drawn and applied somewhere in a few hundred files (none is dead code)."""
    rng = random.Random(7)
    drawer = proto_fuzz.Drawer(rng)
    applied: set[str] = set()
    for index in range(300):
        base = drawer.file(index)
        for name, mutate in proto_fuzz.MUTATIONS.items():
            changed = copy.deepcopy(base)
            if mutate(changed, rng, drawer):
                applied.add(name)
    assert applied == set(proto_fuzz.MUTATIONS)
