"""Output ports: typed producers and readers of contract records over real streams.

``AsyncProducer`` / ``AsyncReader`` are the asyncio core; ``Producer`` / ``Reader`` are the sync API
built on them. Generated ``<Record>Producer`` / ``<Record>Reader`` classes subclass these with the
record type, the port and the codec filled in. Transports: ``sqlite`` (embedded default), ``nats``
(JetStream) and ``kafka``, chosen by URL (``connect``) or ``$CONTRACT_PORTS_URL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contract_runtime._checks import ContractViolation
from contract_runtime.ports._async import AsyncProducer, AsyncReader, DeadLetter, Delivery, read_dead_letters
from contract_runtime.ports._codec import Codec, JsonCodec
from contract_runtime.ports._headers import CONTRACT_NAME, CONTRACT_VERSION, event_type
from contract_runtime.ports._observe import Metrics
from contract_runtime.ports._sync import Producer, Reader, SyncDelivery, open_transport, run
from contract_runtime.ports._types import (
    BatchRejected,
    InMessage,
    OutMessage,
    PayloadTooLarge,
    Port,
    PortError,
    PublishError,
    StartFrom,
    StartKind,
)
from contract_runtime.ports.transports import Subscription, Transport, connect

if TYPE_CHECKING:  # the protobuf codec needs the `protobuf` extra: imported on first use
    from contract_runtime.ports._protobuf import ProtobufCodec, timestamp_datetime


def __getattr__(name: str) -> Any:
    if name in ("ProtobufCodec", "timestamp_datetime"):
        from contract_runtime.ports import _protobuf

        value = getattr(_protobuf, name)
        globals()[name] = value  # later lookups (one per decoded Timestamp) skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CONTRACT_NAME",
    "CONTRACT_VERSION",
    "AsyncProducer",
    "AsyncReader",
    "BatchRejected",
    "Codec",
    "ContractViolation",
    "DeadLetter",
    "Delivery",
    "InMessage",
    "JsonCodec",
    "Metrics",
    "OutMessage",
    "PayloadTooLarge",
    "Port",
    "PortError",
    "Producer",
    "ProtobufCodec",
    "PublishError",
    "Reader",
    "StartFrom",
    "StartKind",
    "Subscription",
    "SyncDelivery",
    "Transport",
    "connect",
    "event_type",
    "open_transport",
    "read_dead_letters",
    "run",
    "timestamp_datetime",
]
