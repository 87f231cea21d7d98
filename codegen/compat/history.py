"""A contract's changelog for the docs: each version compared with the one before, by the detector."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from codegen import ir
from codegen.compat.backward import check_contract
from codegen.compat.lockfile import contracts_by_name
from codegen.compat.versions_order import version_key
from codegen.emitters.docs_model import ChangeNote, History, VersionChanges


def history_from(locked: Sequence[ir.Contract]) -> History:
    """The docs' History over the versions a lock file records (newest comparison first)."""
    by_name = contracts_by_name(locked)

    def history(current: ir.Contract) -> list[VersionChanges] | None:
        earlier = sorted(
            (v for v in by_name.get(current.name, []) if version_key(v.version) < version_key(current.version)),
            key=lambda v: version_key(v.version),
        )
        if not earlier:
            return None
        chain = [*earlier, current]
        out = []
        for before, after in itertools.pairwise(chain):
            findings = check_contract([before], after, ir.Compatibility.BACKWARD)
            notes = tuple(ChangeNote(f.rule, f.message, f.is_error, str(f.location)) for f in findings)
            out.append(VersionChanges(before.version, after.version, notes))
        return out[::-1]

    return history
