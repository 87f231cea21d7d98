"""Inline fast paths for the field rules a generated ``__post_init__`` calls.

A rule call costs a Python call and a type dispatch even when the value is the common one: a string of
the expected shape, a Decimal spelled with the contract's scale. For those, the generated code tests the
value inline (str methods instead of a regex, two Decimal methods instead of digit counting) and calls
the rule only when the test fails. The rule then decides, so a fast path only has to be right when it
says yes: every value it accepts, the rule accepts too (tests/python/test_fast_checks.py checks that on
generated values).
"""

from __future__ import annotations

import decimal
import re
from typing import NamedTuple

from codegen import ir
from codegen.emitters.python_types import decimal_kwargs

# Character classes of anchored patterns that str methods decide exactly on ASCII text (the test
# checks isascii first). Each method is False on "", so ``+`` needs no length check.
_CLASSES = {
    "[0-9]": "{v}.isdigit()",
    r"\d": "{v}.isdigit()",
    "[A-Z]": "{v}.isalpha() and {v}.isupper()",
    "[a-z]": "{v}.isalpha() and {v}.islower()",
    "[A-Za-z]": "{v}.isalpha()",
    "[a-zA-Z]": "{v}.isalpha()",
    "[A-Za-z0-9]": "{v}.isalnum()",
    "[a-zA-Z0-9]": "{v}.isalnum()",
    "[0-9A-Za-z]": "{v}.isalnum()",
    "[0-9a-zA-Z]": "{v}.isalnum()",
}
_BOUND_OPS = {"ge": ">=", "le": "<=", "gt": ">", "lt": "<"}
_SIMPLE = re.compile(r"\^(\[[^\]]+\]|\\d)(?:\+|\{([1-9][0-9]*)(?:(,)([0-9]*))?\})\$")


class FastPath(NamedTuple):
    constants: list[str]  # module-level assignments the test reads
    test: str  # an expression over the field's value, true only for a value the rule accepts


def _scalar(t: ir.Type) -> tuple[ir.ScalarType | None, bool]:
    """The field's scalar type when it is one (or a nullable one), and whether None is allowed."""
    nullable = isinstance(t, ir.NullableType)
    inner = t.inner if isinstance(t, ir.NullableType) else t
    return (inner if isinstance(inner, ir.ScalarType) else None), nullable


def _finish(test: str, nullable: bool, var: str) -> str:
    return f"{var} is None or ({test})" if nullable else test


def pattern_fast_path(t: ir.Type, var: str) -> FastPath | None:
    """``^[class]{n}$`` and its kin (``{m,n}``, ``{m,}``, ``+``) as a length test and str methods."""
    scalar, nullable = _scalar(t)
    if scalar is None or scalar.kind is not ir.Scalar.STRING or scalar.constraints.pattern is None:
        return None
    match = _SIMPLE.fullmatch(scalar.constraints.pattern)
    if match is None or match[1] not in _CLASSES:
        return None
    low, comma, high = match[2], match[3], match[4]
    parts = [f"type({var}) is str"]
    if low is not None and not comma:
        parts.append(f"len({var}) == {low}")
    elif low is not None and high:
        parts.append(f"{low} <= len({var}) <= {high}")
    elif low is not None and low != "1":
        parts.append(f"len({var}) >= {low}")
    parts += [f"{var}.isascii()", _CLASSES[match[1]].format(v=var)]
    return FastPath([], _finish(" and ".join(parts), nullable, var))


def decimal_fast_path(t: ir.Type, rule: str, var: str) -> FastPath | None:
    """A Decimal with exactly the contract's scale: one exponent compare, one magnitude test, the bounds
    (the same test the rule makes first, without the call). With no digits stated: finite, the bounds."""
    scalar, nullable = _scalar(t)
    if scalar is None or scalar.kind is not ir.Scalar.DECIMAL:
        return None
    if scalar.constraints.multiple_of is not None or (scalar.precision is None) != (scalar.scale is None):
        return None
    constants: list[str] = []
    parts = [f"type({var}) is decimal.Decimal"]
    if scalar.precision is None or scalar.scale is None:
        parts.append(f"{var}.is_finite()")
    else:
        constants.append(f"{rule}_quantum = decimal.Decimal({str(decimal.Decimal(1).scaleb(-scalar.scale))!r})\n")
        parts += [f"{var}.same_quantum({rule}_quantum)", f"{var}.adjusted() < {scalar.precision - scalar.scale}"]
    for name, source in decimal_kwargs(scalar):  # the bounds as the rule itself is given them
        if name in _BOUND_OPS:
            constants.append(f"{rule}_{name} = {source}\n")
            parts.append(f"{var} {_BOUND_OPS[name]} {rule}_{name}")
    return FastPath(constants, _finish(" and ".join(parts), nullable, var))


def oneof_fast_test(members: list[str]) -> str:
    """At most one member set, when every unset member is None (the rule also counts UNSET as unset)."""
    if len(members) == 2:
        return f"{members[0]} is None or {members[1]} is None"
    return " + ".join(f"({m} is None)" for m in members) + f" >= {len(members) - 1}"


def fast_path(factory: str, t: ir.Type, rule: str, var: str) -> FastPath | None:
    """The fast path for one of a field's rules (by its ``contract_runtime`` factory), if it has one,
    testing the local ``var`` that holds the field's value."""
    if factory == "pattern_rule":
        return pattern_fast_path(t, var)
    if factory == "decimal_rule":
        return decimal_fast_path(t, rule, var)
    return None
