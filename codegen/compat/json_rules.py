"""JSON Schema rules, after Confluent Schema Registry: the content model decides.

BACKWARD means every document valid under the previous schema is valid under the current one. So a
property removed from a *closed* object breaks (earlier documents carry it), a property added to an
*open* object may break (earlier documents may carry that name with another type: a warning), and
closing an open object breaks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from codegen import ir
from codegen.compat.checker import Check
from codegen.compat.pairing import pair_by
from codegen.compat.types import type_problems

FieldCheck = Callable[[Check, ir.Record, ir.Field, ir.Field], None]


def check_types(check: Check, field_check: FieldCheck) -> None:
    """Every record and enum of the previous version against what stands in its place now.

    In JSON Schema a name is no part of the data: a definition renamed or moved, an inline object
    extracted into ``$defs``, a root whose title changed, all accept the same documents. So records pair
    by structure, walking from the roots through fields of both versions in step; what that leaves out
    pairs by name (a definition nothing uses); only what neither reaches counts as deleted.
    ``field_check`` runs on each pair of fields too (the metadata rules)."""
    old_records = {r.id: r for r in check.previous.records}
    new_records = {r.id: r for r in check.current.records}
    old_enums = {e.id: e for e in check.previous.enums}
    new_enums = {e.id: e for e in check.current.enums}
    record_pairs: dict[tuple[str, str], None] = {}  # insertion-ordered sets: findings come out stable
    enum_pairs: dict[tuple[str, str], None] = {}
    reached: set[str] = set()  # old ids paired
    queue: deque[tuple[str, str]] = deque()

    def visit(a: str, b: str) -> None:
        if (a, b) not in record_pairs and a in old_records and b in new_records:
            record_pairs[a, b] = None
            reached.add(a)
            queue.append((a, b))

    def walk() -> None:
        while queue:
            old_id, new_id = queue.popleft()
            old, new = old_records[old_id], new_records[new_id]
            check_record(check, old, new)
            for fa, fb in pair_by(old.fields, new.fields, lambda f: f.name).paired:
                field_check(check, new, fa, fb)
                for kind, x, y in _refs_in_step(fa.type, fb.type, old_records, new_records):
                    if kind == "record":
                        visit(x, y)
                    elif kind == "lost":
                        message = f'property "{fb.name}" of {new.id}: the union no longer accepts {x}{y}'
                        check.report("UNION_NARROWED", fb.location, message)
                    elif x in old_enums and y in new_enums:
                        enum_pairs[x, y] = None

    # Structure first, from the roots; then a record nothing reached pairs with its namesake.
    if check.previous.root and check.current.root:
        visit(check.previous.root, check.current.root)
    walk()
    for record_id in old_records:
        if record_id not in reached:
            visit(record_id, record_id)
            walk()
    for r in check.previous.records:
        if r.id not in reached:
            check.report_deleted("MESSAGE_NO_DELETE", r.location, f"record {r.id} deleted")
    old_paired = {a for a, _ in enum_pairs}
    for e in check.previous.enums:
        if e.id in new_enums and e.id not in old_paired:
            enum_pairs[e.id, e.id] = None
        elif e.id not in old_paired:
            check.report_deleted("ENUM_NO_DELETE", e.location, f"enum {e.id} deleted")
    for old_enum, new_enum in enum_pairs:
        check_enum(check, old_enums[old_enum], new_enums[new_enum])


Records = dict[str, ir.Record]


def _refs_in_step(
    old: ir.Type, new: ir.Type, old_records: Records, new_records: Records
) -> Iterator[tuple[str, str, str]]:
    """The records and enums that stand in the same place of two types: ("record" | "enum", old, new);
    and ("lost", old, how its documents are told apart) for a record variant the new union has no
    partner for, since its documents are rejected now."""
    old = old.inner if isinstance(old, ir.NullableType) else old
    new = new.inner if isinstance(new, ir.NullableType) else new
    if isinstance(old, ir.UnionType) != isinstance(new, ir.UnionType):  # a type became a union, or one remains
        old = old if isinstance(old, ir.UnionType) else ir.UnionType((old,))
        new = new if isinstance(new, ir.UnionType) else ir.UnionType((new,))
    match old, new:
        case ir.RecordType(ref=a), ir.RecordType(ref=b):
            yield "record", a, b
        case ir.EnumType(ref=a), ir.EnumType(ref=b):
            yield "enum", a, b
        case ir.ArrayType(items=a), ir.ArrayType(items=b):
            yield from _refs_in_step(a, b, old_records, new_records)
        case ir.MapType(value=a), ir.MapType(value=b):
            yield from _refs_in_step(a, b, old_records, new_records)
        case ir.TupleType(items=a), ir.TupleType(items=b) if len(a) == len(b):
            for x, y in zip(a, b, strict=True):
                yield from _refs_in_step(x, y, old_records, new_records)
        case ir.UnionType(variants=a, discriminator=tag_a), ir.UnionType(variants=b, discriminator=tag_b):
            # Records pair by the discriminator's value (the name is no part of the data), then by name,
            # then the one left on each side; enums by name, then the one left. The only array, map or
            # tuple of each side is compared in step in turn.
            tag = tag_a if tag_a == tag_b else None
            a, b = tuple(map(_non_null, a)), tuple(map(_non_null, b))
            xs = [v.ref for v in a if isinstance(v, ir.RecordType)]
            ys = [v.ref for v in b if isinstance(v, ir.RecordType)]
            pairs = _variant_pairs(xs, ys, tag, old_records, new_records)
            for old_ref, new_ref in pairs:
                yield "record", old_ref, new_ref
            paired = {old_ref for old_ref, _ in pairs}
            for lost in (x for x in xs if x not in paired):
                value = _tag_value(old_records.get(lost), tag_a) if tag_a is not None else None
                yield "lost", lost, "" if value is None else f" ({tag_a} {value!r})"
            xs = [v.ref for v in a if isinstance(v, ir.EnumType)]
            ys = [v.ref for v in b if isinstance(v, ir.EnumType)]
            for old_ref, new_ref in _variant_pairs(xs, ys, None, old_records, new_records):
                yield "enum", old_ref, new_ref
            for container in (ir.ArrayType, ir.MapType, ir.TupleType):
                olds = [v for v in a if isinstance(v, container)]
                news = [v for v in b if isinstance(v, container)]
                if len(olds) == len(news) == 1:
                    yield from _refs_in_step(olds[0], news[0], old_records, new_records)


def _non_null(t: ir.Type) -> ir.Type:
    """A variant that also admits null (``"type": ["object", "null"]``) stands for the same documents."""
    return t.inner if isinstance(t, ir.NullableType) else t


def _variant_pairs(
    xs: list[str], ys: list[str], tag: str | None, old_records: Records, new_records: Records
) -> list[tuple[str, str]]:
    """Variants of two unions that stand for the same data. In a discriminated union that is the
    variant carrying the same tag value, whatever its name; then the same name; then the one left."""
    pairs: list[tuple[str, str]] = []
    left_x, left_y = list(xs), list(ys)
    if tag is not None:
        by_value = {v: y for y in ys if (v := _tag_value(new_records.get(y), tag)) is not None}
        for x in xs:
            value = _tag_value(old_records.get(x), tag)
            y = by_value.get(value) if value is not None else None
            if y is not None and y in left_y:
                pairs.append((x, y))
                left_x.remove(x)
                left_y.remove(y)
    for x in list(left_x):
        if x in left_y:
            pairs.append((x, x))
            left_x.remove(x)
            left_y.remove(x)
    if len(left_x) == len(left_y) == 1:
        pairs.append((left_x[0], left_y[0]))
    return pairs


def _tag_value(record: ir.Record | None, tag: str) -> ir.JsonValue | None:
    """The constant a variant of a discriminated union carries in its ``tag`` property."""
    f = next((f for f in record.fields if f.name == tag), None) if record is not None else None
    return f.type.value if f is not None and isinstance(f.type, ir.LiteralType) else None


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
            check.report_deleted("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", a.location, message)
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
