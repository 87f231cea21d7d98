"""Reading the contract custom options (codegen/proto/contract/v1/options.proto) from descriptors.

protoc returns a FileDescriptorSet whose options carry our extensions as bytes the stock
``descriptor_pb2`` classes do not know. We load descriptor.proto and options.proto (both in the set,
compiled by the same protoc run) into a private descriptor pool and re-parse the set with that pool's
FileDescriptorSet class: the extensions then read as ordinary typed messages. Nothing is generated
on disk and the global default pool is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import msgspec
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

PROTO_ROOT = Path(__file__).resolve().parent.parent / "proto"
OPTIONS_FILE = "contract/v1/options.proto"
DESCRIPTOR_FILE = "google/protobuf/descriptor.proto"

# Extension field numbers, for source locations of the options (path ... 8, number).
CONTRACT_EXT_NUMBER = 51000
MESSAGE_EXT_NUMBER = 51001
FIELD_EXT_NUMBER = 51002


class OptionSchema(msgspec.Struct, frozen=True):
    """The private pool's view of the options: the set class and the three extensions."""

    file_set: type[Message]
    contract: FieldDescriptor
    message: FieldDescriptor
    field: FieldDescriptor


_schemas: dict[bytes, OptionSchema] = {}


def _schema(plain: descriptor_pb2.FileDescriptorSet) -> OptionSchema:
    """Build (once per distinct options.proto) the pool that knows our extensions."""
    by_name = {f.name: f for f in plain.file}
    needed = [by_name[DESCRIPTOR_FILE], by_name[OPTIONS_FILE]]
    key = b"".join(f.SerializeToString(deterministic=True) for f in needed)
    cached = _schemas.get(key)
    if cached is not None:
        return cached
    pool = descriptor_pool.DescriptorPool()
    for f in needed:
        pool.Add(f)
    schema = OptionSchema(
        file_set=message_factory.GetMessageClass(pool.FindMessageTypeByName("google.protobuf.FileDescriptorSet")),
        contract=pool.FindExtensionByName("contract.v1.contract"),
        message=pool.FindExtensionByName("contract.v1.message"),
        field=pool.FindExtensionByName("contract.v1.field"),
    )
    _schemas[key] = schema
    return schema


def parse_descriptor_set(data: bytes) -> tuple[descriptor_pb2.FileDescriptorSet, OptionSchema]:
    """The set as typed messages whose options expose our extensions.

    The re-parsed messages come from a private pool but have exactly the fields of descriptor_pb2's,
    so they are typed as those."""
    schema = _schema(descriptor_pb2.FileDescriptorSet.FromString(data))
    return cast(descriptor_pb2.FileDescriptorSet, schema.file_set.FromString(data)), schema


def extension(options: Message, ext: FieldDescriptor) -> Message | None:
    """The extension's message when the option is set, else None."""
    if not options.HasExtension(ext):  # type: ignore[arg-type]
        return None
    return cast(Message, options.Extensions[ext])  # type: ignore[index]


def to_python(msg: Message) -> dict[str, Any]:
    """Set fields only (presence-aware), nested messages as dicts; integers stay integers
    (MessageToDict would turn uint64 into strings)."""
    out: dict[str, Any] = {}
    for fd, value in msg.ListFields():
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            out[fd.name] = [to_python(v) for v in value] if _is_repeated(fd) else to_python(value)
        else:
            out[fd.name] = list(value) if _is_repeated(fd) else value
    return out


def _is_repeated(fd: FieldDescriptor) -> bool:
    """protobuf 7 has ``is_repeated`` and dropped ``label``; older runtimes have only ``label``."""
    flag = getattr(fd, "is_repeated", None)
    if flag is not None:
        return bool(flag)
    return bool(getattr(fd, "label", None) == FieldDescriptor.LABEL_REPEATED)
