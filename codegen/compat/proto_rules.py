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
        compare_field(check, f"field {_number(b)} of {old.id}", a, b)
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


def compare_field(check: Check, label: str, a: ir.Field, b: ir.Field, extension: bool = False) -> None:
    """Two fields paired by number: of one message, or extensions of one message (``extension``: named in
    JSON by their full name, so no JSON name to keep)."""
    _field(check, label, a, b, extension)
    proto_file_rules.check_field(check, label, a, b)


def _field(check: Check, label: str, a: ir.Field, b: ir.Field, extension: bool) -> None:
    assert a.proto is not None and b.proto is not None
    where = b.location
    if a.name != b.name:
        check.report("FIELD_SAME_NAME", where, f'{label} renamed from "{a.name}" to "{b.name}"')
    if a.proto.json_name != b.proto.json_name and not extension:
        message = f'{label} changed JSON name from "{a.proto.json_name}" to "{b.proto.json_name}"'
        check.report("FIELD_SAME_JSON_NAME", where, message)
    _types(check, label, a, b)
    _cardinality(check, label, a, b)
    if a.oneof != b.oneof:
        was, now = (f'oneof "{x}"' if x else "no oneof" for x in (a.oneof, b.oneof))
        check.report("FIELD_SAME_ONEOF", where, f"{label} moved from {was} to {now}")
    _defaults(check, label, a, b)
    for rule, message in type_problems(a.type, b.type):
        if rule in VALUE_RULES:
            check.report(rule, where, f'field "{b.name}": {message}')


def _defaults(check: Check, label: str, a: ir.Field, b: ir.Field) -> None:
    """As buf judges FIELD_SAME_DEFAULT: only where a side sets `[default = ...]`, and by value across types
    (int32 1 is bool true, an enum default is its number), so a retyped field is checked too."""
    assert a.proto is not None and b.proto is not None
    if not (a.proto.default_set or b.proto.default_set):
        return
    old, new = _default(check.previous, a), _default(check.current, b)
    if old is None or new is None or old == new or (old != old and new != new):  # None: no default; NaN
        return
    check.report("FIELD_SAME_DEFAULT", b.location, f"{label} changed default from {old!r} to {new!r}")


def _default(contract: ir.Contract, f: ir.Field) -> ir.JsonValue:
    """The value a reader sees for an unset singular field: the explicit default, else the zero of its
    type; None for repeated, map and message fields, which have no default. An enum's default is its
    number: renaming the value is ENUM_VALUE_SAME_NAME's news, not this rule's."""
    if isinstance(f.type, ir.ArrayType | ir.MapType) or f.proto is None:
        return None
    explicit = f.default if f.proto.default_set else None
    t = f.type.inner if isinstance(f.type, ir.NullableType) else f.type
    if isinstance(t, ir.EnumType):
        enum = next((e for e in contract.enums if e.id == t.ref), None)
        if enum is None or not enum.values:
            return None
        return next((v.number for v in enum.values if v.name == explicit), enum.values[0].number)
    if explicit is not None:
        return explicit
    if f.proto.proto_type in _ZEROS:
        return _ZEROS[f.proto.proto_type]
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
    old, new = _type_names(check, a, b)
    if old == new or _moved_with_package(check, old) == new:
        return
    message = f'{label} changed type from "{old}" to "{new}"'
    check.report("FIELD_SAME_TYPE", b.location, message)
    # A map is its entry message on the wire: key and value are judged each on its own. A map against a
    # non-map (no parts to pair) is incompatible both ways.
    parts = list(zip(_map_parts(old), _map_parts(new), strict=True)) if _same_shape(old, new) else []
    if not parts or not all(x == y or _compatible(x, y, WIRE_GROUPS) or (x, y) == STR_TO_BYTES for x, y in parts):
        check.report("FIELD_WIRE_COMPATIBLE_TYPE", b.location, message)
    if not parts or not all(x == y or _compatible(x, y, WIRE_JSON_GROUPS) for x, y in parts):
        check.report("FIELD_WIRE_JSON_COMPATIBLE_TYPE", b.location, message)


def _type_names(check: Check, a: ir.Field, b: ir.Field) -> tuple[str, str]:
    """The two types as buf names them. A side read from a lock file written before ProtoField.type_name
    was kept has only the IR to go by: then both sides are named from the IR, so that one compiler
    upgrade does not read as a changed type."""
    x, y = a.proto, b.proto
    assert x is not None and y is not None
    if any(p.proto_type in ("message", "enum", "group") and not p.type_name for p in (x, y)):
        return type_name(check.previous, a), type_name(check.current, b)
    return x.type_name or x.proto_type, y.type_name or y.proto_type


def _moved_with_package(check: Check, name: str) -> str:
    """A type of the file's own package under the new package name: the same type, moved with the file
    (FILE_SAME_PACKAGE reports the move once, as buf does, not once more per field that uses the type)."""
    was, now = check.previous.source.package, check.current.source.package
    if was and now and was != now and name.startswith(f"{was}."):
        return f"{now}.{name.removeprefix(was + '.')}"
    return name


STR_TO_BYTES = ("string", "bytes")


def _map_parts(name: str) -> list[str]:
    """``map<k, v>`` as [k, v]; any other type name as itself."""
    return name[4:-1].split(", ", 1) if name.startswith("map<") else [name]


def _same_shape(old: str, new: str) -> bool:
    return old.startswith("map<") == new.startswith("map<")


def _compatible(old: str, new: str, groups: tuple[frozenset[str], ...]) -> bool:
    return any(old in g and new in g for g in groups)


def cardinality(contract: ir.Contract, f: ir.Field) -> str:
    if isinstance(f.type, ir.MapType):
        return "map"
    if isinstance(f.type, ir.ArrayType):
        return "repeated"
    if f.required and contract.source.dialect != "proto3":  # proto2 `required`, editions LEGACY_REQUIRED
        return "required"
    # A message field (wrappers and Struct included, whatever type the IR gives them) always has presence.
    if isinstance(f.type, ir.NullableType) or (f.proto is not None and f.proto.proto_type in ("message", "group")):
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
    elif {old, new} == {"map", "repeated"}:  # the same bytes, but a JSON object against a JSON array
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
        # Adding an alias keeps every name that readers and writers of JSON use; losing one does not.
        if not set(names(old, a.number)) <= set(names(new, b.number)):
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
