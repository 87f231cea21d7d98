"""Protobuf rules, after buf's WIRE, WIRE_JSON and FILE categories, on the IR's protobuf facts.

Fields pair by number, as on the wire. Unlike buf, a field whose number is gone but whose name lives on
under another number is reported once as renumbered (FIELD_SAME_NUMBER), and a field whose name changed
under the same number as renamed (FIELD_SAME_NAME names both), not only as a deletion.
"""

from __future__ import annotations

from codegen import ir
from codegen.compat import proto_file_rules
from codegen.compat.checker import Check
from codegen.compat.pairing import in_ranges, pair_by
from codegen.compat.types import VALUE_RULES, type_problems
from codegen.diagnostics import Location

# Binary wire groups, as `buf breaking` (v1.75) judges them; string -> bytes is allowed one way only.
WIRE_GROUPS = (
    frozenset({"int32", "int64", "uint32", "uint64", "bool"}),
    frozenset({"sint32", "sint64"}),
    frozenset({"fixed32", "sfixed32"}),
    frozenset({"fixed64", "sfixed64"}),
)
WIRE_JSON_GROUPS = (
    frozenset({"int32", "uint32"}),
    frozenset({"int64", "uint64"}),
    frozenset({"fixed32", "sfixed32"}),
    frozenset({"fixed64", "sfixed64"}),
)
WKT_BY_KIND = {
    ir.Scalar.DATETIME: "google.protobuf.Timestamp",
    ir.Scalar.DURATION: "google.protobuf.Duration",
}


def check_record(check: Check, old: ir.Record, new: ir.Record) -> None:
    by_number = pair_by(old.fields, new.fields, _number)
    new_by_name = {f.name: f for f in new.fields}
    for a, b in by_number.paired:
        _field(check, old, a, b)
        proto_file_rules.check_field(check, old, a, b)
    for a in by_number.deleted:
        moved = new_by_name.get(a.name)
        if moved is not None and moved in by_number.added:
            message = f"field {old.id}.{a.name} renumbered from {_number(a)} to {_number(moved)}"
            check.report("FIELD_SAME_NUMBER", moved.location, message)
            continue
        _deleted_field(check, a, new)
    _required(check, old, new, by_number.added)
    _oneofs(check, old, new)
    _reserved(check, "RESERVED_MESSAGE_NO_DELETE", old.reserved_numbers, old.reserved_names, new, new.location)
    proto_file_rules.check_record(check, old, new)


def _number(f: ir.Field) -> int:
    return f.proto.number if f.proto is not None else -1


def _deleted_field(check: Check, a: ir.Field, new: ir.Record) -> None:
    what = f'field {_number(a)} "{a.name}" deleted from {new.id}'
    check.report_deleted("FIELD_NO_DELETE", a.location, what)
    if not in_ranges(_number(a), new.reserved_numbers):
        check.report_deleted(
            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", a.location, f"{what} without reserving its number"
        )
    if a.name not in new.reserved_names:
        check.report_deleted("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", a.location, f"{what} without reserving its name")


def _field(check: Check, record: ir.Record, a: ir.Field, b: ir.Field) -> None:
    assert a.proto is not None and b.proto is not None
    where, label = b.location, f"field {b.proto.number} of {record.id}"
    if a.name != b.name:
        check.report("FIELD_SAME_NAME", where, f'{label} renamed from "{a.name}" to "{b.name}"')
    if a.proto.json_name != b.proto.json_name:
        message = f'{label} changed JSON name from "{a.proto.json_name}" to "{b.proto.json_name}"'
        check.report("FIELD_SAME_JSON_NAME", where, message)
    _types(check, label, a, b)
    _cardinality(check, label, a, b)
    if a.oneof != b.oneof:
        was, now = (f'oneof "{x}"' if x else "no oneof" for x in (a.oneof, b.oneof))
        check.report("FIELD_SAME_ONEOF", where, f"{label} moved from {was} to {now}")
    old_default, new_default = _default(check.previous, a), _default(check.current, b)
    # proto3 has no explicit defaults; a changed type is reported as such, not as its zero changing too.
    same_type = a.proto.proto_type == b.proto.proto_type
    if check.previous.source.dialect != "proto3" and same_type and old_default != new_default:
        message = f"{label} changed default from {old_default!r} to {new_default!r}"
        check.report("FIELD_SAME_DEFAULT", where, message)
    for rule, message in type_problems(a.type, b.type):
        if rule in VALUE_RULES:
            check.report(rule, where, f'field "{b.name}": {message}')


def _default(contract: ir.Contract, f: ir.Field) -> ir.JsonValue:
    """The value a reader sees for an unset singular field: the explicit proto2 default, else the zero of
    its type (proto3 has no other); None for repeated and message fields, which have no default."""
    if isinstance(f.type, ir.ArrayType | ir.MapType):
        return None
    if f.has_default and f.default is not None:
        return f.default
    t = f.type.inner if isinstance(f.type, ir.NullableType) else f.type
    if isinstance(t, ir.EnumType):
        enum = next((e for e in contract.enums if e.id == t.ref), None)
        return enum.values[0].name if enum is not None and enum.values else None
    if isinstance(t, ir.ScalarType) and f.proto is not None:
        return _ZEROS.get(f.proto.proto_type, "")
    return None


_INTEGERS = ("int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64")
_ZEROS: dict[str, ir.JsonValue] = {"bool": False, "float": 0.0, "double": 0.0, "string": "", "bytes": ""}
_ZEROS.update(dict.fromkeys(_INTEGERS, 0))


def type_name(contract: ir.Contract, f: ir.Field) -> str:
    """The protobuf type of a field as buf compares it: scalar name, or the message/enum full name."""
    assert f.proto is not None
    if f.proto.proto_type not in ("message", "enum"):
        return f.proto.proto_type
    t = f.type
    if isinstance(t, ir.MapType):
        return f"map<{t.key.kind.value}, {_elem_name(contract, t.value)}>"
    if isinstance(t, ir.ArrayType):
        t = t.items
    return _elem_name(contract, t)


def _elem_name(contract: ir.Contract, t: ir.Type) -> str:
    inner = t.inner if isinstance(t, ir.NullableType) else t
    if isinstance(inner, ir.RecordType):
        return next((r.proto_full_name or r.id for r in contract.records if r.id == inner.ref), inner.ref)
    if isinstance(inner, ir.EnumType):
        return next((e.proto_full_name or e.id for e in contract.enums if e.id == inner.ref), inner.ref)
    if isinstance(inner, ir.ScalarType):
        wrapped = isinstance(t, ir.NullableType) and inner.kind not in WKT_BY_KIND
        return WKT_BY_KIND.get(inner.kind, f"wrapper {inner.kind.value}" if wrapped else inner.kind.value)
    return "google.protobuf.Struct" if isinstance(inner, ir.JsonType) else "message"


def _types(check: Check, label: str, a: ir.Field, b: ir.Field) -> None:
    old, new = type_name(check.previous, a), type_name(check.current, b)
    if old == new or _moved_with_package(check, old) == new:
        return
    message = f'{label} changed type from "{old}" to "{new}"'
    check.report("FIELD_SAME_TYPE", b.location, message)
    if not _compatible(old, new, WIRE_GROUPS) and not (old == "string" and new == "bytes"):
        check.report("FIELD_WIRE_COMPATIBLE_TYPE", b.location, message)
    if not _compatible(old, new, WIRE_JSON_GROUPS):
        check.report("FIELD_WIRE_JSON_COMPATIBLE_TYPE", b.location, message)


def _moved_with_package(check: Check, name: str) -> str:
    """A type of the file's own package under the new package name: the same type, moved with the file
    (FILE_SAME_PACKAGE reports the move once, as buf does, not once more per field that uses the type)."""
    was, now = check.previous.source.package, check.current.source.package
    if was and now and was != now and name.startswith(f"{was}."):
        return f"{now}.{name.removeprefix(was + '.')}"
    return name


def _compatible(old: str, new: str, groups: tuple[frozenset[str], ...]) -> bool:
    return any(old in g and new in g for g in groups)


def cardinality(contract: ir.Contract, f: ir.Field) -> str:
    if isinstance(f.type, ir.MapType):
        return "map"
    if isinstance(f.type, ir.ArrayType):
        return "repeated"
    if f.required and contract.source.dialect != "proto3":  # proto2 `required`, editions LEGACY_REQUIRED
        return "required"
    if isinstance(f.type, ir.NullableType):
        return "optional with explicit presence"
    return "optional with implicit presence"


def _cardinality(check: Check, label: str, a: ir.Field, b: ir.Field) -> None:
    old, new = cardinality(check.previous, a), cardinality(check.current, b)
    if old == new:
        return
    message = f'{label} changed cardinality from "{old}" to "{new}"'
    check.report("FIELD_SAME_CARDINALITY", b.location, message)
    # Singular and repeated read each other's data wrongly; a field that turns required (or stops being
    # required) fails the parse of data written without it (as buf judges: both are wire breaks).
    if (old in ("map", "repeated")) != (new in ("map", "repeated")) or (old == "required") != (new == "required"):
        check.report("FIELD_WIRE_COMPATIBLE_CARDINALITY", b.location, message)
        check.report("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", b.location, message)


def _required(check: Check, old: ir.Record, new: ir.Record, added: list[ir.Field]) -> None:
    def required(contract: ir.Contract, r: ir.Record) -> dict[int, str]:
        return {_number(f): f.name for f in r.fields if cardinality(contract, f) == "required"}

    was, now = required(check.previous, old), required(check.current, new)
    for number in sorted(set(was) ^ set(now)):
        verb = "added" if number in now else "removed"
        name = now.get(number) or was[number]
        check.report("MESSAGE_SAME_REQUIRED_FIELDS", new.location, f'{new.id}: required field {number} "{name}" {verb}')


def _oneofs(check: Check, old: ir.Record, new: ir.Record) -> None:
    names = {o.name for o in new.oneofs}
    for o in old.oneofs:
        if o.name not in names:
            check.report_deleted("ONEOF_NO_DELETE", o.location, f'oneof "{o.name}" deleted from {new.id}')


def _reserved(
    check: Check,
    rule: str,
    numbers: tuple[tuple[int, int], ...],
    names: tuple[str, ...],
    new: ir.Record | ir.Enum,
    where: Location,
) -> None:
    for start, end in numbers:
        if not all(in_ranges(n, new.reserved_numbers) for n in range(start, min(end, start + 10_000) + 1)):
            shown = str(start) if start == end else f"{start} to {end}"
            check.report(rule, where, f"reserved number {shown} no longer reserved in {new.id}")
    for name in names:
        if name not in new.reserved_names:
            check.report(rule, where, f'reserved name "{name}" no longer reserved in {new.id}')


def check_enum(check: Check, old: ir.Enum, new: ir.Enum) -> None:
    def names(e: ir.Enum, number: int | None) -> list[str]:
        return sorted(v.name for v in e.values if v.number == number)

    pairs = pair_by(old.values, new.values, lambda v: v.number)
    for a, b in pairs.paired:
        if names(old, a.number) != names(new, b.number):
            was, now = "/".join(names(old, a.number)), "/".join(names(new, b.number))
            check.report(
                "ENUM_VALUE_SAME_NAME", b.location, f'{new.id} value {b.number} renamed from "{was}" to "{now}"'
            )
    for a in pairs.deleted:
        what = f'enum value {a.number} "{a.name}" deleted from {new.id}'
        check.report_deleted("ENUM_VALUE_NO_DELETE", a.location, what)
        if a.number is None or not in_ranges(a.number, new.reserved_numbers):
            message = f"{what} without reserving its number"
            check.report_deleted("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", a.location, message)
        if a.name not in new.reserved_names:
            message = f"{what} without reserving its name"
            check.report_deleted("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", a.location, message)
    _reserved(check, "RESERVED_ENUM_NO_DELETE", old.reserved_numbers, old.reserved_names, new, new.location)
    proto_file_rules.check_enum(check, old, new)
