"""Lowering protobuf descriptors (as protoc returns them) into the IR, one contract at a time.

Only the messages and enums reachable from a contract's root (and its ports' records) are lowered,
in the order they are reached, so cost is linear in what the contract uses.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from google.protobuf import descriptor_pb2

from codegen import ir
from codegen.constraints import MAX_VALUE_DEPTH, value_violation
from codegen.diagnostics import Diagnostics, Location
from codegen.frontends.proto_features import Features, resolve
from codegen.frontends.proto_options import FIELD_EXT_NUMBER, OptionSchema, extension, to_python
from codegen.metadata import check_classification

FDP = descriptor_pb2.FieldDescriptorProto
FieldOptions = descriptor_pb2.FieldOptions
Path_ = tuple[int, ...]

# descriptor.proto field numbers used in source_code_info paths.
FILE_MESSAGE, FILE_ENUM, FILE_EXTENSION = 4, 5, 7
MSG_FIELD, MSG_NESTED, MSG_ENUM, MSG_EXTENSION, MSG_ONEOF = 2, 3, 4, 6, 8
ENUM_VALUE = 2
OPTIONS = 8  # in FieldDescriptorProto, DescriptorProto and FileDescriptorProto alike (MessageOptions is 7)
MSG_OPTIONS = 7

SCALARS: dict[int, ir.Scalar] = {
    FDP.TYPE_INT32: ir.Scalar.INT32,
    FDP.TYPE_SINT32: ir.Scalar.INT32,
    FDP.TYPE_SFIXED32: ir.Scalar.INT32,
    FDP.TYPE_INT64: ir.Scalar.INT64,
    FDP.TYPE_SINT64: ir.Scalar.INT64,
    FDP.TYPE_SFIXED64: ir.Scalar.INT64,
    FDP.TYPE_UINT32: ir.Scalar.UINT32,
    FDP.TYPE_FIXED32: ir.Scalar.UINT32,
    FDP.TYPE_UINT64: ir.Scalar.UINT64,
    FDP.TYPE_FIXED64: ir.Scalar.UINT64,
    FDP.TYPE_FLOAT: ir.Scalar.FLOAT32,
    FDP.TYPE_DOUBLE: ir.Scalar.FLOAT64,
    FDP.TYPE_BOOL: ir.Scalar.BOOL,
    FDP.TYPE_STRING: ir.Scalar.STRING,
    FDP.TYPE_BYTES: ir.Scalar.BYTES,
}
TYPE_NAMES = {number: name.removeprefix("TYPE_").lower() for name, number in FDP.Type.items()}
INT_KINDS = {ir.Scalar.INT32, ir.Scalar.INT64, ir.Scalar.UINT32, ir.Scalar.UINT64}
NUMERIC_KINDS = INT_KINDS | {ir.Scalar.FLOAT32, ir.Scalar.FLOAT64, ir.Scalar.DECIMAL}
# Kinds whose JSON form is a string: an example like "123" stays a string for them.
STRING_KINDS = {
    ir.Scalar.STRING,
    ir.Scalar.BYTES,
    ir.Scalar.DECIMAL,
    ir.Scalar.UUID,
    ir.Scalar.DATE,
    ir.Scalar.TIME,
    ir.Scalar.DATETIME,
    ir.Scalar.DURATION,
}
# Wire types that a repeated field may pack.
PACKABLE = set(SCALARS) - {FDP.TYPE_STRING, FDP.TYPE_BYTES} | {FDP.TYPE_ENUM}

KIND_FORMATS = {"uuid": ir.Scalar.UUID, "date": ir.Scalar.DATE, "time": ir.Scalar.TIME, "date-time": ir.Scalar.DATETIME}
PLAIN_FORMATS = ("email", "uri", "hostname", "ipv4", "ipv6")
LENGTH_KEYS = ("min_length", "max_length")
NUMBER_KEYS = ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of")
ITEM_KEYS = ("min_items", "max_items", "unique_items")

WKT_SCALARS = {"google.protobuf.Timestamp": ir.Scalar.DATETIME, "google.protobuf.Duration": ir.Scalar.DURATION}
WRAPPERS = {
    "google.protobuf.DoubleValue": ir.Scalar.FLOAT64,
    "google.protobuf.FloatValue": ir.Scalar.FLOAT32,
    "google.protobuf.Int64Value": ir.Scalar.INT64,
    "google.protobuf.UInt64Value": ir.Scalar.UINT64,
    "google.protobuf.Int32Value": ir.Scalar.INT32,
    "google.protobuf.UInt32Value": ir.Scalar.UINT32,
    "google.protobuf.BoolValue": ir.Scalar.BOOL,
    "google.protobuf.StringValue": ir.Scalar.STRING,
    "google.protobuf.BytesValue": ir.Scalar.BYTES,
}
JSON_WKTS: dict[str, ir.Type] = {
    "google.protobuf.Struct": ir.JsonType(),
    "google.protobuf.Value": ir.JsonType(),
    "google.protobuf.ListValue": ir.ArrayType(ir.JsonType()),
}
# IR nodes are frozen, so one plain ScalarType per kind is shared by every field that has no rules.
_SCALAR_TYPES = {kind: ir.ScalarType(kind) for kind in ir.Scalar}
ANY_MESSAGE = (
    "google.protobuf.Any is not supported: opaque payloads defeat the contract's typing; "
    "use a oneof of concrete messages"
)


class ProtoFile(msgspec.Struct):
    """One file of the descriptor set, with its source positions indexed on first use."""

    proto: descriptor_pb2.FileDescriptorProto
    display: str  # the path shown in diagnostics
    disk: Path | None  # the user's file on disk; None for bundled files (options, well-known types)
    _spans: dict[Path_, descriptor_pb2.SourceCodeInfo.Location] | None = None

    def __repr__(self) -> str:  # without the span index: a cache, and huge
        return f"ProtoFile(proto={self.proto!r}, display={self.display!r}, disk={self.disk!r})"

    def _where(self, path: Path_) -> descriptor_pb2.SourceCodeInfo.Location | None:
        if self._spans is None:
            self._spans = {tuple(loc.path): loc for loc in self.proto.source_code_info.location}
        return self._spans.get(path)

    def loc(self, path: Path_) -> Location:
        where = self._where(path)
        if where is None or not where.span:
            return Location(self.display)
        return Location(self.display, where.span[0] + 1, where.span[1] + 1)

    def loc_or(self, path: Path_, fallback: Path_) -> Location:
        return self.loc(path) if self._where(path) is not None else self.loc(fallback)

    def comment(self, path: Path_) -> str:
        """The leading comment (else the trailing one), dedented and trimmed."""
        where = self._where(path)
        if where is None:
            return ""
        text: str | bytes = where.leading_comments or where.trailing_comments
        if isinstance(text, bytes):  # protobuf hands over a comment that is not UTF-8 as bytes; it only describes
            text = text.decode("utf-8", "replace")
        return textwrap.dedent(text).strip() if text else ""

    @property
    def syntax(self) -> str:
        return self.proto.syntax or "proto2"


class TypeEntry(msgspec.Struct, frozen=True):
    full_name: str  # without the leading dot
    file: ProtoFile
    path: Path_
    message: descriptor_pb2.DescriptorProto | None = None
    enum: descriptor_pb2.EnumDescriptorProto | None = None


def index_types(files: Iterable[ProtoFile]) -> dict[str, TypeEntry]:
    """Every message and enum of the set by full name."""
    index: dict[str, TypeEntry] = {}

    def add_message(f: ProtoFile, msg: descriptor_pb2.DescriptorProto, prefix: str, path: Path_) -> None:
        name = f"{prefix}{msg.name}"
        index[name] = TypeEntry(name, f, path, message=msg)
        for i, nested in enumerate(msg.nested_type):
            add_message(f, nested, f"{name}.", (*path, MSG_NESTED, i))
        for i, en in enumerate(msg.enum_type):
            index[f"{name}.{en.name}"] = TypeEntry(f"{name}.{en.name}", f, (*path, MSG_ENUM, i), enum=en)

    for f in files:
        prefix = f"{f.proto.package}." if f.proto.package else ""
        for i, msg in enumerate(f.proto.message_type):
            add_message(f, msg, prefix, (FILE_MESSAGE, i))
        for i, en in enumerate(f.proto.enum_type):
            index[f"{prefix}{en.name}"] = TypeEntry(f"{prefix}{en.name}", f, (FILE_ENUM, i), enum=en)
    return index


class _Shape(msgspec.Struct):
    """A field's type before presence is applied, with what repeated/map fields need."""

    elem: ir.Type
    map_key: ir.ScalarType | None = None
    zero: ir.JsonValue = None


class ContractLowering:
    """Lowers the messages and enums one contract reaches. Ids drop the contract's package prefix."""

    def __init__(
        self,
        index: dict[str, TypeEntry],
        package: str,
        schema: OptionSchema,
        diags: Diagnostics,
        only: ProtoFile | None = None,
    ) -> None:
        self.index = index
        # ``only``: lower the types of this one file, for comparing schemas: types of other files are
        # referenced by full name and compared in their own file, and what no target could generate
        # (Any and other well-known messages, groups) is a message like any other.
        self.only = only
        self.prefix = f"{package}." if package else ""
        self.schema = schema
        self.diags = diags
        self.records: list[ir.Record] = []
        self.enums: list[ir.Enum] = []
        self.files: list[ProtoFile] = []  # files that contributed types, in order of first use
        self._queued: set[str] = set()
        self._queue: deque[str] = deque()

    def type_id(self, full_name: str) -> str:
        return full_name.removeprefix(self.prefix) if full_name.startswith(self.prefix) else full_name

    def run(self, roots: Iterable[str]) -> None:
        for name in roots:
            self._enqueue(name)
        while self._queue:
            entry = self.index[self._queue.popleft()]
            if entry.file not in self.files:
                self.files.append(entry.file)
            if entry.message is not None:
                self.records.append(self._record(entry, entry.message))
            elif entry.enum is not None:
                self.enums.append(self._enum(entry, entry.enum))

    def _enqueue(self, full_name: str) -> None:
        if self.only is not None and self.index[full_name].file is not self.only:
            return
        if full_name not in self._queued:
            self._queued.add(full_name)
            self._queue.append(full_name)

    # -- messages -------------------------------------------------------------------------------

    def _record(self, entry: TypeEntry, msg: descriptor_pb2.DescriptorProto) -> ir.Record:
        f = entry.file
        fields: list[ir.Field] = []
        for i, fp in enumerate(msg.field):
            lowered = self._field(f, msg, fp, (*entry.path, MSG_FIELD, i))
            if lowered is not None:
                fields.append(lowered)
        oneofs = []
        for i, decl in enumerate(msg.oneof_decl):
            members = tuple(x.name for x in msg.field if x.HasField("oneof_index") and x.oneof_index == i)
            synthetic = any(x.proto3_optional for x in msg.field if x.HasField("oneof_index") and x.oneof_index == i)
            if not synthetic:
                oneofs.append(ir.OneOf(decl.name, members, f.loc((*entry.path, MSG_ONEOF, i))))
        description = f.comment(entry.path)
        rules = extension(msg.options, self.schema.message)
        if rules is not None:
            description = to_python(rules).get("description", description)
        return ir.Record(
            id=self.type_id(entry.full_name),
            name=msg.name,
            fields=tuple(fields),
            location=f.loc(entry.path),
            description=description,
            deprecated=msg.options.deprecated,
            oneofs=tuple(oneofs),
            proto_full_name=entry.full_name,
            # Message ranges are end-exclusive in descriptors; the IR keeps inclusive ranges.
            reserved_numbers=tuple((r.start, r.end - 1) for r in msg.reserved_range),
            reserved_names=tuple(msg.reserved_name),
            extension_ranges=tuple((r.start, r.end - 1) for r in msg.extension_range),
            no_standard_descriptor_accessor=msg.options.no_standard_descriptor_accessor,
            json_best_effort=self._features(f, entry.path).json_format == "LEGACY_BEST_EFFORT",
        )

    def _enum(self, entry: TypeEntry, en: descriptor_pb2.EnumDescriptorProto) -> ir.Enum:
        f = entry.file
        features = self._features(f, entry.path)
        values = tuple(
            ir.EnumValue(
                name=v.name,
                value=v.name,
                location=f.loc((*entry.path, ENUM_VALUE, i)),
                number=v.number,
                description=f.comment((*entry.path, ENUM_VALUE, i)),
                deprecated=v.options.deprecated,
            )
            for i, v in enumerate(en.value)
        )
        return ir.Enum(
            id=self.type_id(entry.full_name),
            name=en.name,
            values=values,
            location=f.loc(entry.path),
            description=f.comment(entry.path),
            proto_full_name=entry.full_name,
            reserved_numbers=tuple((r.start, r.end) for r in en.reserved_range),  # inclusive already
            reserved_names=tuple(en.reserved_name),
            closed=features.enum_type == "CLOSED",
            json_best_effort=features.json_format == "LEGACY_BEST_EFFORT",
        )

    # -- fields ---------------------------------------------------------------------------------

    def extension_field(self, fp: FDP, path: Path_) -> ir.Field | None:
        """An extension of the file being lowered (``only``), as a field: no oneof, features by its path."""
        assert self.only is not None
        return self._field(self.only, descriptor_pb2.DescriptorProto(), fp, path)

    def _field(self, f: ProtoFile, msg: descriptor_pb2.DescriptorProto, fp: FDP, path: Path_) -> ir.Field | None:
        where = f.loc(path)
        shape = self._shape(fp, where)
        if shape is None:
            return None
        rules = self._rules(fp)
        rules_at = f.loc_or((*path, OPTIONS, FIELD_EXT_NUMBER), path) if rules else where
        repeated = fp.label == FDP.LABEL_REPEATED
        features = self._features(f, path)
        elem = self._apply_scalar_rules(shape.elem, fp.name, rules, rules_at)
        real_oneof = fp.HasField("oneof_index") and not fp.proto3_optional
        kind_changed = isinstance(elem, ir.ScalarType) and elem.kind is not getattr(shape.elem, "kind", None)
        required, has_default, default = False, True, shape.zero
        type_: ir.Type
        if shape.map_key is not None:
            type_, default = ir.MapType(shape.map_key, elem), {}
        elif repeated:
            type_, default = _array(elem, rules), []
        elif fp.label == FDP.LABEL_REQUIRED or features.field_presence == "LEGACY_REQUIRED":
            type_, required, has_default = elem, True, fp.HasField("default_value")
            default = _parse_default(fp, shape.zero) if has_default else None
        elif self._has_presence(fp, real_oneof, features):
            type_ = elem if isinstance(elem, ir.NullableType | ir.JsonType) else ir.NullableType(elem)
            default = _parse_default(fp, shape.zero) if fp.HasField("default_value") else None
        elif kind_changed:
            # "" is no valid uuid/date/decimal: an implicit-presence field with such a format must be set.
            type_, required, has_default, default = elem, True, False, None
        else:
            type_ = elem
        implicit = not required and (repeated or not self._has_presence(fp, real_oneof, features))
        if implicit and value_violation(type_, default) is not None:
            # The zero value ("", [], 0) breaks the field's own rules (an email, min_items 1, a minimum):
            # the field must be set, and every target says so (records, SQL NOT NULL, docs).
            required, has_default, default = True, False, None
        self._check_item_rules(rules, repeated and shape.map_key is None, fp.name, rules_at)
        classification = rules.get("classification")
        return ir.Field(
            name=fp.name,
            type=type_,
            location=where,
            required=required,
            has_default=has_default,
            default=default,
            description=f.comment(path),
            deprecated=fp.options.deprecated,
            pii=bool(rules.get("pii", False)),
            classification=check_classification(classification, rules_at, self.diags),
            examples=self._examples(rules, elem, repeated, fp.name, rules_at),
            oneof=msg.oneof_decl[fp.oneof_index].name if real_oneof else None,
            proto=ir.ProtoField(
                number=fp.number,
                proto_type=TYPE_NAMES[fp.type],
                json_name=fp.json_name or fp.name,
                packed=repeated and fp.type in PACKABLE and _packed(fp, features),
                ctype=_option_name(fp.options, "ctype", FieldOptions.CType),
                jstype=_option_name(fp.options, "jstype", FieldOptions.JSType),
                utf8_validation=features.utf8_validation if fp.type == FDP.TYPE_STRING else "",
                default_set=fp.HasField("default_value"),
                type_name=self._type_name(fp),
            ),
        )

    def _type_name(self, fp: FDP) -> str:
        """A message or enum field's type as buf compares it (full name; a map as map<key, value>)."""
        if fp.type not in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM, FDP.TYPE_GROUP):
            return ""
        name = fp.type_name.lstrip(".")
        entry = self.index.get(name)
        if entry is not None and entry.message is not None and entry.message.options.map_entry:
            key, value = entry.message.field[0], entry.message.field[1]
            return f"map<{TYPE_NAMES[key.type]}, {self._type_name(value) or TYPE_NAMES[value.type]}>"
        return name

    def _has_presence(self, fp: FDP, real_oneof: bool, features: Features) -> bool:
        if real_oneof or fp.proto3_optional or fp.type in (FDP.TYPE_MESSAGE, FDP.TYPE_GROUP):
            return True
        return fp.label == FDP.LABEL_OPTIONAL and features.field_presence != "IMPLICIT"

    def _features(self, f: ProtoFile, path: Path_) -> Features:
        return resolve(f.proto, f.syntax, path)

    def _shape(self, fp: FDP, where: Location) -> _Shape | None:
        """The element type of a field (the value type for maps); None after reporting an error."""
        if fp.type == FDP.TYPE_GROUP and self.only is None:
            self.diags.report(where, "E021", f"field {fp.name!r}: proto2 groups are not supported; use a message field")
            return None
        if fp.type in SCALARS:
            kind = SCALARS[fp.type]
            return _Shape(_SCALAR_TYPES[kind], zero=_zero(kind))
        name = fp.type_name.lstrip(".")
        entry = self.index.get(name)
        if entry is None:  # protoc resolved it, so this cannot happen; do not crash if it does
            self.diags.report(where, "E020", f"field {fp.name!r}: type {name} not found in the descriptor set")
            return None
        if entry.enum is not None:
            self._enqueue(name)
            first = entry.enum.value[0].name if entry.enum.value else None
            return _Shape(ir.EnumType(self.type_id(name)), zero=first)
        assert entry.message is not None
        if entry.message.options.map_entry:
            key_fp, value_fp = entry.message.field[0], entry.message.field[1]
            value = self._shape(value_fp, where)
            if value is None:
                return None
            return _Shape(value.elem, map_key=_SCALAR_TYPES[SCALARS[key_fp.type]])
        return self._message_shape(name, fp.name, where)

    def _message_shape(self, name: str, field_name: str, where: Location) -> _Shape | None:
        if name in WKT_SCALARS:
            return _Shape(_SCALAR_TYPES[WKT_SCALARS[name]])
        if name in WRAPPERS:
            return _Shape(_SCALAR_TYPES[WRAPPERS[name]])
        if name in JSON_WKTS:
            return _Shape(JSON_WKTS[name])
        if self.only is None and name == "google.protobuf.Any":
            self.diags.report(where, "E021", f"field {field_name!r}: {ANY_MESSAGE}")
            return None
        if self.only is None and name.startswith("google.protobuf.") and name != "google.protobuf.Empty":
            self.diags.report(where, "E021", f"field {field_name!r}: well-known type {name} is not supported")
            return None
        self._enqueue(name)
        return _Shape(ir.RecordType(self.type_id(name)))

    # -- the (contract.v1.field) option -----------------------------------------------------------

    def _rules(self, fp: FDP) -> dict[str, Any]:
        ext = extension(fp.options, self.schema.field) if fp.HasField("options") else None
        return to_python(ext) if ext is not None else {}

    def _bad_rule(self, where: Location, field_name: str, message: str) -> None:
        self.diags.report(where, "E022", f"field {field_name!r}: {message}")

    def _apply_scalar_rules(self, elem: ir.Type, name: str, rules: dict[str, Any], where: Location) -> ir.Type:
        fmt, dec = rules.get("format"), rules.get("decimal")
        cons = {k: v for k, v in rules.get("constraints", {}).items() if k not in ITEM_KEYS}
        if fmt is None and dec is None and not cons:
            return elem
        base = elem.inner if isinstance(elem, ir.NullableType) else elem  # wrappers: StringValue etc.
        if not isinstance(base, ir.ScalarType):
            self._bad_rule(where, name, "format, decimal and value constraints apply to scalar fields only")
            return elem
        kind, fmt_out, precision, scale = base.kind, None, None, None
        if fmt is not None and dec is not None:
            self._bad_rule(where, name, "format and decimal cannot both be set")
        elif fmt is not None and kind is not ir.Scalar.STRING:
            self._bad_rule(where, name, f"format {fmt!r} applies to string fields only")
        elif fmt is not None:
            if fmt in KIND_FORMATS:
                kind = KIND_FORMATS[fmt]
            elif fmt in PLAIN_FORMATS:
                fmt_out = fmt
            else:
                known = ", ".join([*KIND_FORMATS, *PLAIN_FORMATS])
                self._bad_rule(where, name, f"unknown format {fmt!r} (known: {known})")
        elif dec is not None:
            precision, scale = dec.get("precision", 0), dec.get("scale", 0)
            if kind is not ir.Scalar.STRING:
                self._bad_rule(where, name, "decimal applies to string fields only (the number travels as text)")
            elif precision < 1 or scale > precision:
                bad = f"decimal needs precision >= 1 and scale <= precision, got {precision} and {scale}"
                self._bad_rule(where, name, bad)
            else:
                kind = ir.Scalar.DECIMAL
        constraints = self._constraints(cons, kind, name, where)
        out = ir.ScalarType(kind, constraints, fmt_out, precision, scale)
        return ir.NullableType(out) if isinstance(elem, ir.NullableType) else out

    def _constraints(self, cons: dict[str, Any], kind: ir.Scalar, name: str, where: Location) -> ir.Constraints:
        kept: dict[str, Any] = {}
        for key, value in cons.items():
            if key in LENGTH_KEYS and kind not in (ir.Scalar.STRING, ir.Scalar.BYTES):
                self._bad_rule(where, name, f"{key} applies to string and bytes fields only")
            elif key == "pattern" and kind is not ir.Scalar.STRING:
                self._bad_rule(where, name, "pattern applies to string fields only")
            elif key in NUMBER_KEYS and kind not in NUMERIC_KINDS:
                self._bad_rule(where, name, f"{key} applies to numeric and decimal fields only")
            elif key in NUMBER_KEYS and not math.isfinite(value):
                # The text format takes nan and inf for a double; no bound or step can be one.
                self._bad_rule(where, name, f"{key} must be a finite number, got {value}")
            elif key == "multiple_of" and value <= 0:  # as JSON Schema's multipleOf: every value is a multiple of 0
                self._bad_rule(where, name, f"multiple_of must be greater than 0, got {value}")
            elif key in NUMBER_KEYS and kind in INT_KINDS and float(value).is_integer():
                kept[key] = int(value)  # integer bounds for integer fields
            else:
                kept[key] = value
        return ir.Constraints(**kept)

    def _examples(
        self, rules: dict[str, Any], elem: ir.Type, repeated: bool, name: str, where: Location
    ) -> tuple[ir.JsonValue, ...]:
        out = []
        for raw in rules.get("examples", []):
            value = _example(raw, elem, repeated)
            if _too_deep(value):  # written as Python literals and JSON, recursively: keep clear of the limit
                self._bad_rule(where, name, f"an example is nested deeper than {MAX_VALUE_DEPTH} levels")
            else:
                out.append(value)
        return tuple(out)

    def _check_item_rules(self, rules: dict[str, Any], is_list: bool, name: str, where: Location) -> None:
        if is_list:
            return
        for key in ITEM_KEYS:
            if key in rules.get("constraints", {}):
                self._bad_rule(where, name, f"{key} applies to repeated fields only")


def _array(elem: ir.Type, rules: dict[str, Any]) -> ir.ArrayType:
    cons = rules.get("constraints", {})
    return ir.ArrayType(elem, cons.get("min_items"), cons.get("max_items"), bool(cons.get("unique_items", False)))


def _zero(kind: ir.Scalar) -> ir.JsonValue:
    if kind is ir.Scalar.BOOL:
        return False
    if kind in (ir.Scalar.FLOAT32, ir.Scalar.FLOAT64):
        return 0.0
    if kind in INT_KINDS:
        return 0
    return ""  # string, and bytes as their JSON (base64) text


def _parse_default(fp: FDP, zero: ir.JsonValue) -> ir.JsonValue:
    """A proto2 explicit default, typed like the field's zero value (protoc keeps it as text)."""
    text = fp.default_value
    if isinstance(zero, bool):
        return text == "true"
    if isinstance(zero, int):
        return int(text, 0)
    if isinstance(zero, float):
        return float(text)
    return text  # strings, bytes (C-escaped, as written) and enum value names


def _option_name(options: Any, name: str, values: Any) -> str:
    """An enum-valued option's value name when it is set to something other than its default, else ""."""
    value = getattr(options, name)
    return str(values.Name(value)) if options.HasField(name) and value != 0 else ""


def _packed(fp: FDP, features: Features) -> bool:
    if fp.options.HasField("packed"):
        return fp.options.packed
    return features.repeated_field_encoding == "PACKED"


def _too_deep(value: ir.JsonValue) -> bool:
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= MAX_VALUE_DEPTH:
                return True
            stack.extend((v, depth + 1) for v in (node.values() if isinstance(node, dict) else node))
    return False


def _example(raw: str, elem: ir.Type, repeated: bool) -> ir.JsonValue:
    """JSON when it parses, else the text; a string-like field keeps "123" as the string it is."""
    try:
        value: ir.JsonValue = json.loads(raw)
    except ValueError:
        return raw
    base = elem.inner if isinstance(elem, ir.NullableType) else elem
    stringy = isinstance(base, ir.EnumType) or (isinstance(base, ir.ScalarType) and base.kind in STRING_KINDS)
    if stringy and not repeated and not isinstance(value, str):
        return raw
    return value
