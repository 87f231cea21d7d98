"""Safe target names derived from contract names.

The IR keeps the contract's own names; emitters call these helpers so that keywords, builtins,
non-ASCII, digits-first names and collisions never produce broken or surprising code. Every helper is
deterministic: the same inputs give the same names on every machine.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable

PYTHON_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
PYTHON_BUILTINS = frozenset(dir(builtins))

# Letters NFKD does not decompose into ASCII, spelled the usual way.
_TRANSLIT = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"}
)
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")


def ascii_words(name: str) -> list[str]:
    """The ASCII words of a name: accents dropped, anything else separates words."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    return [w for w in _NON_WORD.split(text) if w]


def is_plain_identifier(name: str) -> bool:
    """An ASCII identifier that is not private/dunder: usable as-is as a Python attribute."""
    return name.isascii() and name.isidentifier() and not name.startswith("_")


def snake_identifier(name: str, fallback: str, prefix: str = "field") -> str:
    """``name`` made an ASCII identifier (words joined by '_'); ``fallback`` when nothing is left, and
    ``prefix`` put before a name that would start with a digit."""
    words = ascii_words(name)
    ident = "_".join(words) if words else fallback
    return f"{prefix}_{ident}" if ident[0].isdigit() else ident


def module_name(name: str) -> str:
    """A Python module name from a contract name: 'customer-profiles' -> 'customer_profiles'."""
    ident = snake_identifier(name, "contract", "contract").lower()
    return f"{ident}_" if ident in PYTHON_KEYWORDS or ident in PYTHON_BUILTINS else ident


def pascal_case(name: str) -> str:
    """'Order.LineItem' -> 'OrderLineItem', 'customer.address' -> 'CustomerAddress'; inner capitals kept."""
    parts: list[str] = []
    for word in ascii_words(name):
        parts.extend(w[0].upper() + w[1:] for w in _WORDS.findall(word))
    ident = "".join(parts) or "Record"
    return f"R{ident}" if ident[0].isdigit() else ident


def upper_snake(name: str) -> str:
    """'in-progress' -> 'IN_PROGRESS', 'inProgress' -> 'IN_PROGRESS', 'METHOD_CARD' unchanged."""
    return "_".join(w.upper() for word in ascii_words(name) for w in _WORDS.findall(word))


def constant_name(name: str, fallback: str, prefix: str = "") -> str:
    """A module constant in capitals: ``fallback`` when the name has no ASCII letters or digits, and
    ``prefix`` (default: ``fallback``) before one that starts with a digit (a port named '1.0' or '5 minutes')."""
    ident = upper_snake(name) or fallback
    return f"{prefix or fallback}_{ident}" if ident[0].isdigit() else ident


def enum_member_name(name: str, fallback: str) -> str:
    """A member name in capitals; ``fallback`` when the name has no ASCII letters or digits."""
    return constant_name(name, fallback, prefix="V")


class Namer:
    """Hands out unique names in one scope, never one from ``reserved``; clashes get '_2', '_3', ..."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken: set[str] = set(reserved)

    def take(self, wanted: str, *, suffix: str = "_") -> str:
        name = wanted
        if name in self._taken or name in PYTHON_KEYWORDS:
            name = f"{wanted}{suffix}"
        n = 2
        while name in self._taken or name in PYTHON_KEYWORDS:
            name = f"{wanted}_{n}"
            n += 1
        self._taken.add(name)
        return name

    def reserve(self, name: str) -> None:
        self._taken.add(name)
