"""Facts about IR constraints that frontends and emitters share: integer widths, the string formats the
runtime checks, and whether a value breaks a type's own constraints."""

from __future__ import annotations

import decimal
import math
import re

from contract_runtime._rules import ecma_pattern as python_pattern

from codegen import ir

# A JSON Schema pattern (ECMA-262) spelled for Python's ``re`` is the runtime's own spelling: what the compiler
# puts into msgspec's Meta and what the runtime's rules check are one reading by construction.
__all__ = ["python_pattern"]

INT_BOUNDS: dict[ir.Scalar, tuple[int, int]] = {
    ir.Scalar.INT32: (-(2**31), 2**31 - 1),
    ir.Scalar.INT64: (-(2**63), 2**63 - 1),
    ir.Scalar.UINT32: (0, 2**32 - 1),
    ir.Scalar.UINT64: (0, 2**64 - 1),
}
FLOATS = frozenset({ir.Scalar.FLOAT32, ir.Scalar.FLOAT64})
# How deep a contract's values (defaults, examples) may nest: they become Python literals and JSON documents
# of generated code, written and read back recursively, so they must stay far from Python's recursion limit.
MAX_VALUE_DEPTH = 100
_WIDE = decimal.Context(prec=1000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)  # 1e300 % 0.01 needs 302 digits
# The string formats contract_runtime.check_format knows (a test keeps the two lists equal).
RUNTIME_FORMATS = frozenset({"email", "hostname", "idn-email", "ipv4", "ipv6", "uri", "uri-reference"})


def int_range(kind: ir.Scalar, c: ir.Constraints) -> tuple[int, int]:
    """The width's bounds narrowed by the contract's, as inclusive integers."""
    lo, hi = INT_BOUNDS[kind]
    if c.minimum is not None:
        lo = max(lo, math.ceil(c.minimum))
    if c.exclusive_minimum is not None:
        lo = max(lo, math.floor(c.exclusive_minimum) + 1)
    if c.maximum is not None:
        hi = min(hi, math.floor(c.maximum))
    if c.exclusive_maximum is not None:
        hi = min(hi, math.ceil(c.exclusive_maximum) - 1)
    return lo, hi


def value_violation(t: ir.Type, v: ir.JsonValue) -> str | None:
    """Which of a type's own constraints a value breaks, if any (top level only): a field's default (a proto3
    zero value, "" or [], often does: such a field has no usable default), or an enum value the keywords
    beside the enum reject. A pattern Python cannot compile is not judged here (E045 is)."""
    if isinstance(t, ir.NullableType):
        return None if v is None else value_violation(t.inner, v)
    if isinstance(t, ir.ArrayType) and isinstance(v, list):
        if t.min_items is not None and len(v) < t.min_items:
            return f"it has fewer than {t.min_items} items"
        if t.max_items is not None and len(v) > t.max_items:
            return f"it has more than {t.max_items} items"
    if isinstance(t, ir.ScalarType) and isinstance(v, str) and t.kind is ir.Scalar.STRING:
        return _string_violation(t, v)
    if isinstance(t, ir.ScalarType) and t.kind in INT_BOUNDS and isinstance(v, int) and not isinstance(v, bool):
        lo, hi = int_range(t.kind, t.constraints)
        if not lo <= v <= hi:
            return f"it is outside {lo}..{hi}"
        m = t.constraints.multiple_of
        if m is not None and m > 0 and abs((r := v / m) - round(r)) > 1e-9:
            return f"it is not a multiple of {m}"
    if isinstance(t, ir.ScalarType) and t.kind in FLOATS and isinstance(v, int | float) and not isinstance(v, bool):
        return _number_violation(t.constraints, v)
    return None


def _number_violation(c: ir.Constraints, v: float) -> str | None:
    """Bounds as msgspec's Meta checks them; a multiple by decimal value, as the runtime's rule judges it."""
    if c.minimum is not None and v < c.minimum:
        return f"it is less than {c.minimum}"
    if c.maximum is not None and v > c.maximum:
        return f"it is greater than {c.maximum}"
    if c.exclusive_minimum is not None and v <= c.exclusive_minimum:
        return f"it is not greater than {c.exclusive_minimum}"
    if c.exclusive_maximum is not None and v >= c.exclusive_maximum:
        return f"it is not less than {c.exclusive_maximum}"
    m = c.multiple_of
    exact = m is not None and m > 0 and math.isfinite(v)
    if exact and _WIDE.remainder(decimal.Decimal(repr(float(v))), decimal.Decimal(repr(m))) != 0:
        return f"it is not a multiple of {m}"
    return None


def _string_violation(t: ir.ScalarType, v: str) -> str | None:
    c = t.constraints
    if c.min_length is not None and len(v) < c.min_length:
        return f"it is shorter than {c.min_length}"
    if c.max_length is not None and len(v) > c.max_length:
        return f"it is longer than {c.max_length}"
    if c.pattern is not None and not _matches(c.pattern, v):
        return f"it does not match {c.pattern!r}"
    if t.format in RUNTIME_FORMATS and not v:
        return f"an empty string is not a valid {t.format}"
    return None


def _matches(pattern: str, v: str) -> bool:
    try:
        return re.search(python_pattern(pattern), v) is not None
    except (re.error, OverflowError, RecursionError):  # not Python's dialect: the value is not judged by it
        return True
