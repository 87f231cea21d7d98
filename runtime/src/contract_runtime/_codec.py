"""Validation of hand-built records and JSON helpers that report ContractViolation."""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from typing import Any, TypeVar

import msgspec

from contract_runtime._checks import ContractViolation

T = TypeVar("T")

# Values kept as Python objects by to_builtins, so that convert() sees exactly what the record holds.
_KEEP = (datetime.datetime, datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID, bytes)
_AT = re.compile(r" - at `(\$[^`]*)`$")
# msgspec's error messages -> rule names, first match wins.
_RULES = (
    ("missing required field", "required"),
    ("unknown field", "unknown_field"),
    ("of length >=", "min_length"),
    ("of length <=", "max_length"),
    ("matching regex", "pattern"),
    ("multiple of", "multiple_of"),
    ("timezone", "timezone"),
    (">=", "minimum"),
    ("<=", "maximum"),
    ("` >", "exclusive_minimum"),
    ("` <", "exclusive_maximum"),
    ("Invalid enum value", "enum"),
)


def _join(outer: str, inner: str) -> str:
    return outer + inner[1:] if inner.startswith("$") else outer


def violation_from(exc: msgspec.ValidationError) -> ContractViolation:
    """A ContractViolation with the full field path and rule for a msgspec validation error."""
    message = str(exc)
    cause = exc.__cause__
    if isinstance(cause, ContractViolation):  # raised by a __post_init__ check below `outer`
        match = _AT.search(message[len(str(cause)) :])
        outer = match.group(1) if match else "$"
        return ContractViolation(cause.detail, path=_join(outer, cause.path), rule=cause.rule)
    match = _AT.search(message)
    detail = message[: match.start()] if match else message
    rule = next((r for needle, r in _RULES if needle in detail), "type")
    return ContractViolation(detail, path=match.group(1) if match else "$", rule=rule)


def validate(record: T) -> T:
    """Check every constraint on a record built in Python (construction skips msgspec's Meta
    constraints; decoding does not). Returns the record itself; raises ContractViolation."""
    try:
        msgspec.convert(msgspec.to_builtins(record, builtin_types=_KEEP), type(record))
    except msgspec.ValidationError as exc:
        raise violation_from(exc) from None
    except TypeError as exc:
        raise unencodable(record, exc) from None
    return record


def unencodable(record: object, exc: TypeError) -> ContractViolation:
    """A record holding a value no wire can carry (an arbitrary object where a field wants a string, say).
    msgspec's TypeError names no field, so the record is walked to find the first such value; only on this
    failure path."""
    return ContractViolation(f"cannot encode the value: {exc}", path=_unencodable_at(record, "$") or "$", rule="type")


def _unencodable_at(value: object, path: str) -> str | None:
    if isinstance(value, msgspec.Struct):
        names = zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True)
        return next((p for attr, wire in names if (p := _unencodable_at(getattr(value, attr), f"{path}.{wire}"))), None)
    if isinstance(value, list | tuple):
        return next((p for i, v in enumerate(value) if (p := _unencodable_at(v, f"{path}[{i}]"))), None)
    if isinstance(value, dict):
        # A key in brackets, as the rules' paths give it: unambiguous for keys with dots or spaces.
        return next((p for k, v in value.items() if (p := _unencodable_at(v, f"{path}[{k!r}]"))), None)
    if value is msgspec.UNSET:  # an absent field: encoded by leaving it out, not a value of its own
        return None
    try:
        _encoder.encode(value)
    except TypeError:
        return path
    return None


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
_encoder = msgspec.json.Encoder()


def decode_json(data: bytes | str, type: type[T]) -> T:
    """Decode and validate JSON as ``type``; a broken contract raises ContractViolation."""
    decoder = _decoders.get(type)
    if decoder is None:
        decoder = _decoders[type] = msgspec.json.Decoder(type)
    try:
        result: T = decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise violation_from(exc) from None
    return result


def encode_json(record: object) -> bytes:
    """JSON bytes of a record; absent (UNSET) fields are omitted."""
    return _encoder.encode(record)
