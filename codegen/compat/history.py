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
            out.append(VersionChanges(before.version, after.version, notes + additions(before, after)))
        return out[::-1]

    return history


def additions(before: ir.Contract, after: ir.Contract) -> tuple[ChangeNote, ...]:
    """What ``after`` adds to ``before``: records, fields, enum values and ports. No rule reports an addition
    (it breaks nobody), but it is what a consumer upgrading wants to read first."""
    notes: list[ChangeNote] = []
    old_records = {r.id: r for r in before.records}
    for r in after.records:
        old = old_records.get(r.id)
        if old is None:
            notes.append(ChangeNote("", f"record {r.name} added", False, str(r.location)))
            continue
        had = {f.name for f in old.fields}
        for f in r.fields:
            if f.name not in had:
                kind = "required" if f.required else "optional"
                notes.append(ChangeNote("", f"{kind} field {f.name} added to {r.name}", False, str(f.location)))
    old_enums = {e.id: e for e in before.enums}
    for e in after.enums:
        old_enum = old_enums.get(e.id)
        had_values = set() if old_enum is None else {v.name for v in old_enum.values}
        for v in e.values:
            if old_enum is not None and v.name not in had_values:
                notes.append(ChangeNote("", f"value {v.name} added to enum {e.name}", False, str(v.location)))
    had_ports = {p.name for p in before.ports}
    for p in after.ports:
        if p.name not in had_ports:
            notes.append(ChangeNote("", f"port {p.name} added", False, str(p.location)))
    return tuple(notes)
