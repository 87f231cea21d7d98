"""Helpers that pair each previous element with its current one (as buf's pairing helpers do).

A pair is (previous, current); a deleted element pairs with None, an added one is listed separately.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Pairing(msgspec.Struct, Generic[T], frozen=True):
    paired: list[tuple[T, T]]
    deleted: list[T]
    added: list[T]


def pair_by(previous: Iterable[T], current: Iterable[T], key: Callable[[T], Hashable]) -> Pairing[T]:
    """Pairs on ``key``; order follows the previous elements, then the added ones in current order."""
    cur_by_key: dict[Hashable, T] = {}
    for c in current:
        cur_by_key.setdefault(key(c), c)
    paired: list[tuple[T, T]] = []
    deleted: list[T] = []
    seen: set[Hashable] = set()
    for p in previous:
        k = key(p)
        if k in seen:
            continue  # an alias (e.g. a second enum name for a number) pairs once
        seen.add(k)
        if k in cur_by_key:
            paired.append((p, cur_by_key[k]))
        else:
            deleted.append(p)
    added = [c for k, c in cur_by_key.items() if k not in seen]
    return Pairing(paired, deleted, added)


def in_ranges(number: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(start <= number <= end for start, end in ranges)
