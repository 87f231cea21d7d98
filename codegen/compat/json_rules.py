"""JSON Schema rules, after Confluent Schema Registry: the content model decides.

BACKWARD means every document valid under the previous schema is valid under the current one. So a
property removed from a *closed* object breaks (earlier documents carry it), a property added to an
*open* object may break (earlier documents may carry that name with another type: a warning), and
closing an open object breaks.
"""

from __future__ import annotations

from codegen import ir
from codegen.compat.checker import Check
from codegen.compat.pairing import pair_by
from codegen.compat.types import type_problems


def check_record(check: Check, old: ir.Record, new: ir.Record) -> None:
    fields = pair_by(old.fields, new.fields, lambda f: f.name)
    for a, b in fields.paired:
        where = b.location
        if b.required and not a.required and not b.has_default:
            check.report("REQUIRED_ADDED", where, f'property "{b.name}" of {new.id} is now required and has no default')
        for rule, message in type_problems(a.type, b.type):
            check.report(rule, where, f'property "{b.name}" of {new.id}: {message}')
    renamed = _rename_hint(fields.deleted, fields.added)
    for a in fields.deleted:
        hint = f' (renamed to "{renamed[a.name]}"?)' if a.name in renamed else ""
        if not new.open:
            message = f'property "{a.name}" removed from closed {new.id}: earlier documents with it are rejected{hint}'
            check.report("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", new.location, message)
        else:
            check.report_deleted("FIELD_NO_DELETE", a.location, f'property "{a.name}" deleted from {new.id}{hint}')
    for b in fields.added:
        if b.required and not b.has_default:
            message = f'required property "{b.name}" added to {new.id} without a default'
            check.report("REQUIRED_ADDED", b.location, message)
        elif old.open:
            message = (
                f'property "{b.name}" added to open {new.id}: earlier documents may carry "{b.name}" '
                "with another type (close the object, or accept this)"
            )
            check.report("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", b.location, message)
    if old.open and not new.open:
        message = f"{new.id} no longer allows additional properties: earlier documents carrying any are rejected"
        check.report("CONTENT_MODEL_CLOSED", new.location, message)


def _rename_hint(deleted: list[ir.Field], added: list[ir.Field]) -> dict[str, str]:
    """One property gone and one of the same type come: very likely a rename. Said, never assumed."""
    if len(deleted) == 1 and len(added) == 1 and deleted[0].type == added[0].type:
        return {deleted[0].name: added[0].name}
    return {}


def check_enum(check: Check, old: ir.Enum, new: ir.Enum) -> None:
    values = pair_by(old.values, new.values, lambda v: v.value)
    if values.deleted:
        lost = ", ".join(repr(v.value) for v in values.deleted)
        check.report("ENUM_NARROWED", new.location, f"enum {new.id} no longer accepts {lost}")
