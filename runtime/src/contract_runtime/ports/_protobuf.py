"""Protobuf binary codec (extra ``protobuf``). The generated module embeds a FileDescriptorProto that
the compiler rebuilt from the contract (same field numbers, wire types, packing and presence as the
contract's .proto) and two generated functions per record: one fills a message of that descriptor
from a record in place, one reads a message into the dict ``msgspec.convert`` validates. This codec
loads the descriptor into a private pool, so the bytes are the official runtime's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec
from google.protobuf import descriptor_pool, duration_pb2, message_factory, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import validate, violation_from
from contract_runtime.ports._headers import PROTOBUF

T = TypeVar("T")

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
            return msgspec.convert(self._read(message), self.record_type)
        except msgspec.ValidationError as exc:
            raise violation_from(exc) from None
