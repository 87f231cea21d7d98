"""Kafka transport through confluent-kafka (extra ``kafka``). Topics are the ports' subjects; a reader
is a consumer group with auto-commit off, committing an offset only once every earlier message of
its partition is acked (at least once; ``Commits``). Headers use the CloudEvents Kafka binding (``ce_``
prefix). A start from the beginning or end applies to every partition; a start at a stored offset
(``StartFrom.at``) to partition 0, since an offset is a place in one partition.

``ConfluentFraming`` wraps any codec in the Confluent wire format (magic byte 0 + 4-byte schema id)
for consumers that resolve schemas through a schema registry.
"""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from contract_runtime._checks import ContractViolation
from contract_runtime.ports._codec import Codec
from contract_runtime.ports._types import InMessage, OutMessage, Port, PublishError, StartFrom, StartKind

T = TypeVar("T")
_MAGIC = b"\x00"


class ConfluentFraming(Generic[T]):
    """Confluent wire format around another codec: ``0x00`` + big-endian schema id + payload."""

    def __init__(self, inner: Codec[T], schema_id: int) -> None:
        self.inner = inner
        self.schema_id = schema_id
        self.content_type = inner.content_type
        self.record_type = inner.record_type
        self._prefix = _MAGIC + struct.pack(">I", schema_id)

    def encode(self, record: T) -> bytes:
        return self._prefix + self.inner.encode(record)

    def decode(self, data: bytes) -> T:
        if len(data) < 5 or data[:1] != _MAGIC:
            raise ContractViolation("not in the Confluent wire format (magic byte 0)", rule="syntax")
        (schema_id,) = struct.unpack(">I", data[1:5])
        if schema_id != self.schema_id:
            raise ContractViolation(f"schema id {schema_id}, expected {self.schema_id}", rule="schema_id")
        return self.inner.decode(data[5:])


def to_kafka_headers(headers: dict[str, str]) -> list[tuple[str, str | bytes | None]]:
    return [("ce_" + k[3:] if k.startswith("ce-") else k, v.encode()) for k, v in headers.items()]


def from_kafka_headers(headers: Sequence[tuple[str, str | bytes | None]] | None) -> dict[str, str]:
    def text(v: str | bytes | None) -> str:
        return v.decode() if isinstance(v, bytes) else v or ""

    return {("ce-" + k[3:] if k.startswith("ce_") else k): text(v) for k, v in headers or []}


def config_from_env(bootstrap: str) -> dict[str, Any]:
    """Credentials only from the environment (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*)."""
    env = os.environ
    config: dict[str, Any] = {"bootstrap.servers": bootstrap}
    for key, name in (
        ("security.protocol", "KAFKA_SECURITY_PROTOCOL"),
        ("sasl.mechanism", "KAFKA_SASL_MECHANISM"),
        ("sasl.username", "KAFKA_SASL_USERNAME"),
        ("sasl.password", "KAFKA_SASL_PASSWORD"),
    ):
        if env.get(name):
            config[key] = env[name]
    return config


class KafkaTransport:
    def __init__(self, config: dict[str, Any], *, timeout: float = 30.0) -> None:
        from confluent_kafka import Producer

        self.config = config
        self.timeout = timeout
        self._producer = Producer({**config, "enable.idempotence": True, "acks": "all"})

    @classmethod
    def from_url(cls, url: str) -> KafkaTransport:
        bootstrap = url.split("://", 1)[1] or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        return cls(config_from_env(bootstrap))

    async def ensure_port(self, port: Port) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

        admin = AdminClient(self.config)
        retention = port.retention_seconds
        config = {"retention.ms": str(int(retention * 1000))} if retention else {}
        futures = admin.create_topics([NewTopic(port.subject, num_partitions=1, config=config)])
        for future in futures.values():
            try:
                await asyncio.to_thread(future.result, self.timeout)
            except Exception as exc:
                if "TOPIC_ALREADY_EXISTS" not in str(exc):
                    raise

    async def publish(self, subject: str, messages: Sequence[OutMessage]) -> int:
        """The idempotent producer keeps order per partition and drops retried duplicates."""
        errors: list[str] = []

        def report(err: Any, _msg: Any) -> None:
            if err is not None:
                errors.append(str(err))

        for m in messages:
            self._producer.produce(subject, m.data, key=m.key, headers=to_kafka_headers(m.headers), on_delivery=report)
        left = await asyncio.to_thread(self._producer.flush, self.timeout)
        if errors or left:
            raise PublishError(f"Kafka: {errors[:1] or [f'{left} messages undelivered']}", sent=0)
        return len(messages)

    async def subscribe(self, port: Port, consumer: str, start: StartFrom) -> KafkaSubscription:
        from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, TopicPartition

        c = Consumer(
            {**self.config, "group.id": consumer, "enable.auto.commit": False, "auto.offset.reset": "earliest"}
        )
        if start.kind is StartKind.SEQUENCE:  # an offset names a place in one partition: the first
            c.assign([TopicPartition(port.subject, 0, start.sequence)])
            return KafkaSubscription(c, port.subject)
        first = {StartKind.BEGINNING: OFFSET_BEGINNING, StartKind.END: OFFSET_END}.get(start.kind)
        if first is None:
            c.subscribe([port.subject])  # the group's committed offsets
            return KafkaSubscription(c, port.subject)
        started: set[int] = set()

        def on_assign(consumer: Any, partitions: list[Any]) -> None:
            # Every partition starts at the beginning or end the first time this reader gets it; after a
            # rebalance it resumes from the group's commits, not from the start again.
            for tp in partitions:
                if tp.partition not in started:
                    tp.offset = first
                    started.add(tp.partition)
            consumer.assign(partitions)

        c.subscribe([port.subject], on_assign=on_assign)
        return KafkaSubscription(c, port.subject)

    async def close(self) -> None:
        await asyncio.to_thread(self._producer.flush, self.timeout)


class Commits:
    """Which offset a reader may commit, per partition: the lowest offset fetched and not yet acked, or one
    past the highest acked when nothing is pending. A group resumes at its committed offset, so an unacked
    message is never skipped, whatever order acks come in and however partitions interleave."""

    def __init__(self) -> None:
        self._pending: dict[int, set[int]] = {}
        self._next: dict[int, int] = {}  # partition -> one past the highest offset acked
        self._committed: dict[int, int] = {}

    def fetched(self, partition: int, offset: int) -> None:
        self._pending.setdefault(partition, set()).add(offset)

    def acked(self, partition: int, offset: int) -> int | None:
        """The offset to commit now for ``partition``, or None (unknown message, or no progress)."""
        pending = self._pending.get(partition)
        if pending is None or offset not in pending:
            return None
        pending.discard(offset)
        self._next[partition] = max(self._next.get(partition, 0), offset + 1)
        commit = min(pending) if pending else self._next[partition]
        if commit <= self._committed.get(partition, -1):
            return None
        self._committed[partition] = commit
        return commit


class KafkaSubscription:
    def __init__(self, consumer: Any, subject: str) -> None:
        self._consumer = consumer
        self.subject = subject
        self._commits = Commits()

    async def fetch(self, max_messages: int, timeout: float) -> list[InMessage]:
        msgs = await asyncio.to_thread(self._consumer.consume, max_messages, timeout)
        out = []
        for msg in msgs:
            if msg.error() is not None:
                continue
            key = msg.key().decode() if msg.key() else None
            m = InMessage(
                msg.topic(), msg.offset(), msg.value() or b"", from_kafka_headers(msg.headers()), key, False, msg
            )
            self._commits.fetched(msg.partition(), m.sequence)
            out.append(m)
        return out

    async def ack(self, message: InMessage) -> None:
        from confluent_kafka import TopicPartition

        partition = message.token.partition()
        commit = self._commits.acked(partition, message.sequence)
        if commit is not None:
            self._consumer.commit(offsets=[TopicPartition(message.subject, partition, commit)], asynchronous=True)

    async def nak(self, message: InMessage) -> None:
        from confluent_kafka import TopicPartition

        self._consumer.seek(TopicPartition(message.subject, message.token.partition(), message.sequence))

    async def close(self) -> None:
        await asyncio.to_thread(self._consumer.close)
