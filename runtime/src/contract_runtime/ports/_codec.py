"""Codecs turn records into payload bytes and back, validating against the contract both ways."""

from __future__ import annotations

import datetime
from typing import Generic, Protocol, TypeVar

import msgspec

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import unencodable, violation_from
from contract_runtime._stamps import (
    all_datetimes,
    fixed_minutes,
    in_utc,
    off_minute,
    stamp_readers,
)
from contract_runtime.ports._headers import JSON

T = TypeVar("T")
_UTC = datetime.UTC


class Codec(Protocol[T]):
    """``encode`` validates the record (types, required fields, constraints) before returning bytes;
    ``decode`` validates what it reads. Both raise ContractViolation naming the field path and rule."""

    content_type: str
    record_type: type[T]

    def encode(self, record: T) -> bytes: ...

    def decode(self, data: bytes) -> T: ...


class JsonCodec(Generic[T]):
    """JSON through msgspec. Encoding validates by decoding the bytes just written with the record's
    validating decoder: one C pass that checks every ``Meta`` constraint and runs ``__post_init__``,
    and proves that what is sent is exactly what a reader accepts. Unknown fields are ignored on
    decode (the records are not ``forbid_unknown_fields``), so a reader of major N reads every minor.

    A datetime whose UTC offset has seconds (a historical zone's, +00:53:28) is written at its instant in
    UTC: RFC 3339 offsets have whole minutes, and msgspec would drop the seconds (``contract_runtime._stamps``)."""

    content_type = JSON

    def __init__(self, record_type: type[T]) -> None:
        self.record_type = record_type
        self._encoder = msgspec.json.Encoder()
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(record_type)
        # A type holding no datetime pays nothing. One whose only datetime is a field of its own (the common
        # case) has it tested inline, no call per record: UTC, no zone and the last fixed whole-minute zone met
        # pass by identity. Any other compares the record read back with the record (in C): equal, no instant
        # moved; else ``_stamps`` finds its datetimes.
        self._stamp, self._stamps = stamp_readers(record_type)
        self._zone: datetime.tzinfo | None = None

    def encode(self, record: T) -> bytes:
        if type(record) is not self.record_type:
            raise ContractViolation(f"expected a {self.record_type.__name__}, got {type(record).__name__}", rule="type")
        try:
            data = self._encoder.encode(record)
        except TypeError as exc:
            raise unencodable(record, exc) from None
        stamp = self._stamp
        if stamp is not None:
            value = stamp(record)
            tz = getattr(value, "tzinfo", None)  # None for None, UNSET or a naive datetime
            if tz is not _UTC and tz is not None and tz is not self._zone:
                if fixed_minutes(tz):
                    self._zone = tz
                elif isinstance(value, datetime.datetime) and off_minute(value):
                    return self._in_utc(record)
        try:
            back = self._decoder.decode(data)
        except msgspec.ValidationError as exc:
            raise violation_from(exc) from None
        if self._stamps is not None and back != record and any(map(off_minute, self._stamps([record]))):
            return self._in_utc(record)
        return data

    def _in_utc(self, record: T) -> bytes:
        """The JSON of ``record`` with every datetime whose offset has seconds at its instant in UTC, validated."""
        try:
            data: bytes = self._encoder.encode(in_utc(record))
        except OverflowError:  # the instant in UTC is before year 1 or after 9999: no reader could hold it
            stamp = next(s for s in all_datetimes([record]) if off_minute(s) and not _in_range(s))
            raise ContractViolation(
                f"{stamp.isoformat()} is outside years 1 to 9999 in UTC, where JSON must carry it (its UTC offset"
                " has seconds, which RFC 3339 cannot write)",
                rule="type",
            ) from None
        try:
            self._decoder.decode(data)
        except msgspec.ValidationError as exc:
            raise violation_from(exc) from None
        return data

    def decode(self, data: bytes) -> T:
        try:
            return self._decoder.decode(data)
        except msgspec.ValidationError as exc:
            raise violation_from(exc) from None
        except msgspec.DecodeError as exc:
            raise ContractViolation(f"not valid JSON: {exc}", rule="syntax") from None


def _in_range(stamp: datetime.datetime) -> bool:
    try:
        stamp.astimezone(_UTC)
    except OverflowError:
        return False
    return True
