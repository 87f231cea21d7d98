"""Checks for contract rules msgspec's ``Meta`` cannot express, which the rules of ``_rules`` (called by
generated ``__post_init__`` methods) build on; each raises ContractViolation naming the path and rule.

ContractViolation subclasses ValueError on purpose: msgspec turns a ValueError raised in
``__post_init__`` during decoding into a ``msgspec.ValidationError`` that carries the field path.
"""

from __future__ import annotations

import decimal
import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import msgspec


class ContractViolation(ValueError):
    """A value breaks the contract. ``path`` is a field path like ``$.items[0].sku``; ``rule`` names
    the broken rule (``minimum``, ``pattern``, ``unique_items``, ``format:email``, ``oneof``, ...)."""

    def __init__(self, detail: str, *, path: str = "$", rule: str = "contract") -> None:
        self.detail = detail
        self.path = path
        self.rule = rule
        super().__init__(detail if path == "$" else f"{detail} - at `{path}`")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+\Z")  # \Z: ECMA-262 $ does not match before a newline
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?$")


def _is_email(s: str) -> bool:
    return _EMAIL.match(s) is not None


def _is_uri(s: str) -> bool:
    if any(c.isspace() for c in s):
        return False
    try:
        return _SCHEME.match(urlsplit(s).scheme) is not None
    except ValueError:
        return False


def _is_uri_reference(s: str) -> bool:
    if any(c.isspace() for c in s):
        return False
    try:
        urlsplit(s)
    except ValueError:
        return False
    return True


def _is_hostname(s: str) -> bool:
    host = s[:-1] if s.endswith(".") else s
    return 0 < len(host) <= 253 and all(_LABEL.match(label) for label in host.split("."))


def _is_ipv4(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def _is_ipv6(s: str) -> bool:
    if "%" in s:  # zone ids are not part of the JSON Schema ipv6 format
        return False
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


# The string formats checked at run time. codegen's python emitter keeps the same list.
FORMATS: dict[str, Callable[[str], bool]] = {
    "email": _is_email,
    "hostname": _is_hostname,
    "idn-email": _is_email,
    "ipv4": _is_ipv4,
    "ipv6": _is_ipv6,
    "uri": _is_uri,
    "uri-reference": _is_uri_reference,
}


def _walk(value: Any, path: str, leaf: Callable[[Any, str], None]) -> None:
    """Apply ``leaf`` to every value below lists, tuples and dict values; None and UNSET are absent."""
    if value is None or value is msgspec.UNSET:
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", leaf)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}[{key!r}]", leaf)
    else:
        leaf(value, path)


def _canonical(item: Any) -> Any:
    try:
        hash(item)
    except TypeError:
        return msgspec.json.encode(item, order="sorted")
    return item


def check_unique(value: Sequence[Any] | msgspec.UnsetType | None, field: str) -> None:
    """No two items of the array are equal (JSON Schema uniqueItems)."""
    if value is None or value is msgspec.UNSET:
        return
    seen: set[Any] = set()
    for i, item in enumerate(value):
        key = _canonical(item)
        if key in seen:
            raise ContractViolation(
                f"array items must be unique; item {i} repeats an earlier one", path=f"$.{field}", rule="unique_items"
            )
        seen.add(key)


# Wide enough for any decimal a warehouse column holds, whatever the caller's decimal context says.
DECIMAL_CONTEXT = decimal.Context(prec=1000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _check_decimal(
    v: decimal.Decimal,
    path: str,
    precision: int | None,
    scale: int | None,
    ge: decimal.Decimal | None,
    le: decimal.Decimal | None,
    gt: decimal.Decimal | None,
    lt: decimal.Decimal | None,
    multiple_of: decimal.Decimal | None,
) -> None:
    """Digits are counted by value, not spelling: ``10.500`` has scale 1, as a NUMERIC column stores it."""
    if not v.is_finite():
        raise ContractViolation(f"{v} is not a finite decimal", path=path, rule="finite")
    try:
        if scale is not None and v.quantize(decimal.Decimal(1).scaleb(-scale), None, DECIMAL_CONTEXT) != v:
            raise ContractViolation(f"{v} has more than {scale} digits after the point", path=path, rule="scale")
        if precision is not None and v:
            _sign, digits, exponent = v.normalize(DECIMAL_CONTEXT).as_tuple()
            assert isinstance(exponent, int)  # finite, checked above
            whole = len(digits) + exponent  # digits before the point
            if whole + (scale if scale is not None else max(0, -exponent)) > precision:
                raise ContractViolation(
                    f"{v} has more than {precision} significant digits", path=path, rule="precision"
                )
        if ge is not None or le is not None or gt is not None or lt is not None or multiple_of is not None:
            _bounds(v, path, ge, le, gt, lt, multiple_of)
    except decimal.InvalidOperation:  # more digits than the checks' context holds (1e999999999, say)
        most = DECIMAL_CONTEXT.prec
        raise ContractViolation(f"{v} needs more than {most} digits", path=path, rule="precision") from None


def _bounds(
    v: decimal.Decimal,
    path: str,
    ge: decimal.Decimal | None,
    le: decimal.Decimal | None,
    gt: decimal.Decimal | None,
    lt: decimal.Decimal | None,
    multiple_of: decimal.Decimal | None,
) -> None:
    if ge is not None and v < ge:
        raise ContractViolation(f"{v} is less than {ge}", path=path, rule="minimum")
    if le is not None and v > le:
        raise ContractViolation(f"{v} is greater than {le}", path=path, rule="maximum")
    if gt is not None and v <= gt:
        raise ContractViolation(f"{v} is not greater than {gt}", path=path, rule="exclusive_minimum")
    if lt is not None and v >= lt:
        raise ContractViolation(f"{v} is not less than {lt}", path=path, rule="exclusive_maximum")
    # In the wide context: the caller's (28 digits by default) cannot divide 10**30 by 7.
    if multiple_of is not None and DECIMAL_CONTEXT.remainder(v, multiple_of) != 0:
        raise ContractViolation(f"{v} is not a multiple of {multiple_of}", path=path, rule="multiple_of")


def check_int_range(value: Any, field: str, *, ge: int | None = None, le: int | None = None) -> None:
    """Integer bounds beyond int64 (uint64's maximum), which msgspec's Meta cannot hold."""

    def leaf(v: Any, path: str) -> None:
        if isinstance(v, int) and not isinstance(v, bool):
            if ge is not None and v < ge:
                raise ContractViolation(f"{v} is less than {ge}", path=path, rule="minimum")
            if le is not None and v > le:
                raise ContractViolation(f"{v} is greater than {le}", path=path, rule="maximum")

    _walk(value, f"$.{field}", leaf)


def check_oneof(group: str, names: tuple[str, ...], values: tuple[Any, ...]) -> None:
    """At most one member of a protobuf oneof is set (neither absent nor null)."""
    unset = msgspec.UNSET
    if sum(1 for v in values if v is not None and v is not unset) <= 1:
        return
    chosen = [n for n, v in zip(names, values, strict=True) if v is not unset and v is not None]
    if len(chosen) > 1:
        raise ContractViolation(
            f"at most one of oneof {group!r} may be set, got {', '.join(chosen)}", path=f"$.{chosen[1]}", rule="oneof"
        )
