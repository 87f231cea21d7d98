"""Example payloads for the docs: built from the contract's field examples, else synthesized from
types and constraints, and always checked against the exported JSON Schema before being shown.

Patterns are met by sampling the regular expression's parse tree (Python's own ``re`` parser) and
checking the sample with ``re``; when no valid payload can be found the docs say so and show none.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import jsonschema
import msgspec

from codegen import ir
from codegen.emitters.docs_schema import INT_RANGES, JsonObj, enum_wire_value

if TYPE_CHECKING:
    import sre_constants as _sc
    import sre_parse as _sp
else:  # the same modules; the old names warn on import since Python 3.11
    import re._constants as _sc
    import re._parser as _sp

_FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER
MAX_DEPTH = 6  # optional fields below this depth are left out, so recursive records end
FIXED: dict[ir.Scalar, ir.JsonValue] = {
    ir.Scalar.BOOL: True,
    ir.Scalar.BYTES: "aGVsbG8=",
    ir.Scalar.DATE: "2024-05-01",
    ir.Scalar.TIME: "12:30:00Z",
    ir.Scalar.DATETIME: "2024-05-01T12:30:00Z",
    ir.Scalar.DURATION: "PT15M",
    ir.Scalar.UUID: "6f1c2a0e-8a7b-4c1e-9d3f-2b5e8c7a9d10",
}
FORMAT_VALUES = {
    "email": "jane@example.com",
    "idn-email": "jane@example.com",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.10",
    "ipv6": "2001:db8::10",
    "date": "2024-05-01",
    "date-time": "2024-05-01T12:30:00Z",
    "time": "12:30:00Z",
    "uuid": "6f1c2a0e-8a7b-4c1e-9d3f-2b5e8c7a9d10",
    "duration": "PT15M",
}


class CannotSynthesize(Exception):
    """No value could be found for a type; the message names the field and the reason."""


class Example(msgspec.Struct, frozen=True):
    payload: ir.JsonValue  # None when no valid payload could be built
    valid: bool
    problems: tuple[str, ...] = ()  # why no payload is shown
    from_examples: bool = False


def example_payload(contract: ir.Contract, schema: JsonObj) -> Example:
    """A payload of the contract's root record that validates against ``schema``, the 2020-12 export."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    problems: list[str] = []
    for use_examples in (True, False):
        try:
            payload = Synthesizer(contract, use_examples).record(contract.root, 0, contract.root)
        except CannotSynthesize as exc:
            problems.append(str(exc))
            continue
        errors = sorted(validator.iter_errors(payload), key=lambda e: list(map(str, e.absolute_path)))
        if not errors:
            return Example(payload, True, (), use_examples)
        problems.extend(_describe(e) for e in errors[:5])
    return Example(None, False, tuple(dict.fromkeys(problems)))


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message[:200]}"


class Synthesizer:
    def __init__(self, contract: ir.Contract, use_examples: bool) -> None:
        self.c = contract
        self.use_examples = use_examples

    def record(self, record_id: str, depth: int, where: str) -> dict[str, ir.JsonValue]:
        record = self.c.record(record_id)
        out: dict[str, ir.JsonValue] = {}
        groups_done: set[str] = set()
        for f in record.fields:
            needed = f.required
            if not needed and (f.deprecated or depth >= MAX_DEPTH):
                continue
            if f.oneof is not None and not needed:
                if f.oneof in groups_done:
                    continue
                groups_done.add(f.oneof)
            if depth >= MAX_DEPTH * 2:
                raise CannotSynthesize(f"{where}.{f.name}: the record nests itself without end")
            out[f.name] = self.field(f, depth, f"{where}.{f.name}")
        return out

    def field(self, f: ir.Field, depth: int, where: str) -> ir.JsonValue:
        if self.use_examples and f.examples:
            return f.examples[0]
        return self.value(f.type, depth, where)

    def value(self, t: ir.Type, depth: int, where: str) -> ir.JsonValue:
        if isinstance(t, ir.ScalarType):
            return scalar_value(t, where)
        if isinstance(t, ir.EnumType):
            return self.enum_value(t.ref, where)
        if isinstance(t, ir.RecordType):
            return self.record(t.ref, depth + 1, where)
        if isinstance(t, ir.ArrayType):
            # One item shows the shape; deep down, the fewest allowed, so recursive records end.
            count = t.min_items or 0 if depth >= MAX_DEPTH else max(t.min_items or 0, 1)
            if t.max_items is not None:
                count = min(count, t.max_items)
            return [self.value(t.items, depth, f"{where}[]") for _ in range(count)]
        if isinstance(t, ir.TupleType):
            return [self.value(item, depth, f"{where}[{i}]") for i, item in enumerate(t.items)]
        if isinstance(t, ir.MapType):
            return {map_key(t.key, where): self.value(t.value, depth, f"{where}{{}}")}
        if isinstance(t, ir.UnionType):
            return self.value(t.variants[0], depth, where) if t.variants else None
        if isinstance(t, ir.NullableType):
            return None if depth >= MAX_DEPTH else self.value(t.inner, depth, where)
        if isinstance(t, ir.LiteralType):
            return t.value
        return {}  # JsonType

    def enum_value(self, enum_id: str, where: str) -> ir.JsonValue:
        e = self.c.enum(enum_id)
        if not e.values:
            raise CannotSynthesize(f"{where}: enum {e.name} has no values")
        # protobuf's zero value means "unset"; a real example shows a meaningful one.
        chosen = next((v for v in e.values if v.number not in (0, None) and not v.deprecated), e.values[0])
        return enum_wire_value(self.c, chosen)


def map_key(key: ir.ScalarType, where: str) -> str:
    if key.kind in INT_RANGES:
        return "1"
    if key.kind is ir.Scalar.BOOL:
        return "true"
    value = scalar_value(key, where)
    return value if isinstance(value, str) else "key"


def scalar_value(t: ir.ScalarType, where: str) -> ir.JsonValue:
    k, c = t.kind, t.constraints
    if k in FIXED:
        return FIXED[k]
    if k in INT_RANGES:
        low, high = INT_RANGES[k]
        return int(_number(c, where, integer=True, low=low, high=high))
    if k in (ir.Scalar.FLOAT32, ir.Scalar.FLOAT64):
        return float(_number(c, where, integer=False))
    if k is ir.Scalar.DECIMAL:
        return _decimal(t, where)
    return _string(t, where)


def _number(
    c: ir.Constraints, where: str, *, integer: bool, low: float | None = None, high: float | None = None
) -> float:
    """1 when allowed, else the smallest allowed value (a multiple of multipleOf when set)."""
    try:
        return _bounded_number(c, where, integer=integer, low=low, high=high)
    except OverflowError:  # a bound or step beyond the float range (JSON spells 10**400 as an integer)
        raise CannotSynthesize(f"{where}: the field's bounds are beyond the float range") from None


def _bounded_number(c: ir.Constraints, where: str, *, integer: bool, low: float | None, high: float | None) -> float:
    step = 1.0 if integer else 0.5
    lows = [x for x in (low, c.minimum) if x is not None]
    if c.exclusive_minimum is not None:
        lows.append(math.floor(c.exclusive_minimum) + 1 if integer else c.exclusive_minimum + step)
    highs = [x for x in (high, c.maximum) if x is not None]
    if c.exclusive_maximum is not None:
        highs.append(math.ceil(c.exclusive_maximum) - 1 if integer else c.exclusive_maximum - step)
    lo, hi = (max(lows) if lows else None), (min(highs) if highs else None)
    value = 1.0
    if lo is not None and value < lo:
        value = float(lo)
    if hi is not None and value > hi:
        value = float(hi)
    if c.multiple_of:
        value = math.ceil(value / c.multiple_of) * c.multiple_of
    if integer:
        value = float(math.ceil(value))
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise CannotSynthesize(f"{where}: no number found within the field's bounds")
    return value


def _decimal(t: ir.ScalarType, where: str) -> str:
    value = _number(t.constraints, where, integer=False)
    scale = t.scale if t.scale is not None else 2
    return f"{value:.{scale}f}"


def _string(t: ir.ScalarType, where: str) -> str:
    c = t.constraints
    if c.pattern is not None:
        text = sample_pattern(c.pattern, c.min_length or 0, c.max_length)
        if text is None:
            raise CannotSynthesize(f"{where}: no value found that matches the pattern {c.pattern}; add an example")
        return text
    text = FORMAT_VALUES.get(t.format or "", "example")
    if c.min_length is not None and len(text) < c.min_length:
        text = text + "x" * (c.min_length - len(text))
    if c.max_length is not None and len(text) > c.max_length:
        text = text[: c.max_length]
    return text


# -- regular expressions ---------------------------------------------------------------------------

_CANDIDATES = "aA0-_ .@xyzXYZ19"
_MAX_REPEAT = 50


class _NoSample(Exception):
    pass


def sample_pattern(pattern: str, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A short string that ``re.search(pattern, ...)`` accepts, within the lengths, or None when none is
    found. Each repeat gives its fewest items first, then more (``extra``) until the string is long enough."""
    try:
        parsed: list[tuple[object, object]] = list(_sp.parse(pattern).data)
        for extra in range(min(min_length, _MAX_REPEAT) + 1):
            text = _emit(parsed, extra)
            if len(text) >= min_length or extra == _MAX_REPEAT:
                break
    except (re.error, _NoSample, RecursionError, OverflowError):
        return None
    fits = len(text) >= min_length and (max_length is None or len(text) <= max_length)
    return text if fits and re.search(pattern, text) else None


def _emit(items: list[tuple[object, object]], extra: int = 0) -> str:
    return "".join(_emit_one(op, av, extra) for op, av in items)


def _emit_one(op: object, av: object, extra: int = 0) -> str:  # one branch per regex node kind
    if op is _sc.LITERAL and isinstance(av, int):
        return chr(av)
    if op is _sc.NOT_LITERAL and isinstance(av, int):
        return "b" if chr(av) == "a" else "a"
    if op is _sc.ANY:
        return "a"
    if op is _sc.IN and isinstance(av, list):
        return _class_member(av)
    if op is _sc.BRANCH and isinstance(av, tuple):
        return _emit(list(av[1][0]), extra)
    if op is _sc.SUBPATTERN and isinstance(av, tuple):
        return _emit(list(av[-1]), extra)
    if op in (_sc.MAX_REPEAT, _sc.MIN_REPEAT, getattr(_sc, "POSSESSIVE_REPEAT", None)) and isinstance(av, tuple):
        low, high, sub = av
        count = min(int(low) + extra, int(high), _MAX_REPEAT)  # high is MAXREPEAT for + and *
        return _emit(list(sub), extra) * max(count, min(int(low), _MAX_REPEAT))
    if op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
        return ""
    raise _NoSample(str(op))


def _class_member(items: list[tuple[object, object]]) -> str:
    """The first plausible character that the character class accepts."""
    firsts = []
    for op, av in items:
        if op is _sc.LITERAL and isinstance(av, int):
            firsts.append(chr(av))
        elif op is _sc.RANGE and isinstance(av, tuple):
            firsts.append(chr(av[0]))
    for ch in firsts + list(_CANDIDATES):
        if _in_class(items, ch):
            return ch
    raise _NoSample("character class")


def _in_class(items: list[tuple[object, object]], ch: str) -> bool:
    negate = bool(items) and items[0][0] is _sc.NEGATE
    hit = False
    for op, av in items:
        if op is _sc.LITERAL and isinstance(av, int):
            hit = hit or ch == chr(av)
        elif op is _sc.RANGE and isinstance(av, tuple):
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is _sc.CATEGORY:
            hit = hit or _in_category(av, ch)
    return hit != negate


def _in_category(category: object, ch: str) -> bool:
    checks = {
        _sc.CATEGORY_DIGIT: ch.isdigit(),
        _sc.CATEGORY_NOT_DIGIT: not ch.isdigit(),
        _sc.CATEGORY_WORD: ch.isalnum() or ch == "_",
        _sc.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
        _sc.CATEGORY_SPACE: ch.isspace(),
        _sc.CATEGORY_NOT_SPACE: not ch.isspace(),
    }
    return bool(checks.get(category, False))  # type: ignore[call-overload]
