"""Field rules built once, when a generated module is imported, and called from ``__post_init__``.

A rule is a closure specialised to one field: the common case (one value of the expected type that
passes) costs a call and a few comparisons, with no keyword arguments, paths or messages built. Only a
failing value, or a container of values, takes the slower path of ``_checks`` that explains it.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Callable
from typing import Any

import msgspec

from contract_runtime._checks import (
    _EMAIL,
    DECIMAL_CONTEXT,
    FORMATS,
    ContractViolation,
    _check_decimal,
    _walk,
    check_int_range,
    check_oneof,
    check_unique,
)

Rule = Callable[[Any], None]
# Formats whose test is one regex match: the rule calls the bound match itself.
_QUICK_FORMATS: dict[str, Callable[[str], object]] = {"email": _EMAIL.match, "idn-email": _EMAIL.match}
_UNSET = msgspec.UNSET
_Decimal = decimal.Decimal
_isfinite = math.isfinite


def decimal_rule(
    field: str,
    *,
    precision: int | None = None,
    scale: int | None = None,
    ge: decimal.Decimal | None = None,
    le: decimal.Decimal | None = None,
    gt: decimal.Decimal | None = None,
    lt: decimal.Decimal | None = None,
    multiple_of: decimal.Decimal | None = None,
    decimals_only: bool = False,
) -> Rule:
    """Digits and bounds of every Decimal in the field (msgspec's Meta has no decimal constraints).
    ``decimals_only``: the field holds nothing else, so another value (a float, an int) is a type violation."""
    path = f"$.{field}"
    limits = (precision, scale, ge, le, gt, lt, multiple_of)
    whole = (precision or 0) - (scale or 0)
    # A value spelled with exactly ``scale`` decimals (what producers write) passes on one exponent
    # compare and one magnitude test; any other spelling takes the full check, which counts by value.
    quantum = _Decimal(1).scaleb(-(scale or 0))
    fast = precision is not None and scale is not None

    def leaf(v: Any, at: str) -> None:
        if isinstance(v, _Decimal):
            _check_decimal(v, at, *limits)
        elif decimals_only:
            raise ContractViolation(f"expected a decimal.Decimal, got {type(v).__name__}", path=at, rule="type")

    def rule(v: Any) -> None:
        if type(v) is _Decimal:
            if (
                fast
                and v.same_quantum(quantum)
                and v.adjusted() < whole
                and (ge is None or v >= ge)
                and (le is None or v <= le)
                and (gt is None or v > gt)
                and (lt is None or v < lt)
                and multiple_of is None
            ):
                return
            _check_decimal(v, path, *limits)
        elif v is not None and v is not _UNSET:
            _walk(v, path, leaf)

    return rule


def _string_rule(field: str, ok: Callable[[str], object], violation: Callable[[str, str], ContractViolation]) -> Rule:
    """A rule that every string in the field passes ``ok`` (a truthy result passes)."""
    path = f"$.{field}"

    def leaf(v: Any, at: str) -> None:
        if isinstance(v, str) and not ok(v):
            raise violation(v, at)

    def rule(v: Any) -> None:
        if type(v) is str:
            if not ok(v):
                raise violation(v, path)
        elif v is not None and v is not _UNSET:
            _walk(v, path, leaf)

    return rule


def format_rule(field: str, fmt: str) -> Rule:
    """Every string in the field has the string format ``fmt``."""

    def violation(v: str, at: str) -> ContractViolation:
        return ContractViolation(f"{v!r} is not a valid {fmt}", path=at, rule=f"format:{fmt}")

    return _string_rule(field, _QUICK_FORMATS.get(fmt, FORMATS[fmt]), violation)


# ECMA-262's \d and \w (no `u` flag) are ASCII; Python's match digits and letters of every script.
_ASCII_CLASSES = {"d": "0-9", "w": "A-Za-z0-9_"}


def ecma_pattern(pattern: str) -> str:
    """A JSON Schema pattern (ECMA-262) spelled for Python's ``re``: ``$`` outside a class matches only at
    the very end (Python's also before a final newline: ``\\Z``), and ``\\d``, ``\\w``, ``\\D``, ``\\W``
    are ASCII classes. Left as Python reads them: ``\\D`` / ``\\W`` inside a class, ``\\b``, ``\\s``.
    The compiler spells the patterns it writes into msgspec's ``Meta`` with this function too."""
    out: list[str] = []
    in_class = False
    class_start = 0  # where a class's first member is: a `]` there is a literal one
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            e = pattern[i + 1]
            i += 2
            if e in _ASCII_CLASSES:
                out.append(_ASCII_CLASSES[e] if in_class else f"[{_ASCII_CLASSES[e]}]")
            elif e.lower() in _ASCII_CLASSES and not in_class:
                out.append(f"[^{_ASCII_CLASSES[e.lower()]}]")
            else:
                out.append(c + e)
            continue
        if in_class:
            in_class = not (c == "]" and i != class_start)
        elif c == "[":
            in_class = True
            class_start = i + 2 if pattern.startswith("^", i + 1) else i + 1
        elif c == "$":
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


def pattern_rule(field: str, pattern: str) -> Rule:
    """Every string in the field matches ``pattern`` (searched, not anchored, as JSON Schema says).
    Cheaper than msgspec's ``Meta(pattern=...)``, which costs several times a bound ``search``."""

    def violation(v: str, at: str) -> ContractViolation:
        return ContractViolation(f"{v!r} does not match {pattern!r}", path=at, rule="pattern")

    return _string_rule(field, re.compile(ecma_pattern(pattern)).search, violation)


def unique_rule(field: str) -> Rule:
    """No two items of the array are equal (JSON Schema uniqueItems)."""

    def rule(v: Any) -> None:
        check_unique(v, field)

    return rule


def int_range_rule(field: str, *, ge: int | None = None, le: int | None = None) -> Rule:
    """Integer bounds beyond int64 (uint64's maximum), which msgspec's Meta cannot hold."""

    def rule(v: Any) -> None:
        check_int_range(v, field, ge=ge, le=le)

    return rule


def float_multiple_rule(field: str, *, multiple_of: decimal.Decimal) -> Rule:
    """Every float in the field is a multiple of a fraction by decimal value, as JSON Schema means it: the
    float's shortest spelling (what the JSON wire carries) divided in decimal. msgspec's Meta divides binary
    floats, where 0.07 is no multiple of 0.01."""
    path = f"$.{field}"

    def leaf(v: Any, at: str) -> None:
        # NaN and infinity are no JSON numbers and no multiple of anything: the field's own type refuses them.
        if isinstance(v, float) and _isfinite(v) and DECIMAL_CONTEXT.remainder(_Decimal(repr(v)), multiple_of) != 0:
            raise ContractViolation(f"{v!r} is not a multiple of {multiple_of}", path=at, rule="multiple_of")

    def rule(v: Any) -> None:
        _walk(v, path, leaf)

    return rule


def oneof_rule(group: str, names: tuple[str, ...]) -> Callable[..., None]:
    """At most one member of a protobuf oneof is set; called with the members' values in order."""

    def rule(*values: Any) -> None:
        count = 0
        for v in values:
            if v is not None and v is not _UNSET:
                count += 1
        if count > 1:
            check_oneof(group, names, values)

    return rule
