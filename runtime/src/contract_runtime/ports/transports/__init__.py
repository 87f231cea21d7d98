"""The transport protocol every stream backend implements, and ``connect`` to open one by URL.

Backends are imported lazily so that the lean runtime never needs a client library it does not use:
``sqlite`` (standard library, the embedded default), ``nats`` (extra ``nats``: nats-py), ``kafka``
(extra ``kafka``: confluent-kafka).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from contract_runtime.ports._types import InMessage, OutMessage, Port, StartFrom

ENV_URL = "CONTRACT_PORTS_URL"
DEFAULT_URL = "sqlite:///contract-ports.db"


class Subscription(Protocol):
    """A durable consumer's view of one subject. Messages are delivered at least once: a message that
    is not acked is delivered again (after ``nak``, after the ack wait, or after a restart)."""

    async def fetch(self, max_messages: int, timeout: float) -> list[InMessage]: ...

    async def ack(self, message: InMessage) -> None: ...

    async def nak(self, message: InMessage) -> None: ...

    async def close(self) -> None: ...


class Transport(Protocol):
    async def ensure_port(self, port: Port) -> None:
        """Create what the port needs (stream, topic, table) if missing; idempotent."""
        ...

    async def publish(self, subject: str, messages: Sequence[OutMessage]) -> int:
        """Store ``messages`` in order; return how many were stored. Raises PublishError with the count
        stored when it gives up; messages with an id already stored are not stored twice."""
        ...

    async def subscribe(self, port: Port, consumer: str, start: StartFrom) -> Subscription: ...

    async def close(self) -> None: ...


def resolve_url(url: str | None) -> str:
    """The URL given, else $CONTRACT_PORTS_URL, else an SQLite file in the working directory."""
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


async def connect(url: str | None = None) -> Transport:
    """Open a transport: ``sqlite:///path.db``, ``nats://host:4222[,nats://...]``, ``kafka://host:9092``.
    Credentials come from the environment (see docs/ports.md), never from generated code."""
    url = resolve_url(url)
    scheme = url.split(":", 1)[0]
    if scheme == "sqlite":
        from contract_runtime.ports.transports.sqlite import SqliteTransport

        return SqliteTransport.open(url)
    if scheme in ("nats", "tls"):
        from contract_runtime.ports.transports.nats import NatsTransport

        return await NatsTransport.connect(url)
    if scheme == "kafka":
        from contract_runtime.ports.transports.kafka import KafkaTransport

        return KafkaTransport.from_url(url)
    raise ValueError(f"unknown transport URL scheme {scheme!r} in {url!r}; use sqlite:, nats: or kafka:")
