"""The intermediate representation: small, closed, frozen, target-neutral.

Both frontends (protobuf, JSON Schema) lower into these nodes; every emitter reads only these nodes.
Nothing here knows about Python, SQL or HTML: names are the contract's own (emitters derive safe
target names), types are semantic kinds, and every node carries the location it came from.

Source-specific facts that emitters need for wire compatibility (a protobuf field number, a
protobuf wire type) are kept as plain data in ``ProtoField``; they describe the source, not a target.
"""

from __future__ import annotations

import enum
from typing import TypeAlias

import msgspec

from codegen.diagnostics import Location

# A JSON value as it appears in a contract (defaults, examples, const, enum values).
JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


class Scalar(enum.Enum):
    """Semantic scalar kinds. Widths matter to warehouses and wire formats, so they are kept."""

    BOOL = "bool"
    INT32 = "int32"
    INT64 = "int64"
    UINT32 = "uint32"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    DECIMAL = "decimal"  # exact; precision/scale on ScalarType
    STRING = "string"
    BYTES = "bytes"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"  # always an instant: zone-aware
    DURATION = "duration"
    UUID = "uuid"


class Constraints(msgspec.Struct, frozen=True):
    """Value constraints. Bounds are inclusive unless named exclusive."""

    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | float | None = None

    def is_empty(self) -> bool:
        return self == _NO_CONSTRAINTS


_NO_CONSTRAINTS = Constraints()


class ScalarType(msgspec.Struct, frozen=True):
    kind: Scalar
    constraints: Constraints = _NO_CONSTRAINTS
    # A string format beyond the kind itself (email, uri, hostname, ipv4, ipv6, ...).
    format: str | None = None
    # For DECIMAL: total digits and digits after the point, when the contract states them.
    precision: int | None = None
    scale: int | None = None


class EnumType(msgspec.Struct, frozen=True):
    ref: str  # Enum.id within the same contract


class RecordType(msgspec.Struct, frozen=True):
    ref: str  # Record.id within the same contract


class ArrayType(msgspec.Struct, frozen=True):
    items: Type
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False


class TupleType(msgspec.Struct, frozen=True):
    """A fixed-length array with one type per position (JSON Schema prefixItems)."""

    items: tuple[Type, ...]


class MapType(msgspec.Struct, frozen=True):
    key: ScalarType  # string, integer or bool keys only
    value: Type


class UnionType(msgspec.Struct, frozen=True):
    """One of several types. ``discriminator`` names the field whose literal value selects the
    variant when every variant is a record carrying that field as a LiteralType."""

    variants: tuple[Type, ...]
    discriminator: str | None = None


class NullableType(msgspec.Struct, frozen=True):
    """The value may be null. Distinct from a field being optional (absent)."""

    inner: Type


class LiteralType(msgspec.Struct, frozen=True):
    """Exactly one value (JSON Schema const)."""

    value: str | int | bool


class JsonType(msgspec.Struct, frozen=True):
    """Any JSON value (an untyped object, protobuf Struct/Value)."""


Type: TypeAlias = (
    ScalarType | EnumType | RecordType | ArrayType | TupleType | MapType | UnionType | NullableType | LiteralType
) | JsonType


class ProtoField(msgspec.Struct, frozen=True):
    """Source facts of a protobuf field, needed to stay wire-compatible."""

    number: int
    proto_type: str  # descriptor type name without TYPE_, lowercase: "int32", "sint64", "message"
    json_name: str
    packed: bool = False
    ctype: str = ""  # the ctype option when set ("CORD", "STRING_PIECE"): generated C++ changes with it
    jstype: str = ""  # the jstype option when set ("JS_STRING", "JS_NUMBER"): generated JavaScript changes
    utf8_validation: str = ""  # string fields: "VERIFY" (proto3, editions' default) or "NONE" (proto2)
    default_set: bool = False  # an explicit `[default = ...]` (proto2, editions): Field.default holds it
    # A message or enum field's type by full name, a map's as "map<key, value>" (empty for scalars and in
    # lock files written before it was kept): what buf compares, wrappers and JSON types included.
    type_name: str = ""


class Field(msgspec.Struct, frozen=True):
    name: str  # the wire name (JSON property name / protobuf field name)
    type: Type
    location: Location
    required: bool = False  # must be present on the wire
    has_default: bool = False
    default: JsonValue = None
    description: str = ""
    deprecated: bool = False
    pii: bool = False
    classification: str | None = None  # public | internal | confidential | restricted
    examples: tuple[JsonValue, ...] = ()
    oneof: str | None = None  # protobuf oneof group this field belongs to
    proto: ProtoField | None = None


class Record(msgspec.Struct, frozen=True):
    id: str  # unique within the contract, dotted for nesting: "Order.LineItem"
    name: str  # the simple source name: "LineItem"
    fields: tuple[Field, ...]
    location: Location
    description: str = ""
    deprecated: bool = False
    # Open content model: unknown properties allowed (JSON Schema additionalProperties != false).
    open: bool = True
    oneofs: tuple[OneOf, ...] = ()
    proto_full_name: str | None = None
    # protobuf `reserved`: field numbers as inclusive (start, end) ranges, and names; breaking-change
    # detection needs them (a deleted field is wire-safe once its number is reserved).
    reserved_numbers: tuple[tuple[int, int], ...] = ()
    reserved_names: tuple[str, ...] = ()
    # protobuf `extensions` ranges (inclusive), and an option that removes an accessor from generated code.
    extension_ranges: tuple[tuple[int, int], ...] = ()
    no_standard_descriptor_accessor: bool = False
    json_best_effort: bool = False  # protobuf JSON support only best effort (proto2, LEGACY_BEST_EFFORT)


class OneOf(msgspec.Struct, frozen=True):
    """A protobuf oneof: at most one of ``fields`` is set."""

    name: str
    fields: tuple[str, ...]
    location: Location


class EnumValue(msgspec.Struct, frozen=True):
    name: str  # symbolic name as in the source (protobuf) or derived from the value (JSON Schema)
    value: str | int  # the wire value: protobuf enums use the name in JSON, the number in binary
    location: Location
    number: int | None = None  # protobuf enum number
    description: str = ""
    deprecated: bool = False


class Enum(msgspec.Struct, frozen=True):
    id: str
    name: str
    values: tuple[EnumValue, ...]
    location: Location
    description: str = ""
    proto_full_name: str | None = None
    # protobuf `reserved` in an enum: numbers as inclusive (start, end) ranges, and names.
    reserved_numbers: tuple[tuple[int, int], ...] = ()
    reserved_names: tuple[str, ...] = ()
    # protobuf: a closed enum (proto2, or `enum_type = CLOSED`) rejects unknown numbers; JSON support that
    # is only best effort (proto2, or `json_format = LEGACY_BEST_EFFORT`).
    closed: bool = False
    json_best_effort: bool = False


class Compatibility(enum.Enum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"


class Owner(msgspec.Struct, frozen=True):
    team: str
    contact: str = ""


class ServiceLevels(msgspec.Struct, frozen=True):
    freshness: str | None = None  # ISO-8601 duration, e.g. "PT15M"
    availability: float | None = None  # fraction, e.g. 0.999
    completeness: float | None = None  # fraction of expected records delivered


class StreamPort(msgspec.Struct, frozen=True):
    name: str
    subject: str  # stream subject or topic
    record: str  # Record.id published on the port
    key_fields: tuple[str, ...]
    location: Location
    retention: str | None = None  # ISO-8601 duration


class TablePort(msgspec.Struct, frozen=True):
    name: str
    table: str  # schema-qualified table name, e.g. "sales.orders"
    record: str
    location: Location
    key_fields: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()


Port: TypeAlias = StreamPort | TablePort


class SchemaLanguage(enum.Enum):
    PROTOBUF = "protobuf"
    JSON_SCHEMA = "jsonschema"


class ProtoOption(msgspec.Struct, frozen=True):
    """A protobuf file option set to something other than its default, its value as text."""

    name: str  # "go_package", "java_multiple_files", "optimize_for"
    value: str  # "example.com/x", "true", "SPEED"
    location: Location


class ProtoMethod(msgspec.Struct, frozen=True):
    """A protobuf rpc: what a client of the service depends on."""

    name: str
    input_type: str  # full names
    output_type: str
    location: Location
    client_streaming: bool = False
    server_streaming: bool = False
    idempotency: str = ""  # the idempotency_level option when set: "NO_SIDE_EFFECTS", "IDEMPOTENT"


class ProtoService(msgspec.Struct, frozen=True):
    full_name: str
    location: Location
    methods: tuple[ProtoMethod, ...] = ()


class ProtoExtension(msgspec.Struct, frozen=True):
    """A protobuf extension field declared in the file (``extend Foo { ... }``)."""

    extendee: str  # full name of the extended message
    number: int
    name: str  # full name of the extension
    location: Location
    field: Field | None = None  # the extension as a field, compared like one (None in older lock files)


class Source(msgspec.Struct, frozen=True):
    language: SchemaLanguage
    path: str  # display path of the contract's main file
    dialect: str  # "proto3", "proto2", "2020-12", "2019-09", "draft-07"
    files: tuple[str, ...] = ()  # every file the contract was built from, main file first
    package: str | None = None  # protobuf package
    # Facts of the main .proto file that breaking-change rules compare (after buf's FILE category):
    # the file options set, by option name with the value as text; services; extensions.
    options: tuple[ProtoOption, ...] = ()
    package_location: Location | None = None  # the `package` statement, where a changed package is reported
    services: tuple[ProtoService, ...] = ()
    extensions: tuple[ProtoExtension, ...] = ()


class Contract(msgspec.Struct, frozen=True):
    name: str  # lowercase identifier-like: "orders", "customer-profiles"
    version: str  # semantic version, "0.0.0" when the schema carries none
    root: str  # Record.id of the contract's main record
    records: tuple[Record, ...]  # definition order; ids unique
    enums: tuple[Enum, ...]
    source: Source
    location: Location
    title: str = ""
    description: str = ""
    owner: Owner | None = None
    slo: ServiceLevels = msgspec.field(default_factory=ServiceLevels)
    ports: tuple[Port, ...] = ()
    compatibility: Compatibility = Compatibility.BACKWARD
    tags: tuple[str, ...] = ()
    has_metadata: bool = True  # False for a plain schema compiled with defaults

    def record(self, record_id: str) -> Record:
        for r in self.records:
            if r.id == record_id:
                return r
        raise KeyError(record_id)

    def enum(self, enum_id: str) -> Enum:
        for e in self.enums:
            if e.id == enum_id:
                return e
        raise KeyError(enum_id)

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])
