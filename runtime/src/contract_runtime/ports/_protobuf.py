"""Protobuf binary codec (extra ``protobuf``). The generated module embeds a FileDescriptorProto that
the compiler rebuilt from the contract (same field numbers, wire types, packing and presence as the
contract's .proto), plus a field plan per record; this codec loads the descriptor into a private pool
and converts records to and from real protobuf messages, so the bytes are the official runtime's."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import msgspec
from google.protobuf import descriptor_pool, duration_pb2, message_factory, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from contract_runtime._checks import ContractViolation
from contract_runtime._codec import validate, violation_from
from contract_runtime.ports._headers import PROTOBUF

T = TypeVar("T")

# One field: (attribute, protobuf field name, kind, shape, ref).
# kind: plain | uuid | decimal | date | time | datetime | duration | enum | record
# shape: one (proto3 implicit presence) | opt (explicit presence: optional, oneof, message) | list | map
# ref: for record, the message's full name; for enum, ((name, number), ...).
FieldPlan = tuple[str, str, str, str, Any]
RecordPlan = tuple[type[Any], tuple[FieldPlan, ...]]

_UTC = datetime.UTC


def _to_wire(kind: str, ref: Any, encoders: dict[str, Callable[[Any], Message]]) -> Callable[[Any], Any]:
    if kind == "plain":
        return lambda v: v
    if kind in ("uuid", "decimal"):
        return str
    if kind in ("date", "time"):
        return lambda v: v.isoformat()
    if kind in ("datetime", "duration"):
        return lambda v: v  # the protobuf runtime builds Timestamp / Duration from datetime / timedelta
    if kind == "enum":
        numbers = dict(ref)
        return lambda v: numbers[v.value]
    if kind == "record":
        return lambda v: encoders[ref](v)
    raise ValueError(f"unknown field kind {kind!r}")


def _from_wire(kind: str, ref: Any, decoders: dict[str, Callable[[Any], dict[str, Any]]]) -> Callable[[Any], Any]:
    if kind in ("plain", "uuid", "decimal", "date", "time"):
        return lambda v: v  # msgspec.convert parses the strings and checks them
    if kind == "datetime":
        return lambda v: v.ToDatetime(tzinfo=_UTC)
    if kind == "duration":
        return lambda v: v.ToTimedelta()
    if kind == "enum":
        names = {number: name for name, number in ref}
        return lambda v: names.get(v, v)  # an unknown number fails validation and is dead-lettered
    if kind == "record":
        return lambda v: decoders[ref](v)
    raise ValueError(f"unknown field kind {kind!r}")


class ProtobufCodec(Generic[T]):
    content_type = PROTOBUF

    def __init__(self, record_type: type[T], descriptor: bytes, root: str, plans: Mapping[str, RecordPlan]) -> None:
        self.record_type = record_type
        pool = descriptor_pool.DescriptorPool()
        for dep in (timestamp_pb2, duration_pb2):
            pool.AddSerializedFile(dep.DESCRIPTOR.serialized_pb)
        pool.AddSerializedFile(descriptor)
        self.classes = {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name)) for name in plans}
        self._encoders: dict[str, Callable[[Any], Message]] = {}
        self._decoders: dict[str, Callable[[Any], dict[str, Any]]] = {}
        for name, (_cls, fields) in plans.items():
            self._encoders[name] = self._encoder(self.classes[name], fields)
            self._decoders[name] = self._decoder(fields)
        self.message_class = self.classes[root]
        self._encode_root = self._encoders[root]
        self._decode_root = self._decoders[root]

    def _encoder(self, cls: Any, fields: tuple[FieldPlan, ...]) -> Callable[[Any], Message]:
        steps = [(attr, name, shape, _to_wire(kind, ref, self._encoders)) for attr, name, kind, shape, ref in fields]

        def encode(record: Any) -> Message:
            kwargs: dict[str, Any] = {}
            for attr, name, shape, conv in steps:
                value = getattr(record, attr)
                if value is None or value is msgspec.UNSET:
                    continue
                if shape == "list":
                    kwargs[name] = [conv(v) for v in value]
                elif shape == "map":
                    kwargs[name] = {k: conv(v) for k, v in value.items()}
                else:
                    kwargs[name] = conv(value)
            return cls(**kwargs)  # type: ignore[no-any-return]

        return encode

    def _decoder(self, fields: tuple[FieldPlan, ...]) -> Callable[[Any], dict[str, Any]]:
        steps = [(attr, name, shape, _from_wire(kind, ref, self._decoders)) for attr, name, kind, shape, ref in fields]

        def decode(message: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for _attr, name, shape, conv in steps:
                if shape == "opt":
                    if message.HasField(name):
                        out[name] = conv(getattr(message, name))
                elif shape == "list":
                    out[name] = [conv(v) for v in getattr(message, name)]
                elif shape == "map":
                    out[name] = {k: conv(v) for k, v in getattr(message, name).items()}
                else:
                    out[name] = conv(getattr(message, name))
            return out

        return decode

    def to_message(self, record: T) -> Message:
        return self._encode_root(record)

    def encode(self, record: T) -> bytes:
        if type(record) is not self.record_type:
            raise ContractViolation(f"expected a {self.record_type.__name__}, got {type(record).__name__}", rule="type")
        validate(record)
        try:
            return self._encode_root(record).SerializeToString()
        except (TypeError, ValueError, KeyError) as exc:
            raise ContractViolation(f"cannot encode as protobuf: {exc}", rule="type") from None

    def decode(self, data: bytes) -> T:
        try:
            message = self.message_class.FromString(data)
        except DecodeError as exc:
            raise ContractViolation(f"not a valid protobuf message: {exc}", rule="syntax") from None
        try:
            return msgspec.convert(self._decode_root(message), self.record_type)
        except msgspec.ValidationError as exc:
            raise violation_from(exc) from None
