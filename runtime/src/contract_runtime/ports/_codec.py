"""Codecs turn records into payload bytes and back, validating against the contract both ways."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

import msgspec

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import unencodable, violation_from
from contract_runtime.ports._headers import JSON

T = TypeVar("T")


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
    decode (the records are not ``forbid_unknown_fields``), so a reader of major N reads every minor."""

    content_type = JSON

    def __init__(self, record_type: type[T]) -> None:
        self.record_type = record_type
        self._encoder = msgspec.json.Encoder()
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(record_type)

    def encode(self, record: T) -> bytes:
        if type(record) is not self.record_type:
            raise ContractViolation(f"expected a {self.record_type.__name__}, got {type(record).__name__}", rule="type")
        try:
            data = self._encoder.encode(record)
        except TypeError as exc:
            raise unencodable(record, exc) from None
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
