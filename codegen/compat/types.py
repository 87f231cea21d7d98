"""Does the current type accept every value the previous type accepted? (BACKWARD for one value.)

Returns the problems as (rule ID, message) pairs so callers decide where to report them; an empty list
means every earlier value is still valid. Value constraints are part of the answer (rule IDs in the
VALUES category), so a caller interested only in structure or only in values filters by rule.
"""

from __future__ import annotations

from codegen import ir

Problem = tuple[str, str]
VALUE_RULES = frozenset({"CONSTRAINT_TIGHTENED", "PATTERN_CHANGED", "FORMAT_CHANGED"})

INTS = {ir.Scalar.INT32, ir.Scalar.INT64, ir.Scalar.UINT32, ir.Scalar.UINT64}
# kind -> kinds whose every value it accepts (besides itself): widening is compatible.
WIDER_THAN: dict[ir.Scalar, frozenset[ir.Scalar]] = {
    ir.Scalar.INT64: frozenset({ir.Scalar.INT32, ir.Scalar.UINT32}),
    ir.Scalar.UINT64: frozenset({ir.Scalar.UINT32}),
    ir.Scalar.FLOAT64: frozenset({ir.Scalar.FLOAT32, *INTS}),
    ir.Scalar.FLOAT32: frozenset({ir.Scalar.INT32, ir.Scalar.UINT32}),
    ir.Scalar.DECIMAL: frozenset(INTS),
    # A JSON string accepts every string-shaped kind: dropping a format widens.
    ir.Scalar.STRING: frozenset(
        {ir.Scalar.UUID, ir.Scalar.DATE, ir.Scalar.TIME, ir.Scalar.DATETIME, ir.Scalar.DURATION, ir.Scalar.DECIMAL}
    ),
}
STRINGISH = WIDER_THAN[ir.Scalar.STRING] | {ir.Scalar.STRING}


def describe(t: ir.Type) -> str:
    """A short, stable name for a type in messages."""
    match t:
        case ir.ScalarType(kind=kind, format=fmt):
            return f"{kind.value} ({fmt})" if fmt else kind.value
        case ir.EnumType(ref=ref):
            return f"enum {ref}"
        case ir.RecordType(ref=ref):
            return f"record {ref}"
        case ir.ArrayType(items=items):
            return f"array of {describe(items)}"
        case ir.TupleType(items=items):
            return f"tuple of ({', '.join(describe(i) for i in items)})"
        case ir.MapType(key=key, value=value):
            return f"map of {describe(key)} to {describe(value)}"
        case ir.UnionType(variants=variants):
            return f"one of ({', '.join(describe(v) for v in variants)})"
        case ir.NullableType(inner=inner):
            return f"{describe(inner)} or null"
        case ir.LiteralType(value=value):
            return f"constant {value!r}"
        case _:
            return "any JSON value"


def type_problems(old: ir.Type, new: ir.Type) -> list[Problem]:
    if isinstance(new, ir.JsonType):
        return []
    if isinstance(old, ir.NullableType):
        if not isinstance(new, ir.NullableType):
            return [("TYPE_NARROWED", f"no longer accepts null (was {describe(old)}, now {describe(new)})")]
        return type_problems(old.inner, new.inner)
    if isinstance(new, ir.NullableType):
        return type_problems(old, new.inner)
    if isinstance(old, ir.JsonType):
        return [("TYPE_NARROWED", f"was any JSON value, now {describe(new)}")]
    if isinstance(old, ir.UnionType):
        return _from_union(old, new)
    if isinstance(new, ir.UnionType):
        taken, problems = _against_variants(old, new.variants)
        return problems if taken else [("TYPE_CHANGED", f"type changed from {describe(old)} to {describe(new)}")]
    return _same_shape(old, new)


def _structural(problems: list[Problem]) -> list[Problem]:
    """Problems of shape: not values, and not a record or enum's name (their contents are compared apart)."""
    return [p for p in problems if p[0] not in VALUE_RULES and p[0] != "REF_CHANGED"]


def _against_variants(old: ir.Type, variants: tuple[ir.Type, ...]) -> tuple[bool, list[Problem]]:
    """Whether some variant has ``old``'s shape; and when every such variant rejects some of its values
    (a constraint tightened, a pattern added), the value problems of the closest one."""
    values: list[list[Problem]] = []
    for n in variants:
        problems = type_problems(old, n)
        if not _structural(problems):
            values.append([p for p in problems if p[0] in VALUE_RULES])
    if not values:
        return False, []
    if all(values):
        closest = min(values, key=len)
        return True, [(rule, f"as the {describe(old)} variant: {message}") for rule, message in closest]
    return True, []


def _from_union(old: ir.UnionType, new: ir.Type) -> list[Problem]:
    variants = new.variants if isinstance(new, ir.UnionType) else (new,)
    lost: list[ir.Type] = []
    problems: list[Problem] = []
    for v in old.variants:
        taken, tightened = _against_variants(v, variants)
        problems += tightened
        if not taken:
            lost.append(v)
    if lost:
        shown = ", ".join(describe(v) for v in lost)
        problems.append(("UNION_NARROWED", f"no longer accepts {shown} (was {describe(old)}, now {describe(new)})"))
    return problems


def _same_shape(old: ir.Type, new: ir.Type) -> list[Problem]:
    match old, new:
        case ir.ScalarType(), ir.ScalarType():
            return _scalar(old, new)
        case ir.EnumType(ref=a), ir.EnumType(ref=b) if a == b:
            return []
        case ir.EnumType(), ir.ScalarType(kind=ir.Scalar.STRING):
            return []  # a plain string accepts every enum value (JSON Schema enums are strings here)
        case (ir.EnumType(ref=a), ir.EnumType(ref=b)) | (ir.RecordType(ref=a), ir.RecordType(ref=b)):
            return [] if a == b else [("REF_CHANGED", f"now refers to {b} instead of {a}")]
        case ir.ArrayType(), ir.ArrayType():
            return _array(old, new)
        case ir.TupleType(items=a), ir.TupleType(items=b) if len(a) == len(b):
            return [p for x, y in zip(a, b, strict=True) for p in type_problems(x, y)]
        case ir.MapType(), ir.MapType():
            return type_problems(old.key, new.key) + type_problems(old.value, new.value)
        case ir.LiteralType(value=a), ir.LiteralType(value=b) if a == b:
            return []
        case ir.LiteralType(value=str()), ir.ScalarType(kind=ir.Scalar.STRING):
            return []
        case ir.LiteralType(value=bool()), ir.ScalarType(kind=ir.Scalar.BOOL):
            return []
        case ir.LiteralType(value=int()), ir.ScalarType(kind=kind) if kind in INTS | {ir.Scalar.FLOAT64}:
            return []
    return [("TYPE_CHANGED", f"type changed from {describe(old)} to {describe(new)}")]


def _scalar(old: ir.ScalarType, new: ir.ScalarType) -> list[Problem]:
    problems: list[Problem] = []
    if old.kind is not new.kind and old.kind not in WIDER_THAN.get(new.kind, frozenset()):
        if old.kind in STRINGISH and new.kind in STRINGISH:
            problems.append(("FORMAT_CHANGED", f"string format changed from {describe(old)} to {describe(new)}"))
        elif {old.kind, new.kind} <= INTS | {ir.Scalar.FLOAT32, ir.Scalar.FLOAT64}:
            problems.append(("TYPE_NARROWED", f"type narrowed from {describe(old)} to {describe(new)}"))
        else:
            return [("TYPE_CHANGED", f"type changed from {describe(old)} to {describe(new)}")]
    if new.format is not None and new.format != old.format:
        problems.append(("FORMAT_CHANGED", f"format {new.format!r} now required (was {old.format or 'none'})"))
    if new.kind is ir.Scalar.DECIMAL and old.kind is ir.Scalar.DECIMAL:
        problems += _decimal(old, new)
    problems += constraint_problems(old.constraints, new.constraints)
    return problems


def _decimal(old: ir.ScalarType, new: ir.ScalarType) -> list[Problem]:
    if (old.precision, old.scale) == (new.precision, new.scale):
        return []
    int_digits_old = (old.precision or 0) - (old.scale or 0)
    int_digits_new = (new.precision or 0) - (new.scale or 0)
    wider = int_digits_new >= int_digits_old and (new.scale or 0) >= (old.scale or 0)
    if new.precision is None or (old.precision is not None and wider):
        return []  # at least as many digits on both sides of the point
    was, now = f"decimal({old.precision},{old.scale})", f"decimal({new.precision},{new.scale})"
    return [("FORMAT_CHANGED", f"{was} narrowed to {now}")]


def _array(old: ir.ArrayType, new: ir.ArrayType) -> list[Problem]:
    problems = type_problems(old.items, new.items)
    if _raised(old.min_items, new.min_items):
        problems.append(("CONSTRAINT_TIGHTENED", f"minItems raised from {old.min_items} to {new.min_items}"))
    if _lowered(old.max_items, new.max_items):
        problems.append(("CONSTRAINT_TIGHTENED", f"maxItems lowered from {old.max_items} to {new.max_items}"))
    if new.unique_items and not old.unique_items:
        problems.append(("CONSTRAINT_TIGHTENED", "items must now be unique"))
    return problems


Bound = int | float | None


def _raised(old: Bound, new: Bound) -> bool:
    """A lower bound tightened: added, or moved up."""
    return new is not None and (old is None or new > old)


def _lowered(old: Bound, new: Bound) -> bool:
    """An upper bound tightened: added, or moved down."""
    return new is not None and (old is None or new < old)


def constraint_problems(old: ir.Constraints, new: ir.Constraints) -> list[Problem]:
    if old == new:
        return []
    out: list[Problem] = []
    lower = (("min_length", "minLength"), ("minimum", "minimum"), ("exclusive_minimum", "exclusiveMinimum"))
    upper = (("max_length", "maxLength"), ("maximum", "maximum"), ("exclusive_maximum", "exclusiveMaximum"))
    for attr, label in lower:
        a, b = getattr(old, attr), getattr(new, attr)
        if _raised(a, b):
            out.append(("CONSTRAINT_TIGHTENED", f"{label} {'added: ' if a is None else f'raised from {a} to '}{b}"))
    for attr, label in upper:
        a, b = getattr(old, attr), getattr(new, attr)
        if _lowered(a, b):
            out.append(("CONSTRAINT_TIGHTENED", f"{label} {'added: ' if a is None else f'lowered from {a} to '}{b}"))
    if new.pattern is not None and new.pattern != old.pattern:
        was = f"was {old.pattern!r}" if old.pattern is not None else "was none"
        out.append(("PATTERN_CHANGED", f"pattern {new.pattern!r} now required ({was})"))
    if new.multiple_of is not None and not _divides(new.multiple_of, old.multiple_of):
        out.append(("CONSTRAINT_TIGHTENED", f"multipleOf {new.multiple_of} now required (was {old.multiple_of})"))
    return out


def _divides(new: int | float, old: int | float | None) -> bool:
    """Every multiple of ``old`` is a multiple of ``new`` when ``old`` is a multiple of ``new``."""
    if old is None:
        return False
    ratio = old / new
    return abs(ratio - round(ratio)) < 1e-9
