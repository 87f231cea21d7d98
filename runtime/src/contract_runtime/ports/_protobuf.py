"""Protobuf binary codec (extra ``protobuf``). The generated module embeds a FileDescriptorProto that
the compiler rebuilt from the contract (same field numbers, wire types, packing and presence as the
contract's .proto) and two generated functions per record: one fills a message of that descriptor
from a record in place, one reads a message into the dict ``msgspec.convert`` validates. This codec
loads the descriptor into a private pool, so the bytes are the official runtime's."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec
from google.protobuf import descriptor_pool, duration_pb2, message_factory, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import validate, violation_from
from contract_runtime.ports._headers import PROTOBUF

T = TypeVar("T")

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_FIRST, _LAST = -62_135_596_800, 253_402_300_799  # 0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z: Timestamp's range


def timestamp_datetime(ts: Any) -> datetime.datetime:
    """A google.protobuf.Timestamp as an aware UTC datetime, nanoseconds cut to microseconds as
    ``Timestamp.ToDatetime`` does, in half its time. Bytes from another writer may hold a Timestamp
    outside its documented range: a ValueError, which ``decode`` turns into a ContractViolation."""
    seconds, nanos = ts.seconds, ts.nanos
    if not (_FIRST <= seconds <= _LAST and 0 <= nanos <= 999_999_999):
        raise ValueError(f"a Timestamp outside 0001-01-01 to 9999-12-31 (seconds {seconds}, nanos {nanos})")
    return _EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanos // 1000)


Fill = Callable[[Any, Any], None]  # (message, record) -> None
Read = Callable[[Any], dict[str, Any]]  # message -> the record's fields by wire name


class ProtobufCodec(Generic[T]):
    content_type = PROTOBUF

    def __init__(self, record_type: type[T], descriptor: bytes, root: str, fill: Fill, read: Read) -> None:
        self.record_type = record_type
        pool = descriptor_pool.DescriptorPool()
        for dep in (timestamp_pb2, duration_pb2):
            pool.AddSerializedFile(dep.DESCRIPTOR.serialized_pb)
        pool.AddSerializedFile(descriptor)
        self.message_class: type[Message] = message_factory.GetMessageClass(pool.FindMessageTypeByName(root))
        self._fill = fill
        self._read = read

    def to_message(self, record: T) -> Message:
        message = self.message_class()
        self._fill(message, record)
        return message

    def encode(self, record: T) -> bytes:
        if type(record) is not self.record_type:
            raise ContractViolation(f"expected a {self.record_type.__name__}, got {type(record).__name__}", rule="type")
        validate(record)
        try:
            return self.to_message(record).SerializeToString()
        except (TypeError, ValueError, KeyError) as exc:
            raise ContractViolation(f"cannot encode as protobuf: {exc}", rule="type") from None

    def decode(self, data: bytes) -> T:
        try:
            message = self.message_class.FromString(data)
        except DecodeError as exc:
            raise ContractViolation(f"not a valid protobuf message: {exc}", rule="syntax") from None
        try:
            fields = self._read(message)
        except (ValueError, OverflowError) as exc:  # a Timestamp or Duration out of range: not a record
            raise ContractViolation(f"cannot read the message: {exc}", rule="type") from None
        try:
            return msgspec.convert(fields, self.record_type)
        except msgspec.ValidationError as exc:
            raise violation_from(exc) from None
