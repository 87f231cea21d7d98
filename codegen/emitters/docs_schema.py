"""JSON Schema of a contract's wire format, built from the IR (so protobuf contracts get one too).

The schema describes the JSON the generated records read and write (msgspec's JSON: decimals,
dates and UUIDs as strings, bytes as base64, protobuf enums by name, field names as in the
contract). Two flavours share one builder: JSON Schema 2020-12 (the export, refs into ``$defs``) and
AsyncAPI's schema format, a draft-07 superset (refs into ``components/schemas``, tuples as ``items``
arrays).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from codegen import ir

Dialect = Literal["2020-12", "asyncapi"]
JsonObj = dict[str, object]
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

INT_RANGES: dict[ir.Scalar, tuple[int, int]] = {
    ir.Scalar.INT32: (-(2**31), 2**31 - 1),
    ir.Scalar.INT64: (-(2**63), 2**63 - 1),
    ir.Scalar.UINT32: (0, 2**32 - 1),
    ir.Scalar.UINT64: (0, 2**64 - 1),
}
# Kinds that travel as strings of a standard format.
STRING_FORMATS: dict[ir.Scalar, str] = {
    ir.Scalar.DATE: "date",
    ir.Scalar.TIME: "time",
    ir.Scalar.DATETIME: "date-time",
    ir.Scalar.DURATION: "duration",
    ir.Scalar.UUID: "uuid",
}
# How a decimal travels: as Python's str(Decimal), which producers write (through msgspec for JSON) and
# which keeps every digit; that is exponent notation for very small values and for exponents above zero
# (Decimal("0.0000001") is "1E-7", Decimal(100).normalize() is "1E+2").
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_.\-]+")


def definition_keys(contract: ir.Contract) -> dict[str, str]:
    """Record/enum id -> a key safe in a JSON pointer and an AsyncAPI component name, unique."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for node_id in [r.id for r in contract.records] + [e.id for e in contract.enums]:
        base = _UNSAFE_KEY.sub("_", node_id).strip("_") or "Definition"
        key, n = base, 2
        while key in taken:
            key, n = f"{base}_{n}", n + 1
        taken.add(key)
        keys[node_id] = key
    return keys


def enum_wire_value(contract: ir.Contract, value: ir.EnumValue) -> str | int:
    """Protobuf's JSON mapping (and the generated records) use the value's name."""
    return value.name if contract.source.language is ir.SchemaLanguage.PROTOBUF else value.value


class SchemaBuilder:
    """Builds the schema of one contract in one dialect."""

    def __init__(self, contract: ir.Contract, dialect: Dialect = "2020-12", ref_prefix: str | None = None) -> None:
        self.c = contract
        self.dialect = dialect
        self.keys = definition_keys(contract)
        default_prefix = "#/$defs/" if dialect == "2020-12" else "#/components/schemas/"
        self.ref_prefix = ref_prefix if ref_prefix is not None else default_prefix

    def ref(self, node_id: str) -> JsonObj:
        return {"$ref": self.ref_prefix + self.keys[node_id]}

    def definitions(self) -> dict[str, JsonObj]:
        """Every record and enum of the contract, keyed by ``definition_keys``."""
        defs: dict[str, JsonObj] = {}
        for r in self.c.records:
            defs[self.keys[r.id]] = self.record(r)
        for e in self.c.enums:
            defs[self.keys[e.id]] = self.enum(e)
        return dict(sorted(defs.items()))

    def document(self) -> JsonObj:
        """The 2020-12 export: the root record at the top, everything else (root too) under $defs."""
        c = self.c
        doc: JsonObj = {
            "$schema": DRAFT_2020_12,
            "$id": f"urn:contract:{c.name}:{c.version}",
            "title": c.title or c.name,
        }
        if c.description:
            doc["description"] = c.description
        doc["$ref"] = self.ref_prefix + self.keys[c.root]
        doc["$defs"] = self.definitions()
        doc["x-contract"] = contract_annotations(c)
        return doc

    # -- nodes -----------------------------------------------------------------------------------

    def record(self, r: ir.Record) -> JsonObj:
        schema: JsonObj = {"type": "object", "title": r.name}
        if r.description:
            schema["description"] = r.description
        if r.deprecated:
            schema["deprecated"] = True
        schema["properties"] = {f.name: self.field(f) for f in r.fields}
        required = [f.name for f in r.fields if f.required]
        if required:
            schema["required"] = required
        if not r.open:
            schema["additionalProperties"] = False
        exclusive = [o for o in r.oneofs if len(o.fields) > 1]
        if exclusive:
            schema["not"] = {"anyOf": [_both_set(a, b) for o in exclusive for a, b in _pairs(o.fields)]}
        return schema

    def field(self, f: ir.Field) -> JsonObj:
        schema = self.type(f.type)
        notes: JsonObj = {}
        if f.description:
            notes["description"] = f.description
        if f.deprecated:
            notes["deprecated"] = True
        if f.has_default and not f.required:
            notes["default"] = f.default
        if f.examples:
            notes["examples"] = list(f.examples)
        if f.pii:
            notes["x-pii"] = True
        if f.classification:
            notes["x-classification"] = f.classification
        if not notes:
            return schema
        if "$ref" in schema and self.dialect == "asyncapi":
            return {"allOf": [schema], **notes}  # draft-07 ignores keywords beside $ref
        return {**schema, **notes}

    def enum(self, e: ir.Enum) -> JsonObj:
        schema: JsonObj = {"title": e.name}
        if e.description:
            schema["description"] = e.description
        schema["enum"] = [enum_wire_value(self.c, v) for v in e.values]
        return schema

    def type(self, t: ir.Type) -> JsonObj:
        if isinstance(t, ir.ScalarType):
            return scalar_schema(t)
        if isinstance(t, (ir.EnumType, ir.RecordType)):
            return self.ref(t.ref)
        if isinstance(t, ir.ArrayType):
            return self._array(t)
        if isinstance(t, ir.TupleType):
            return self._tuple(t)
        if isinstance(t, ir.MapType):
            keys = map_key_schema(t.key)
            return {"type": "object", "propertyNames": keys, "additionalProperties": self.type(t.value)}
        if isinstance(t, ir.UnionType):
            return {"anyOf": [self.type(v) for v in t.variants]}
        if isinstance(t, ir.NullableType):
            return {"anyOf": [self.type(t.inner), {"type": "null"}]}
        if isinstance(t, ir.LiteralType):
            return {"const": t.value}
        return {}  # JsonType: any JSON value

    def _array(self, t: ir.ArrayType) -> JsonObj:
        schema: JsonObj = {"type": "array", "items": self.type(t.items)}
        if t.min_items is not None:
            schema["minItems"] = t.min_items
        if t.max_items is not None:
            schema["maxItems"] = t.max_items
        if t.unique_items:
            schema["uniqueItems"] = True
        return schema

    def _tuple(self, t: ir.TupleType) -> JsonObj:
        items = [self.type(i) for i in t.items]
        n = len(items)
        if self.dialect == "2020-12":
            return {"type": "array", "prefixItems": items, "items": False, "minItems": n, "maxItems": n}
        return {"type": "array", "items": items, "additionalItems": False, "minItems": n, "maxItems": n}


def scalar_schema(t: ir.ScalarType) -> JsonObj:
    k, c = t.kind, t.constraints
    schema: JsonObj
    if k is ir.Scalar.BOOL:
        return {"type": "boolean"}
    if k in INT_RANGES:
        low, high = INT_RANGES[k]
        schema = {"type": "integer", "format": k.value, "minimum": low, "maximum": high}
    elif k in (ir.Scalar.FLOAT32, ir.Scalar.FLOAT64):
        schema = {"type": "number", "format": "float" if k is ir.Scalar.FLOAT32 else "double"}
    elif k is ir.Scalar.DECIMAL:
        # msgspec writes decimal.Decimal as a string; bounds are documented, checked by the runtime.
        schema = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
        schema.update(_decimal_notes(t))
        return schema
    elif k is ir.Scalar.BYTES:
        schema = {"type": "string", "contentEncoding": "base64"}
    elif k in STRING_FORMATS:
        schema = {"type": "string", "format": STRING_FORMATS[k]}
    else:
        schema = {"type": "string"}
        if t.format:
            schema["format"] = t.format
    schema.update(_constraints(c, bytes_kind=k is ir.Scalar.BYTES))
    return schema


def _decimal_notes(t: ir.ScalarType) -> JsonObj:
    notes: JsonObj = {}
    if t.precision is not None:
        notes["x-precision"] = t.precision
    if t.scale is not None:
        notes["x-scale"] = t.scale
    c = t.constraints
    bounds = (
        ("x-minimum", c.minimum),
        ("x-maximum", c.maximum),
        ("x-exclusiveMinimum", c.exclusive_minimum),
        ("x-exclusiveMaximum", c.exclusive_maximum),
        ("x-multipleOf", c.multiple_of),
    )
    notes.update({k: v for k, v in bounds if v is not None})
    return notes


def _constraints(c: ir.Constraints, *, bytes_kind: bool) -> JsonObj:
    out: JsonObj = {}
    pairs: tuple[tuple[str, object], ...] = (
        ("pattern", c.pattern),
        ("minimum", c.minimum),
        ("maximum", c.maximum),
        ("exclusiveMinimum", c.exclusive_minimum),
        ("exclusiveMaximum", c.exclusive_maximum),
        ("multipleOf", c.multiple_of),
    )
    # A length limit on bytes counts bytes, not base64 characters: keep it as a note.
    length_prefix = "x-" if bytes_kind else ""
    out.update({f"{length_prefix}minLength": c.min_length} if c.min_length is not None else {})
    out.update({f"{length_prefix}maxLength": c.max_length} if c.max_length is not None else {})
    out.update({k: v for k, v in pairs if v is not None})
    return out


def map_key_schema(key: ir.ScalarType) -> JsonObj:
    """JSON object keys are strings: integer and bool keys are written as their text."""
    if key.kind in INT_RANGES:
        return {"pattern": r"^-?[0-9]+$"}
    if key.kind is ir.Scalar.BOOL:
        return {"enum": ["true", "false"]}
    return {k: v for k, v in scalar_schema(key).items() if k != "type"}


def contract_annotations(c: ir.Contract) -> JsonObj:
    """Contract metadata as an annotation for registries and catalogs."""
    meta: JsonObj = {"name": c.name, "version": c.version, "compatibility": c.compatibility.value}
    if c.owner:
        meta["owner"] = {"team": c.owner.team, **({"contact": c.owner.contact} if c.owner.contact else {})}
    if c.tags:
        meta["tags"] = list(c.tags)
    return meta


def _pairs(names: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            yield a, b


def _both_set(a: str, b: str) -> JsonObj:
    """Two oneof members both present and not null: what the 'not' of a record forbids."""
    not_null: JsonObj = {"not": {"type": "null"}}
    return {"required": [a, b], "properties": {a: not_null, b: not_null}}
