"""IR types -> Python annotations for msgspec Structs, with the checks msgspec cannot express.

``TypeRenderer`` turns one contract's IR types into annotation source text. Constraints msgspec's
``Meta`` supports go into ``typing.Annotated[..., msgspec.Meta(...)]``; the rest (string formats,
decimal digits and bounds, uniqueItems, and a string field's own pattern, which is cheaper so) become
``contract_runtime`` rules that ``__post_init__`` calls.
What msgspec cannot represent at all (some unions, map keys) is reported as E042.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from msgspec.structs import replace

from codegen import ir
from codegen.constraints import FLOATS, INT_BOUNDS, RUNTIME_FORMATS, int_range, python_pattern
from codegen.diagnostics import Diagnostic, Location

SCALAR_TYPES: dict[ir.Scalar, str] = {
    ir.Scalar.BOOL: "bool",
    ir.Scalar.INT32: "int",
    ir.Scalar.INT64: "int",
    ir.Scalar.UINT32: "int",
    ir.Scalar.UINT64: "int",
    ir.Scalar.FLOAT32: "float",
    ir.Scalar.FLOAT64: "float",
    ir.Scalar.DECIMAL: "decimal.Decimal",
    ir.Scalar.STRING: "str",
    ir.Scalar.BYTES: "bytes",
    ir.Scalar.DATE: "datetime.date",
    ir.Scalar.TIME: "datetime.time",
    ir.Scalar.DATETIME: "datetime.datetime",
    ir.Scalar.DURATION: "datetime.timedelta",
    ir.Scalar.UUID: "uuid.UUID",
}
# Which constraints msgspec's Meta accepts per kind (decimal bounds are checked by the runtime).
LENGTH_KINDS = frozenset({ir.Scalar.STRING, ir.Scalar.BYTES})
NUMERIC_KINDS = frozenset(INT_BOUNDS) | FLOATS | {ir.Scalar.DECIMAL}
MAP_KEY_KINDS = frozenset(INT_BOUNDS) | {ir.Scalar.STRING, ir.Scalar.UUID}
# Union members a Literal of the same JSON kind may sit beside (msgspec merges them).
PLAIN_WITH_LITERALS = frozenset({"str", "int32", "int64", "uint32", "uint64"})


FLOAT_MAX_INT = int(sys.float_info.max)  # an int above it (JSON spells 10**400) has no float
_MAX_SIZE = 2**63 - 1  # msgspec.Meta refuses a length that does not fit a Py_ssize_t: at import, not here


def _sizes(bounds: tuple[tuple[str, int | None], ...]) -> list[tuple[str, str]]:
    """msgspec.Meta keyword arguments for length bounds that are set."""
    for _, value in bounds:
        if value is not None and value > _MAX_SIZE:
            raise Unrepresentable("E043", f"length bound {value} is beyond the largest msgspec checks (2**63 - 1)")
    return [(key, repr(value)) for key, value in bounds if value is not None]


class Unrepresentable(Exception):
    """Raised inside the renderer; turned into one diagnostic at the field being rendered."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def num(value: int | float) -> str:
    """A Python literal for a JSON number (inf/nan cannot be literals)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    return repr(value)


@dataclass
class Meta:
    """Keyword arguments of one ``msgspec.Meta(...)``: constraints and docs as source text, plus the
    extra JSON Schema keywords (merged into one ``extra_json_schema`` dict)."""

    kwargs: list[tuple[str, str]] = field(default_factory=list)
    schema: dict[str, ir.JsonValue] = field(default_factory=dict)

    def __add__(self, other: Meta) -> Meta:
        return Meta(self.kwargs + other.kwargs, {**self.schema, **other.schema})

    def source(self) -> str:
        kwargs = list(self.kwargs)
        if self.schema:
            kwargs.append(("extra_json_schema", repr(dict(sorted(self.schema.items())))))
        return "msgspec.Meta(" + ", ".join(f"{k}={v}" for k, v in kwargs) + ")"

    def __bool__(self) -> bool:
        return bool(self.kwargs or self.schema)


def annotated(base: str, meta: Meta) -> str:
    return f"typing.Annotated[{base}, {meta.source()}]" if meta else base


@dataclass(frozen=True)
class Tag:
    """A record that is a variant of a discriminated union: msgspec's tag_field / tag."""

    field: str
    value: str | int


class TypeRenderer:
    def __init__(
        self, contract: ir.Contract, class_names: dict[str, str], tags: dict[str, Tag], enum_kinds: dict[str, str]
    ) -> None:
        self.contract = contract
        self.class_names = class_names  # Record.id / Enum.id -> Python class name
        self.tags = tags  # Record.id -> its tag when it is a union variant
        self.enum_kinds = enum_kinds  # Enum.id -> "str" | "int"

    # -- annotations -----------------------------------------------------------------------------

    def annotation(self, t: ir.Type, doc: Meta | None = None) -> str:
        """The annotation for ``t``; ``doc`` (description, examples) merges into a scalar's or an
        array's Meta, or wraps the whole type."""
        doc = doc or Meta()
        if isinstance(t, ir.ScalarType):
            return annotated(SCALAR_TYPES[t.kind], self.scalar_meta(t) + doc)
        if isinstance(t, ir.ArrayType):
            sizes = Meta(_sizes((("min_length", t.min_items), ("max_length", t.max_items))))
            return annotated(f"list[{self.annotation(t.items)}]", sizes + doc)
        return annotated(self._plain(t), doc)

    def _plain(self, t: ir.Type) -> str:
        if isinstance(t, (ir.ScalarType, ir.ArrayType)):
            return self.annotation(t)
        if isinstance(t, (ir.EnumType, ir.RecordType)):
            return self.class_names[t.ref]
        if isinstance(t, ir.TupleType):
            inner = ", ".join(self.annotation(i) for i in t.items) or "()"
            return f"tuple[{inner}]"
        if isinstance(t, ir.MapType):
            return f"dict[{self._map_key(t.key)}, {self.annotation(t.value)}]"
        if isinstance(t, ir.NullableType):
            inner = self.annotation(t.inner)
            return inner if inner == "typing.Any" or _has_none(t.inner) else f"{inner} | None"
        if isinstance(t, ir.LiteralType):
            if not fits_msgspec_int(t.value):
                raise Unrepresentable("E042", f"constant {t.value} is beyond the int64 msgspec decodes")
            return f"typing.Literal[{t.value!r}]"
        if isinstance(t, ir.UnionType):
            return self._union(t)
        return "typing.Any"  # JsonType

    def _map_key(self, key: ir.ScalarType) -> str:
        if key.kind not in MAP_KEY_KINDS:
            raise Unrepresentable("E042", f"map keys of type {key.kind.value} cannot be JSON object keys")
        return self.annotation(key)

    def _union(self, t: ir.UnionType) -> str:
        variants = flatten_union(t)
        if any(isinstance(v, ir.JsonType) for v in variants):
            return "typing.Any"  # any JSON value already includes every other variant
        parts: dict[str, ir.Type | None] = {}
        for v in variants:
            parts.setdefault("None" if v is None else self.annotation(v), v)
        self.check_union(list(parts.values()))
        return " | ".join(parts)

    def scalar_meta(self, t: ir.ScalarType) -> Meta:
        c = t.constraints
        self._check_applicable(t)
        m = Meta()
        if t.kind in INT_BOUNDS:
            m.kwargs += int_bounds(t.kind, c)
        elif t.kind in FLOATS:
            bounds = (("ge", c.minimum), ("le", c.maximum), ("gt", c.exclusive_minimum), ("lt", c.exclusive_maximum))
            for v in (*(v for _, v in bounds), c.multiple_of):
                if isinstance(v, int) and abs(v) > FLOAT_MAX_INT:  # JSON spells 10**400; msgspec takes float bounds
                    raise Unrepresentable("E043", f"a bound of {len(str(abs(v)))} digits is beyond the float64 range")
            m.kwargs += [(k, num(v)) for k, v in bounds if v is not None]
            if float_multiple_of(t):  # a fraction: checked by a rule (runtime_checks), still said here
                m.schema["multipleOf"] = c.multiple_of
            elif c.multiple_of is not None:
                m.kwargs.append(("multiple_of", num(c.multiple_of)))
        elif t.kind in LENGTH_KINDS:
            m.kwargs += _sizes((("min_length", c.min_length), ("max_length", c.max_length)))
            if c.pattern is not None:
                m.kwargs.append(("pattern", repr(python_pattern(c.pattern))))
        elif t.kind is ir.Scalar.DATETIME:
            m.kwargs.append(("tz", "True"))
        elif t.kind is ir.Scalar.DECIMAL and (t.precision is not None or t.scale is not None):
            # Checked by contract_runtime.check_decimal; kept in the JSON Schema for readers.
            digits = {"x-precision": t.precision, "x-scale": t.scale}
            m.schema.update({k: v for k, v in digits.items() if v is not None})
        if t.format is not None and t.format not in RUNTIME_FORMATS:
            m.schema["format"] = t.format  # an annotation only, as JSON Schema treats unknown formats
        return m

    def _check_applicable(self, t: ir.ScalarType) -> None:
        c = t.constraints
        numeric = (c.minimum, c.maximum, c.exclusive_minimum, c.exclusive_maximum, c.multiple_of)
        if t.kind not in NUMERIC_KINDS and any(v is not None for v in numeric):
            raise Unrepresentable("E043", f"numeric bounds do not apply to a {t.kind.value} value")
        if t.kind not in LENGTH_KINDS and (c.min_length is not None or c.max_length is not None):
            raise Unrepresentable("E043", f"length bounds do not apply to a {t.kind.value} value")
        if t.kind is not ir.Scalar.STRING and c.pattern is not None:
            raise Unrepresentable("E043", f"a pattern does not apply to a {t.kind.value} value")

    # -- unions ----------------------------------------------------------------------------------

    def check_union(self, variants: list[ir.Type | None]) -> None:
        """msgspec picks a union's variant by the JSON kind of the value, so each kind may map to one
        type (literals may join a plain str or int; tagged records share the object kind)."""
        families: dict[str, list[str]] = {}
        for v in variants:
            family, label = self._family(v)
            families.setdefault(family, []).append(label)
        for family, labels in sorted(families.items()):
            if family == "object":
                self._check_objects(labels)
                continue
            types = [lbl for lbl in labels if not lbl.startswith("Literal")]
            mixes_literal = len(types) < len(labels) and types and types[0] not in PLAIN_WITH_LITERALS
            if family != "null" and (len(types) > 1 or mixes_literal):
                raise Unrepresentable(
                    "E042",
                    f"union of {', '.join(labels)} cannot be decoded: their values all arrive as JSON {family} "
                    "(use a discriminator or a single type)",
                )

    def _check_objects(self, labels: list[str]) -> None:
        tagged = [lbl for lbl in labels if lbl.startswith("tagged:")]
        if len(labels) > 1 and len(tagged) != len(labels):
            raise Unrepresentable(
                "E042",
                f"union of {len(labels)} object types without a discriminator cannot be decoded "
                "(give every variant a const field named by a discriminator)",
            )
        if len({lbl.split(":")[1] for lbl in tagged}) > 1:
            raise Unrepresentable("E042", "union variants use different discriminator fields")

    def _family(self, v: ir.Type | None) -> tuple[str, str]:
        """(JSON kind the value arrives as, a label for messages)."""
        if v is None:
            return "null", "null"
        if isinstance(v, ir.ScalarType):
            if v.kind is ir.Scalar.BOOL:
                return "bool", "bool"
            if v.kind in INT_BOUNDS or v.kind in FLOATS:
                return "number" if v.kind in FLOATS else "integer", v.kind.value
            return "string", "str" if v.kind is ir.Scalar.STRING else v.kind.value
        if isinstance(v, ir.EnumType):
            kind = self.enum_kinds[v.ref]
            return ("string" if kind == "str" else "integer"), f"enum {self.class_names[v.ref]}"
        if isinstance(v, ir.LiteralType):
            if isinstance(v.value, bool):
                return "bool", "bool"
            return ("string" if isinstance(v.value, str) else "integer"), f"Literal[{v.value!r}]"
        if isinstance(v, (ir.ArrayType, ir.TupleType)):
            return "array", "array"
        if isinstance(v, ir.RecordType):
            tag = self.tags.get(v.ref)
            return "object", f"tagged:{tag.field}" if tag else f"record:{v.ref}"
        return "object", "map"


def flatten_union(t: ir.UnionType) -> list[ir.Type | None]:
    """Variants with nested unions and nullables spread out; None stands for null."""
    out: list[ir.Type | None] = []
    for v in t.variants:
        if isinstance(v, ir.UnionType):
            out.extend(flatten_union(v))
        elif isinstance(v, ir.NullableType):
            inner = v.inner
            out.extend(flatten_union(inner) if isinstance(inner, ir.UnionType) else [inner])
            out.append(None)
        else:
            out.append(v)
    return out


def _has_none(t: ir.Type) -> bool:
    return isinstance(t, ir.NullableType) or (isinstance(t, ir.UnionType) and None in flatten_union(t))


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def fits_msgspec_int(value: object) -> bool:
    """False for an integer msgspec refuses as a Literal, enum value or tag (building the decoder fails)."""
    return not isinstance(value, int) or isinstance(value, bool) or INT64_MIN <= value <= INT64_MAX


def int_bounds(kind: ir.Scalar, c: ir.Constraints) -> list[tuple[str, str]]:
    """Meta keywords for an integer: bounds msgspec can hold (int64); the rest is a runtime check."""
    lo, hi = int_range(kind, c)
    kwargs = [(k, repr(v)) for k, v in (("ge", lo), ("le", hi)) if INT64_MIN <= v <= INT64_MAX]
    if c.multiple_of is not None:
        if isinstance(c.multiple_of, float) and not c.multiple_of.is_integer():
            raise Unrepresentable("E043", f"an integer cannot be a multiple of the fraction {c.multiple_of}")
        if not INT64_MIN <= c.multiple_of <= INT64_MAX:  # msgspec refuses it when the decoder is built
            raise Unrepresentable("E043", f"multiple of {int(c.multiple_of)} is beyond the int64 msgspec checks")
        kwargs.append(("multiple_of", repr(int(c.multiple_of))))
    return kwargs


def wide_int_kwargs(t: ir.ScalarType) -> list[tuple[str, str]]:
    """Bounds beyond int64 (uint64's maximum), which msgspec's Meta cannot hold."""
    lo, hi = int_range(t.kind, t.constraints)
    return [(k, repr(v)) for k, v in (("ge", lo), ("le", hi)) if not INT64_MIN <= v <= INT64_MAX]


def walk_types(t: ir.Type, visit: Callable[[ir.Type, bool], None], top: bool = True) -> None:
    """Call ``visit(node, at_top)`` for ``t`` and every type nested in it (not into records)."""
    visit(t, top)
    if isinstance(t, ir.NullableType):
        walk_types(t.inner, visit, top)
    elif isinstance(t, ir.ArrayType):
        walk_types(t.items, visit, False)
    elif isinstance(t, ir.TupleType):
        for i in t.items:
            walk_types(i, visit, False)
    elif isinstance(t, ir.MapType):
        walk_types(t.value, visit, False)
    elif isinstance(t, ir.UnionType):
        for v in t.variants:
            walk_types(v, visit, False)


def pattern_problems(t: ir.Type) -> list[str]:
    """Patterns in the field that Python's ``re`` cannot compile. The generated module compiles every
    pattern when it is imported, so such a pattern is a contract error here, not an ImportError there."""
    problems: list[str] = []

    def visit(node: ir.Type, top: bool) -> None:
        pattern = node.constraints.pattern if isinstance(node, ir.ScalarType) else None
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, OverflowError, RecursionError) as exc:  # a{4294967296}: OverflowError; deep groups
                problems.append(f"pattern {pattern!r} is not a regular expression Python's re can compile: {exc}")

    walk_types(t, visit)
    return problems


def field_pattern(t: ir.Type) -> str | None:
    """The pattern of a field that is itself a string (or a nullable one). Its check moves from
    msgspec's ``Meta`` to a ``pattern_rule``, several times cheaper; nested patterns stay in Meta."""
    inner = t.inner if isinstance(t, ir.NullableType) else t
    if isinstance(inner, ir.ScalarType) and inner.kind is ir.Scalar.STRING:
        return inner.constraints.pattern
    return None


def without_field_pattern(t: ir.Type) -> ir.Type:
    """``t`` with the pattern ``field_pattern`` found removed."""
    if isinstance(t, ir.NullableType):
        return replace(t, inner=without_field_pattern(t.inner))
    assert isinstance(t, ir.ScalarType)
    return replace(t, constraints=replace(t.constraints, pattern=None))


_CONTAINERS = (ir.NullableType, ir.ArrayType, ir.TupleType, ir.MapType, ir.UnionType)


def runtime_checks(t: ir.Type) -> list[tuple[str, list[tuple[str, str]]]]:
    """The contract_runtime rules one field needs: (rule factory, keyword arguments as source)."""
    formats: set[str] = set()
    decimals: set[tuple[tuple[str, str], ...]] = set()
    wide_ints: set[tuple[tuple[str, str], ...]] = set()
    fractions: set[str] = set()
    leaves: set[object] = set()  # the kinds of value the field holds, below lists, maps and nullability
    unique = False

    def visit(node: ir.Type, top: bool) -> None:
        nonlocal unique
        if not isinstance(node, _CONTAINERS):
            leaves.add(node.kind if isinstance(node, ir.ScalarType) else type(node))
        if isinstance(node, ir.ScalarType) and node.format in RUNTIME_FORMATS:
            formats.add(node.format)
        if isinstance(node, ir.ScalarType) and node.kind is ir.Scalar.DECIMAL:
            kwargs = decimal_kwargs(node)
            if kwargs:
                decimals.add(tuple(kwargs))
        if isinstance(node, ir.ScalarType) and node.kind in FLOATS and float_multiple_of(node):
            fractions.add(float_multiple_of(node))
        if isinstance(node, ir.ScalarType) and node.kind in INT_BOUNDS and wide_int_kwargs(node):
            wide_ints.add(tuple(wide_int_kwargs(node)))
        if isinstance(node, ir.ArrayType) and node.unique_items:
            if not top:
                raise Unrepresentable("E043", "uniqueItems is only enforced on an array that is the field itself")
            unique = True

    walk_types(t, visit)
    if len(formats) > 1:
        raise Unrepresentable("E043", f"one field mixes string formats {', '.join(sorted(formats))}")
    if len(decimals) > 1 or len(wide_ints) > 1 or len(fractions) > 1:
        raise Unrepresentable("E043", "one field mixes numbers with different precision, scale or bounds")
    calls: list[tuple[str, list[tuple[str, str]]]] = []
    if unique:
        calls.append(("unique_rule", []))
    pattern = field_pattern(t)
    if pattern is not None:
        calls.append(("pattern_rule", [("pattern", repr(pattern))]))
    calls += [("format_rule", [("fmt", repr(f))]) for f in sorted(formats)]
    if leaves == {ir.Scalar.DECIMAL}:
        # Only decimals: a float or int there (which Python code can put in) would reach the JSON wire as a
        # number, where the contract says a string, and msgspec reads numbers into Decimal: refuse it here.
        calls.append(("decimal_rule", [*next(iter(decimals), ()), ("decimals_only", "True")]))
    else:
        calls += [("decimal_rule", list(d)) for d in sorted(decimals)]
    calls += [("int_range_rule", list(b)) for b in sorted(wide_ints)]
    calls += [("float_multiple_rule", [("multiple_of", m)]) for m in sorted(fractions)]
    return calls


def float_multiple_of(t: ir.ScalarType) -> str:
    """A float's multipleOf that is a fraction, as a Decimal's source (msgspec's Meta would divide binary
    floats, where 0.07 is no multiple of 0.01), or "" when there is none or msgspec's check is exact."""
    m = t.constraints.multiple_of
    if m is None or isinstance(m, int) or m.is_integer():  # an int may be beyond float: scalar_meta says E043
        return ""
    return f"decimal.Decimal({str(m)!r})"


def decimal_kwargs(t: ir.ScalarType) -> list[tuple[str, str]]:
    c = t.constraints
    kwargs = [(k, repr(v)) for k, v in (("precision", t.precision), ("scale", t.scale)) if v is not None]
    bounds = (
        ("ge", c.minimum),
        ("le", c.maximum),
        ("gt", c.exclusive_minimum),
        ("lt", c.exclusive_maximum),
        ("multiple_of", c.multiple_of),
    )
    kwargs += [(k, f"decimal.Decimal({str(v)!r})") for k, v in bounds if v is not None]
    return kwargs


def diagnostic(location: Location, exc: Unrepresentable, what: str) -> Diagnostic:
    return Diagnostic(location, exc.code, f"{what}: {exc}")
