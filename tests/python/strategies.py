"""Hypothesis strategies derived from the IR: JSON documents that satisfy a contract's record.

Each strategy yields what a producer would put on the wire (plain JSON values keyed by wire names),
so a property can decode it with the generated class and check the round trip.
"""

from __future__ import annotations

import base64
import datetime
import decimal
from typing import Any

import msgspec
from contract_runtime._rules import ecma_pattern
from hypothesis import strategies as st

from codegen import ir
from codegen.constraints import FLOATS, INT_BOUNDS, int_range

S = ir.Scalar
UTC = datetime.UTC
ZONES = st.sampled_from(
    [UTC, datetime.timezone(datetime.timedelta(hours=2)), datetime.timezone(-datetime.timedelta(hours=5, minutes=30))]
)
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20)
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "email": st.from_regex(r"\A[a-z0-9._+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,6}\Z"),
    "idn-email": st.from_regex(r"\A[a-z0-9._+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,6}\Z"),
    "hostname": st.from_regex(r"\A[a-z][a-z0-9]{0,10}(\.[a-z][a-z0-9]{0,10}){0,3}\Z"),
    "ipv4": st.ip_addresses(v=4).map(str),
    "ipv6": st.ip_addresses(v=6).map(str),
    "uri": st.from_regex(r"\Ahttps://[a-z]{1,10}\.example/[a-z0-9]{0,10}\Z"),
    "uri-reference": st.from_regex(r"\A/[a-z0-9/]{0,10}\Z"),
}


class Strategies:
    def __init__(self, contract: ir.Contract, max_depth: int = 3) -> None:
        self.c = contract
        self.max_depth = max_depth

    def enum_value(self, e: ir.Enum, v: ir.EnumValue) -> str | int:
        return v.name if self.c.source.language is ir.SchemaLanguage.PROTOBUF else v.value

    def record(self, record_id: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
        r = self.c.record(record_id)
        required = {f.name: self.of(f.type, depth) for f in r.fields if f.required}
        optional = {f.name: self.of(f.type, depth) for f in r.fields if not f.required}
        if depth >= self.max_depth:
            optional = {}
        doc = st.fixed_dictionaries(required, optional=optional)
        for oneof in r.oneofs:
            members = oneof.fields
            doc = doc.filter(lambda d, m=members: sum(d.get(n) is not None for n in m) <= 1)
        return doc

    def of(self, t: ir.Type, depth: int) -> st.SearchStrategy[Any]:
        if isinstance(t, ir.ScalarType):
            return self.scalar(t)
        if isinstance(t, ir.EnumType):
            e = self.c.enum(t.ref)
            return st.sampled_from([self.enum_value(e, v) for v in e.values])
        if isinstance(t, ir.RecordType):
            return st.deferred(lambda: self.record(t.ref, depth + 1))
        if isinstance(t, ir.ArrayType):
            max_size = t.max_items if t.max_items is not None else (3 if depth < self.max_depth else 0)
            min_size = t.min_items or 0
            unique = (lambda x: msgspec.json.encode(x, order="sorted")) if t.unique_items else None
            return st.lists(
                self.of(t.items, depth), min_size=min_size, max_size=max(min_size, min(max_size, 3)), unique_by=unique
            )
        if isinstance(t, ir.TupleType):
            return st.tuples(*(self.of(i, depth) for i in t.items)).map(list)
        if isinstance(t, ir.MapType):
            keys = self.scalar(t.key).map(str) if t.key.kind is not S.STRING else self.scalar(t.key)
            return st.dictionaries(keys, self.of(t.value, depth), max_size=3 if depth < self.max_depth else 0)
        if isinstance(t, ir.NullableType):
            return st.one_of(st.none(), self.of(t.inner, depth))
        if isinstance(t, ir.UnionType):
            return st.one_of(*(self.of(v, depth) for v in t.variants))
        if isinstance(t, ir.LiteralType):
            return st.just(t.value)
        return json_values()

    def scalar(self, t: ir.ScalarType) -> st.SearchStrategy[Any]:
        c, kind = t.constraints, t.kind
        if kind is S.BOOL:
            return st.booleans()
        if kind in INT_BOUNDS:
            lo, hi = int_range(kind, c)
            m = int(c.multiple_of or 1)
            return st.integers(-(-lo // m), hi // m).map(lambda k: k * m)  # integer division: no float rounding
        if kind in FLOATS:
            return floats(c)
        if kind is S.DECIMAL:
            return decimals(t)
        if kind is S.STRING:
            return strings(t)
        if kind is S.BYTES:
            return st.binary(min_size=c.min_length or 0, max_size=c.max_length).map(
                lambda b: base64.b64encode(b).decode()
            )
        if kind is S.DATE:
            return st.dates().map(datetime.date.isoformat)
        if kind is S.TIME:
            return st.times().map(datetime.time.isoformat)
        if kind is S.DATETIME:
            return st.datetimes(timezones=ZONES).map(datetime.datetime.isoformat)
        if kind is S.DURATION:
            return st.timedeltas(min_value=datetime.timedelta(days=-999), max_value=datetime.timedelta(days=999)).map(
                msgspec.to_builtins
            )
        return st.uuids().map(str)


def floats(c: ir.Constraints) -> st.SearchStrategy[float]:
    if c.multiple_of is not None:
        return st.integers(-1000, 1000).map(lambda k: k * float(c.multiple_of or 1))
    lo = c.minimum if c.minimum is not None else c.exclusive_minimum
    hi = c.maximum if c.maximum is not None else c.exclusive_maximum
    return st.floats(
        min_value=lo,
        max_value=hi,
        exclude_min=c.minimum is None and lo is not None,
        exclude_max=c.maximum is None and hi is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def decimals(t: ir.ScalarType) -> st.SearchStrategy[str]:
    scale = t.scale if t.scale is not None else 4
    limit = 10 ** ((t.precision or 12) - scale) - 1
    c = t.constraints
    lo = max(-limit, c.minimum if c.minimum is not None else -limit)
    hi = min(limit, c.maximum if c.maximum is not None else limit)
    values = st.decimals(min_value=lo, max_value=hi, places=scale, allow_nan=False, allow_infinity=False)
    gt, lt, step = c.exclusive_minimum, c.exclusive_maximum, c.multiple_of
    values = values.filter(lambda d: (gt is None or d > gt) and (lt is None or d < lt))
    if step is not None:
        values = values.filter(lambda d: d % decimal.Decimal(str(step)) == 0)
    return values.map(str)


def strings(t: ir.ScalarType) -> st.SearchStrategy[str]:
    c = t.constraints
    if t.format in FORMATS:
        base = FORMATS[t.format]
    elif c.pattern is not None:
        base = st.from_regex(ecma_pattern(c.pattern))  # as the records check it
    else:
        return st.text(
            alphabet=st.characters(exclude_categories=("Cs",)), min_size=c.min_length or 0, max_size=c.max_length or 20
        )
    lo, hi = c.min_length or 0, c.max_length if c.max_length is not None else 10**9
    return base.filter(lambda s: lo <= len(s) <= hi)


def json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | st.floats(allow_nan=False, allow_infinity=False)
        | TEXT
    )
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
    )
