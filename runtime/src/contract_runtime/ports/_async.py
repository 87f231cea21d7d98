"""The asyncio core: a typed producer and reader over any Transport. The sync API wraps these."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from contract_runtime._checks import ContractViolation
from contract_runtime.ports import _headers
from contract_runtime.ports._codec import Codec
from contract_runtime.ports._observe import WARNING_LEVEL, Metrics, log, span
from contract_runtime.ports._types import (
    BatchRejected,
    InMessage,
    OutMessage,
    PayloadTooLarge,
    Port,
    PublishError,
    StartFrom,
    key_function,
)
from contract_runtime.ports.transports import Subscription, Transport

T = TypeVar("T")

# Headers a dead letter adds to the original message's headers.
DLQ_ERROR = "dlq-error"
DLQ_RULE = "dlq-rule"
DLQ_PATH = "dlq-path"
DLQ_STAGE = "dlq-stage"
DLQ_SUBJECT = "dlq-origin-subject"
DLQ_SEQUENCE = "dlq-origin-sequence"
DLQ_CONSUMER = "dlq-consumer"
DLQ_DATA_OMITTED = "dlq-data-omitted"  # the original's size, when its data did not fit the dead letter
# Seconds a reader waits before giving back a message whose dead letter could not be stored: a store
# that fails at once (SQLite) would otherwise be retried in a busy loop.
DEAD_LETTER_RETRY_DELAY = 0.25


def _header_text(text: str) -> str:
    """Header values stay on one line: NATS and HTTP headers cannot carry line breaks."""
    return " ".join(text.split())[:1024]


class AsyncProducer(Generic[T]):
    """Validates, encodes and publishes records of one port. ``prepare`` (pure, synchronous) does all
    the contract work, so an invalid record or batch is refused before any byte reaches the transport."""

    def __init__(
        self,
        transport: Transport,
        port: Port,
        codec: Codec[T],
        *,
        source: str | None = None,
        metrics: Metrics | None = None,
        owns_transport: bool = False,
    ) -> None:
        self.transport = transport
        self.port = port
        self.codec = codec
        self.metrics = metrics or Metrics(labels={"port": port.name, "subject": port.subject, "role": "producer"})
        self._key = key_function(port.key_fields)
        self._base = _headers.base_headers(port, codec.content_type, source or _headers.default_source(port))
        self._ids = _headers.EventIds()
        self._ready = False
        self._owns_transport = owns_transport

    def prepare(self, records: Iterable[T]) -> list[OutMessage]:
        """Validate and encode every record. Raises BatchRejected (a ContractViolation) listing every
        invalid record with its index; returns nothing partial."""
        encode, key, base, next_id, stamp = self.codec.encode, self._key, self._base, self._ids.next, _headers.stamp
        now = _headers.now_rfc3339()
        out: list[OutMessage] = []
        bad: list[tuple[int, ContractViolation]] = []
        for i, record in enumerate(records):
            try:
                data = encode(record)
            except ContractViolation as exc:
                bad.append((i, exc))
                continue
            k = key(record)
            event_id = next_id()
            out.append(OutMessage(event_id, data, stamp(base, k, now, event_id), k))
        if bad:
            self.metrics.count("rejected", len(bad))
            log(WARNING_LEVEL, "publish.rejected", port=self.port.name, invalid=len(bad), first=str(bad[0][1]))
            raise BatchRejected(bad)
        return out

    async def send(self, messages: Sequence[OutMessage]) -> int:
        if not self._ready:
            await self.transport.ensure_port(self.port)
            self._ready = True
        started = time.perf_counter()
        with span(
            "publish " + self.port.subject,
            {"messaging.destination.name": self.port.subject, "messaging.batch.message_count": len(messages)},
        ):
            try:
                sent = await self.transport.publish(self.port.subject, messages)
            except PublishError as exc:  # the transport counts; the messages to send again are ours to give
                exc.unsent = tuple(messages[exc.sent :])
                raise
        self.metrics.latency(time.perf_counter() - started)
        self.metrics.count("published", sent)
        return sent

    async def publish(self, record: T) -> None:
        """Validate, encode and publish one record; raises ContractViolation (nothing sent) or PublishError."""
        try:
            messages = self.prepare((record,))
        except BatchRejected as exc:
            raise exc.violations[0][1] from None
        await self.send(messages)

    async def publish_many(self, records: Iterable[T]) -> int:
        """All or nothing on validation: every record is validated and encoded before the first is sent.
        Returns the number published."""
        return await self.send(self.prepare(records))

    async def close(self) -> None:
        if self._owns_transport:
            await self.transport.close()

    async def __aenter__(self) -> AsyncProducer[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@dataclass(slots=True)
class Delivery(Generic[T]):
    """One decoded, validated record and its origin. Call ``ack`` once it is processed; until then it
    will be delivered again (at least once)."""

    record: T
    message: InMessage
    _subscription: Subscription

    @property
    def sequence(self) -> int:
        return self.message.sequence

    @property
    def headers(self) -> dict[str, str]:
        return self.message.headers

    async def ack(self) -> None:
        await self._subscription.ack(self.message)

    async def nak(self) -> None:
        """Give the message back: it is delivered again."""
        await self._subscription.nak(self.message)


def _sequence(text: str) -> int:
    """A dead letter's number header (origin sequence, omitted size); 0 when unreadable (a letter written by
    another tool): reading the letters must not fail on one of them, as those before it would be acked and
    lost with the error."""
    return int(text) if text.isascii() and text.isdigit() else 0


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message a reader could not accept: the raw bytes, why, and where it came from."""

    data: bytes
    error: str
    rule: str
    path: str
    stage: str  # "contract" (wrong contract or major), "decode" (not parseable), "validate"
    origin_subject: str
    origin_sequence: int
    consumer: str
    headers: dict[str, str]
    # The original's size when its data did not fit the dead letter (``data`` is then empty): the bytes are
    # in the origin stream at ``origin_sequence`` until the port's retention ends.
    data_omitted: int = 0

    @staticmethod
    def from_message(message: InMessage) -> DeadLetter:
        h = message.headers
        return DeadLetter(
            data=message.data,
            error=h.get(DLQ_ERROR, ""),
            rule=h.get(DLQ_RULE, ""),
            path=h.get(DLQ_PATH, ""),
            stage=h.get(DLQ_STAGE, ""),
            origin_subject=h.get(DLQ_SUBJECT, ""),
            origin_sequence=_sequence(h.get(DLQ_SEQUENCE, "")),
            consumer=h.get(DLQ_CONSUMER, ""),
            headers=h,
            data_omitted=_sequence(h.get(DLQ_DATA_OMITTED, "")),
        )


class AsyncReader(Generic[T]):
    """Reads, decodes and validates records of one port through a durable consumer. A message that
    fails (wrong contract or major version, undecodable, invalid) is published to the dead-letter
    subject with its bytes, the error and its origin, counted, acked, and reading goes on."""

    def __init__(
        self,
        transport: Transport,
        port: Port,
        codec: Codec[T],
        *,
        consumer: str,
        start: StartFrom = StartFrom.STORED,
        dead_letter_subject: str | None = None,
        batch_size: int = 256,
        metrics: Metrics | None = None,
        owns_transport: bool = False,
    ) -> None:
        self.transport = transport
        self.port = port
        self.codec = codec
        self.consumer = consumer
        self.start = start
        self.dead_letter_port = port.dead_letter_port(dead_letter_subject)
        self.batch_size = batch_size
        self.metrics = metrics or Metrics(labels={"port": port.name, "subject": port.subject, "role": "reader"})
        self._subscription: Subscription | None = None
        self._buffer: deque[InMessage] = deque()
        self._owns_transport = owns_transport

    async def _subscribe(self) -> Subscription:
        if self._subscription is None:
            await self.transport.ensure_port(self.port)
            await self.transport.ensure_port(self.dead_letter_port)
            self._subscription = await self.transport.subscribe(self.port, self.consumer, self.start)
        return self._subscription

    async def next(self, timeout: float | None = None) -> Delivery[T] | None:
        """The next valid record, or None when none arrived within ``timeout`` seconds (None: wait)."""
        sub = await self._subscribe()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            while self._buffer:
                delivery = await self._accept_next(sub)
                if delivery is not None:
                    return delivery
            left = 1.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return None
            self._buffer.extend(await sub.fetch(self.batch_size, min(left, 1.0)))

    async def read(self, max_records: int, timeout: float) -> list[Delivery[T]]:
        """Up to ``max_records`` valid records, waiting at most ``timeout`` seconds for the first."""
        first = await self.next(timeout)
        if first is None:
            return []
        out = [first]
        try:
            while len(out) < max_records and self._buffer:
                delivery = await self._accept_next(await self._subscribe())
                if delivery is not None:
                    out.append(delivery)
        except BaseException:
            # Cancelled (wait_for) while dead-lettering: the records collected were never handed out.
            self._buffer.extendleft(reversed([d.message for d in out]))
            raise
        return out

    def __aiter__(self) -> AsyncReader[T]:
        return self

    async def __anext__(self) -> Delivery[T]:
        delivery = await self.next()
        assert delivery is not None  # next() without a timeout waits until a record arrives
        return delivery

    async def _accept_next(self, sub: Subscription) -> Delivery[T] | None:
        message = self._buffer.popleft()
        try:
            return await self._accept(sub, message)
        except BaseException:
            # Cancelled (or failed) before the message was handed out, acked or given back: keep it for
            # the next call, rather than leave it unacked until the ack wait (NATS) or a restart (SQLite).
            self._buffer.appendleft(message)
            raise

    async def _accept(self, sub: Subscription, message: InMessage) -> Delivery[T] | None:
        with span(
            "consume " + message.subject,
            {"messaging.destination.name": message.subject, "messaging.message.sequence": message.sequence},
        ):
            problem = self._check_headers(message.headers)
            if problem is None:
                try:
                    record = self.codec.decode(message.data)
                except ContractViolation as exc:
                    stage = "decode" if exc.rule == "syntax" else "validate"
                    problem = (stage, exc.detail, exc.rule, exc.path)
                except Exception as exc:  # a codec's own failure (a bug, a custom codec): kept, not fatal
                    log(WARNING_LEVEL, "decode.failed", subject=message.subject, error=repr(exc))
                    problem = ("decode", f"{type(exc).__name__}: {exc}", "error", "$")
                else:
                    self.metrics.count("consumed")
                    return Delivery(record, message, sub)
            await self._dead_letter(sub, message, *problem)
            return None

    def _check_headers(self, headers: dict[str, str]) -> tuple[str, str, str, str] | None:
        """A message of another contract or another major version is not this reader's to decode. A
        message without the headers (written by a foreign producer) is judged by its payload alone."""
        name = headers.get(_headers.CONTRACT_NAME)
        if name is not None and name != self.port.contract:
            return ("contract", f"message of contract {name!r}, expected {self.port.contract!r}", "contract", "$")
        version = headers.get(_headers.CONTRACT_VERSION)
        if version is not None and _headers.major_of(version) != self.port.major:
            detail = f"message of {self.port.contract} {version}, this reader reads major {self.port.major}"
            return ("contract", detail, "major_version", "$")
        content_type = headers.get("content-type")
        if content_type is not None and _headers.media_type(content_type) != self.codec.content_type:
            detail = f"content type {content_type!r}, expected {self.codec.content_type!r}"
            return ("contract", detail, "content_type", "$")
        return None

    async def _dead_letter(
        self, sub: Subscription, message: InMessage, stage: str, error: str, rule: str, path: str
    ) -> None:
        """Publish to the dead-letter subject first, then ack: if the dead letter cannot be stored, the
        original is given back (nak) so it is never lost."""
        # NATS's own headers (Nats-Msg-Id, Nats-Expected-Stream, Nats-Expected-Last-Sequence, ...) are
        # directives for the original's publish: on the dead letter they would apply to its publish, and
        # JetStream would refuse it every time (another stream, another last sequence).
        headers = {k: v for k, v in message.headers.items() if not k.lower().startswith("nats-")}
        headers.update(
            {
                DLQ_ERROR: _header_text(error),
                DLQ_RULE: rule,
                DLQ_PATH: _header_text(path),
                DLQ_STAGE: stage,
                DLQ_SUBJECT: message.subject,
                DLQ_SEQUENCE: str(message.sequence),
                DLQ_CONSUMER: self.consumer,
            }
        )
        # The id is derived from the origin, so a redelivered bad message is stored once. The sequence
        # alone is not enough: a stream created again numbers from 1 again, and the next bad message's
        # letter would be dropped as a duplicate of an earlier one while the original is acked. So the
        # message's own bytes and event id are part of it too.
        digest = hashlib.blake2b(message.data, digest_size=8)
        digest.update(message.headers.get("ce-id", "").encode())
        letter = OutMessage(
            f"dlq-{self.consumer}-{message.subject}-{message.sequence}-{digest.hexdigest()}",
            message.data,
            headers,
            message.key,
        )
        try:
            try:
                await self.transport.publish(self.dead_letter_port.subject, [letter])
            except PayloadTooLarge:
                # The letter's headers pushed it past the server's limit: no retry can store it. Store it
                # without the data instead, which stays in the origin stream at its sequence (streams keep
                # messages for their retention, acked or not), so the reader goes on.
                headers[DLQ_DATA_OMITTED] = str(len(message.data))
                letter = OutMessage(letter.id, b"", headers, message.key)
                await self.transport.publish(self.dead_letter_port.subject, [letter])
        except Exception as exc:  # the reader must not stop: give the message back and go on
            log(WARNING_LEVEL, "dead_letter.failed", subject=message.subject, sequence=message.sequence, error=str(exc))
            await asyncio.sleep(DEAD_LETTER_RETRY_DELAY)  # before the nak: a cancel here leaves it ours
            await sub.nak(message)
            return
        self.metrics.count("dead_lettered")
        log(
            WARNING_LEVEL,
            "dead_letter",
            subject=message.subject,
            sequence=message.sequence,
            stage=stage,
            rule=rule,
            path=path,
            error=error,
        )
        await sub.ack(message)

    async def close(self) -> None:
        if self._subscription is not None:
            # Fetched but never handed out: give them back now, so the consumer's next reader gets them at
            # once (NATS would redeliver them only after the ack wait).
            while self._buffer:
                await self._subscription.nak(self._buffer.popleft())
            await self._subscription.close()
            self._subscription = None
        if self._owns_transport:
            await self.transport.close()

    async def __aenter__(self) -> AsyncReader[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def read_dead_letters(
    transport: Transport,
    port: Port,
    consumer: str,
    *,
    max_messages: int = 1000,
    timeout: float = 1.0,
    subject: str | None = None,
) -> list[DeadLetter]:
    """Dead letters of a port (acked when they are returned), for inspection and replay tools."""
    dlq = port.dead_letter_port(subject)
    await transport.ensure_port(dlq)
    sub = await transport.subscribe(dlq, consumer, StartFrom.STORED)
    out: list[DeadLetter] = []
    taken: list[InMessage] = []
    try:
        while len(out) < max_messages:
            batch = await sub.fetch(max_messages - len(out), timeout)
            if not batch:
                break
            out.extend(DeadLetter.from_message(message) for message in batch)
            taken.extend(batch)
        # Acked only once all are in hand: a cancel or an error before this point acks none of them.
        for message in taken:
            await sub.ack(message)
    finally:
        await sub.close()
    return out
