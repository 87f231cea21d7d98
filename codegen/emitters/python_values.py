"""Contract values (defaults, examples) -> Python source expressions.

Every string goes through repr(), so no value from a contract can break out of its literal. A default
that does not fit its field's type raises Unrepresentable("E044", ...).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import uuid
from collections.abc import Callable

import msgspec

from codegen import ir
from codegen.constraints import FLOATS, INT_BOUNDS, value_violation
from codegen.emitters.python_types import FLOAT_MAX_INT, Unrepresentable, flatten_union, num

__all__ = ["ValueRenderer", "json_literal", "value_violation"]


def json_literal(value: ir.JsonValue) -> str:
    """A Python literal equal to a JSON value (true -> True, null -> None, ...)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {json_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(json_literal(v) for v in value) + "]"
    if isinstance(value, float):
        return num(value)
    return repr(value)


class Expr(msgspec.Struct, frozen=True):
    source: str
    mutable: bool = False  # needs default_factory


def _bad(value: object, what: str) -> Unrepresentable:
    text = repr(value)
    return Unrepresentable("E044", f"default {text[:60]} is not a valid {what}")


def _iso(parse: Callable[[str], object], value: ir.JsonValue, what: str) -> str:
    if not isinstance(value, str):
        raise _bad(value, what)
    try:
        parse(value)
    except ValueError:
        raise _bad(value, what) from None
    return repr(value)


def _scalar(t: ir.ScalarType, v: ir.JsonValue) -> str:
    kind = t.kind
    if kind is ir.Scalar.BOOL:
        if isinstance(v, bool):
            return repr(v)
        raise _bad(v, "bool")
    if isinstance(v, bool):
        raise _bad(v, kind.value)
    if kind in INT_BOUNDS:
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            return repr(int(v))
        raise _bad(v, kind.value)
    if kind in FLOATS:
        if isinstance(v, float) or (isinstance(v, int) and abs(v) <= FLOAT_MAX_INT):
            return num(float(v))
        raise _bad(v, kind.value)  # also an integer beyond the float range (JSON allows 1 followed by 400 zeros)
    if kind is ir.Scalar.STRING:
        if isinstance(v, str):
            return repr(v)
        raise _bad(v, "string")
    if kind is ir.Scalar.DECIMAL:
        return _decimal(v)
    if kind is ir.Scalar.UUID:
        return f"uuid.UUID({_iso(uuid.UUID, v, 'uuid')})"
    if kind is ir.Scalar.DATE:
        return f"datetime.date.fromisoformat({_iso(datetime.date.fromisoformat, v, 'date')})"
    if kind is ir.Scalar.TIME:
        return f"datetime.time.fromisoformat({_iso(datetime.time.fromisoformat, v, 'time')})"
    if kind is ir.Scalar.DATETIME:
        return f"datetime.datetime.fromisoformat({_iso(_aware_datetime, v, 'zone-aware date-time')})"
    if kind is ir.Scalar.DURATION:
        return _duration(v)
    return _bytes(v)


def _decimal(v: ir.JsonValue) -> str:
    if not isinstance(v, (int, float, str)):
        raise _bad(v, "decimal")
    try:
        d = decimal.Decimal(str(v))
    except decimal.InvalidOperation:
        raise _bad(v, "decimal") from None
    if not d.is_finite():
        raise _bad(v, "finite decimal")
    return f"decimal.Decimal({str(d)!r})"


def _aware_datetime(s: str) -> None:
    if datetime.datetime.fromisoformat(s).tzinfo is None:
        raise ValueError(s)


def _duration(v: ir.JsonValue) -> str:
    try:
        delta = msgspec.json.decode(msgspec.json.encode(v), type=datetime.timedelta)
    except msgspec.ValidationError:
        raise _bad(v, "ISO-8601 duration") from None
    return f"datetime.timedelta(days={delta.days}, seconds={delta.seconds}, microseconds={delta.microseconds})"


def _bytes(v: ir.JsonValue) -> str:
    if not isinstance(v, str):
        raise _bad(v, "base64 bytes value")
    try:
        return repr(base64.b64decode(v, validate=True))
    except binascii.Error:
        raise _bad(v, "base64 bytes value") from None


class ValueRenderer:
    """Renders a JSON value as a Python expression of the type the field's annotation names."""

    def __init__(
        self,
        contract: ir.Contract,
        class_names: dict[str, str],
        member_names: dict[str, dict[str | int, str]],
        field_names: dict[str, dict[str, str]],
        tag_fields: dict[str, str],
    ) -> None:
        self.contract = contract
        self.class_names = class_names
        self.member_names = member_names  # Enum.id -> wire value (and protobuf number) -> member name
        self.field_names = field_names  # Record.id -> wire name -> attribute name
        self.tag_fields = tag_fields  # Record.id -> wire name of the field that became the msgspec tag

    def expr(self, t: ir.Type, v: ir.JsonValue) -> Expr:
        if isinstance(t, ir.ScalarType):
            return Expr(_scalar(t, v))
        if isinstance(t, ir.NullableType):
            return Expr("None") if v is None else self.expr(t.inner, v)
        if isinstance(t, ir.EnumType):
            members = self.member_names[t.ref]
            if isinstance(v, (str, int)) and not isinstance(v, bool) and v in members:
                return Expr(f"{self.class_names[t.ref]}.{members[v]}")
            raise _bad(v, f"member of enum {self.contract.enum(t.ref).name}")
        if isinstance(t, ir.LiteralType):
            if v == t.value and type(v) is type(t.value):
                return Expr(repr(v))
            raise _bad(v, f"constant {t.value!r}")
        if isinstance(t, ir.ArrayType):
            if not isinstance(v, list):
                raise _bad(v, "array")
            return Expr("[" + ", ".join(self.expr(t.items, i).source for i in v) + "]", mutable=True)
        if isinstance(t, ir.TupleType):
            if not isinstance(v, list) or len(v) != len(t.items):
                raise _bad(v, f"array of {len(t.items)} items")
            items = [self.expr(it, i) for it, i in zip(t.items, v, strict=True)]
            inner = ", ".join(e.source for e in items)
            # A record inside is built by a factory too: in the class body its class may not exist yet.
            return Expr(f"({inner},)" if len(v) == 1 else f"({inner})", mutable=any(e.mutable for e in items))
        if isinstance(t, ir.MapType):
            return self._map(t, v)
        if isinstance(t, ir.RecordType):
            return self._record(t, v)
        if isinstance(t, ir.UnionType):
            return self._union(t, v)
        return Expr(json_literal(v), mutable=isinstance(v, (list, dict)))  # JsonType

    def _map(self, t: ir.MapType, v: ir.JsonValue) -> Expr:
        if not isinstance(v, dict):
            raise _bad(v, "object")
        items: list[str] = []
        for key, value in v.items():
            if t.key.kind in INT_BOUNDS:
                try:
                    key_src = repr(int(key))
                except ValueError:
                    raise _bad(key, "integer key") from None
            else:
                key_src = _scalar(t.key, key)
            items.append(f"{key_src}: {self.expr(t.value, value).source}")
        return Expr("{" + ", ".join(items) + "}", mutable=True)

    def _record(self, t: ir.RecordType, v: ir.JsonValue) -> Expr:
        record = self.contract.record(t.ref)
        if not isinstance(v, dict):
            raise _bad(v, f"{record.name} object")
        by_name = {f.name: f for f in record.fields}
        missing = [f.name for f in record.fields if f.required and not f.has_default and f.name not in v]
        tag = self.tag_fields.get(record.id)
        if [m for m in missing if m != tag]:
            raise _bad(v, f"{record.name} object (it lacks required {', '.join(repr(m) for m in missing)})")
        args: list[str] = []
        for key, value in v.items():
            if key not in by_name:
                raise _bad(v, f"{record.name} object (it has no field {key!r})")
            source = self.expr(by_name[key].type, value).source  # a tag of another variant fails here
            if key != tag:  # the tag is the class itself, no argument
                args.append(f"{self.field_names[record.id][key]}={source}")
        return Expr(f"{self.class_names[record.id]}({', '.join(args)})", mutable=True)

    def _union(self, t: ir.UnionType, v: ir.JsonValue) -> Expr:
        for variant in flatten_union(t):
            if variant is None:
                if v is None:
                    return Expr("None")
                continue
            try:
                return self.expr(variant, v)
            except Unrepresentable:
                continue
        raise _bad(v, "value of any of the union's types")
