"""Datetimes in JSON text, shared by the ports' JSON codec and the warehouse writers' JSON columns.

msgspec writes a UTC offset in whole minutes and drops any seconds (a historical zone's LMT, +00:53:28, is
written +00:53), which would shift the instant by those seconds. RFC 3339 offsets cannot carry seconds, so
such a datetime is written at its instant in UTC: the same instant, equal (``==``) to the original.
Finding the datetimes costs little: ``stamp_finder`` reads only along the paths of a type that lead to
datetimes, a record's lone datetime field is read by one ``attrgetter`` (``stamp_readers``), and a fixed
whole-minute zone (``fixed_minutes``) needs no offset computed per datetime.
"""

from __future__ import annotations

import datetime
import itertools
import operator
from collections.abc import Callable
from typing import Any

import msgspec

_UTC = datetime.UTC
StampFinder = Callable[[list[Any]], list[datetime.datetime]]
_SEQUENCE_TYPES = (msgspec.inspect.ListType, msgspec.inspect.SetType, msgspec.inspect.FrozenSetType)
_SEQUENCES = (list, tuple, set, frozenset)
_KEEP = (datetime.datetime,)


def _has_seconds(offset: datetime.timedelta) -> bool:
    # ``offset % minute`` says the same through Python ints, at twice the cost
    return bool(offset.seconds % 60 or offset.microseconds)


def off_minute(stamp: datetime.datetime) -> bool:
    """Whether msgspec would write the offset of ``stamp`` inexactly (it has seconds)."""
    offset = stamp.utcoffset()
    return offset is not None and _has_seconds(offset)


def fixed_minutes(zone: datetime.tzinfo | None) -> bool:
    """Whether ``zone`` is a fixed offset in whole minutes: every datetime in it is written exactly."""
    return type(zone) is datetime.timezone and not _has_seconds(zone.utcoffset(None))


def _datetimes(values: list[Any]) -> list[datetime.datetime]:
    return [v for v in values if isinstance(v, datetime.datetime)]


def all_datetimes(values: list[Any]) -> list[datetime.datetime]:
    """Every datetime inside ``values`` at any depth (for a recursive record type: a walk in Python)."""
    found: list[datetime.datetime] = []
    todo = list(values)
    while todo:
        v = todo.pop()
        if isinstance(v, datetime.datetime):
            found.append(v)
        elif isinstance(v, msgspec.Struct):
            todo.extend(getattr(v, f) for f in v.__struct_fields__)
        elif isinstance(v, _SEQUENCES):
            todo.extend(v)
        elif isinstance(v, dict):
            todo.extend(v)
            todo.extend(v.values())
    return found


def _joined(finders: list[StampFinder]) -> StampFinder:
    if len(finders) == 1:
        return finders[0]
    return lambda values: [stamp for find in finders for stamp in find(values)]


def stamp_finder(t: msgspec.inspect.Type, seen: frozenset[type] = frozenset()) -> StampFinder | None:
    """A function listing the datetimes inside a column of values of type ``t``, or None when ``t`` holds
    none. It reads only along the paths that lead to datetimes (one list per member, per depth)."""
    mi = msgspec.inspect
    if isinstance(t, mi.Metadata):
        return stamp_finder(t.type, seen)
    if isinstance(t, mi.DateTimeType):
        return _datetimes
    if isinstance(t, mi.UnionType):
        finders = [f for x in t.types if (f := stamp_finder(x, seen)) is not None]
        return _joined(finders) if finders else None
    if isinstance(t, mi.StructType):
        if t.cls in seen:
            return all_datetimes  # a recursive record
        members = [(f.name, find) for f in t.fields if (find := stamp_finder(f.type, seen | {t.cls})) is not None]
        if not members:
            return None
        cls = t.cls

        def in_struct(values: list[Any]) -> list[datetime.datetime]:
            structs = [v for v in values if isinstance(v, cls)]
            return [s for name, find in members for s in find(list(map(operator.attrgetter(name), structs)))]

        return in_struct
    if isinstance(t, (*_SEQUENCE_TYPES, mi.VarTupleType, mi.TupleType)):
        items = t.item_types if isinstance(t, mi.TupleType) else (t.item_type,)
        finders = [f for x in items if (f := stamp_finder(x, seen)) is not None]
        if not finders:
            return None
        find_items = _joined(finders)
        return lambda values: find_items(
            list(itertools.chain.from_iterable(v for v in values if isinstance(v, _SEQUENCES)))
        )
    if isinstance(t, mi.DictType):
        key, value = stamp_finder(t.key_type, seen), stamp_finder(t.value_type, seen)
        parts: list[StampFinder] = []
        if key is not None:
            parts.append(
                lambda values: key(list(itertools.chain.from_iterable(v for v in values if isinstance(v, dict))))
            )
        if value is not None:
            parts.append(
                lambda values: value(
                    list(itertools.chain.from_iterable(v.values() for v in values if isinstance(v, dict)))
                )
            )
        return _joined(parts) if parts else None
    return None


def to_utc(value: Any) -> Any:
    """``value`` (builtins, datetimes kept) with each datetime whose offset has seconds in UTC. Raises
    OverflowError when that instant is before year 1 or after 9999 in UTC."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(_UTC) if off_minute(value) else value
    if isinstance(value, list | tuple):  # to_builtins keeps a tuple a tuple
        return [to_utc(v) for v in value]
    if isinstance(value, dict):
        return {to_utc(k): to_utc(v) for k, v in value.items()}
    return value


def in_utc(value: Any) -> Any:
    """``value`` as builtins (datetimes kept) whose JSON is msgspec's JSON of ``value`` but with every
    datetime whose offset has seconds written in UTC."""
    return to_utc(msgspec.to_builtins(value, builtin_types=_KEEP))


def _datetime_or_none(t: msgspec.inspect.Type) -> bool:
    if isinstance(t, msgspec.inspect.Metadata):
        return _datetime_or_none(t.type)
    if isinstance(t, msgspec.inspect.UnionType):
        return all(map(_datetime_or_none, t.types))
    return isinstance(t, (msgspec.inspect.DateTimeType, msgspec.inspect.NoneType))


def stamp_readers(record_type: Any) -> tuple[Callable[[Any], Any] | None, StampFinder | None]:
    """How to find the datetimes a record of ``record_type`` may hold: ``(lone, None)`` when the only one is a
    field of the record itself (optional or not: the common case), ``lone`` an ``attrgetter`` of that field;
    ``(None, find)`` when it may hold more (``find([record])`` lists them); ``(None, None)`` when it holds
    none."""
    info = msgspec.inspect.type_info(record_type)
    find = stamp_finder(info)
    if find is None:
        return None, None
    fields = info.fields if isinstance(info, msgspec.inspect.StructType) else ()
    holders = [f for f in fields if stamp_finder(f.type, frozenset({record_type})) is not None]
    if len(holders) == 1 and _datetime_or_none(holders[0].type):
        return operator.attrgetter(holders[0].name), None
    return None, find


def exact_offsets(find: StampFinder) -> Callable[[list[Any]], list[Any]]:
    """A column whose values may hold datetimes, made safe for msgspec's JSON: unchanged (the same list) unless
    an offset has seconds; then the values holding one become builtins with those datetimes in UTC (the
    same instant, the same JSON otherwise). Checks the zones first: fixed whole-minute offsets (UTC, what
    msgspec decodes) need no look at each datetime."""

    def convert(values: list[Any]) -> list[Any]:
        stamps = find(values)
        zones = set(map(operator.attrgetter("tzinfo"), stamps))
        zones.discard(None)
        if all(map(fixed_minutes, zones)):
            return values
        if not any(map(off_minute, stamps)):
            return values
        return [in_utc(v) if any(map(off_minute, all_datetimes([v]))) else v for v in values]

    return convert
