"""NATS JetStream transport (extra ``nats``: nats-py).

Each port gets a file-backed stream named after its subject, with the port's retention as max age and
a de-duplication window; each reader a durable pull consumer with explicit acks. Publishes are
pipelined (``publish_async``), carry ``Nats-Msg-Id`` = the CloudEvents id, and are retried in order
across disconnects until ``retry_for`` seconds pass: the server drops the duplicates a retry creates.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Sequence
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from contract_runtime.ports._observe import WARNING_LEVEL, log
from contract_runtime.ports._types import InMessage, OutMessage, Port, PublishError, StartFrom, StartKind

DUPLICATE_WINDOW = 120.0  # seconds in which a re-sent message id is dropped by the server
_BACKOFF = (0.1, 0.25, 0.5, 1.0)


def stream_name(subject: str) -> str:
    """'sales.orders.v1' -> 'CONTRACT_SALES_ORDERS_V1' (stream names cannot hold dots or wildcards)."""
    return "CONTRACT_" + re.sub(r"[^A-Za-z0-9_-]", "_", subject).upper()


def _options_from_env() -> dict[str, Any]:
    """Credentials only from the environment: a creds file, user/password, a token or an nkey seed."""
    env = os.environ
    options: dict[str, Any] = {}
    if env.get("NATS_CREDS"):
        options["user_credentials"] = env["NATS_CREDS"]
    if env.get("NATS_USER"):
        options["user"] = env["NATS_USER"]
        options["password"] = env.get("NATS_PASSWORD", "")
    if env.get("NATS_TOKEN"):
        options["token"] = env["NATS_TOKEN"]
    if env.get("NATS_NKEY_SEED"):
        options["nkeys_seed"] = env["NATS_NKEY_SEED"]
    return options


class NatsTransport:
    def __init__(self, nc: Client, *, timeout: float = 5.0, retry_for: float = 60.0, max_pending: int = 4000) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream(timeout=timeout, publish_async_max_pending=max_pending)
        self.timeout = timeout
        self.retry_for = retry_for
        self.max_pending = max_pending
        self._ports: set[str] = set()

    @classmethod
    async def connect(cls, url: str, **options: Any) -> NatsTransport:
        servers = [s.strip() for s in url.split(",") if s.strip()]
        retry_for = float(os.environ.get("CONTRACT_PORTS_RETRY_FOR", "60"))

        async def on_error(exc: Exception) -> None:
            log(WARNING_LEVEL, "nats.error", error=str(exc) or type(exc).__name__)

        async def on_disconnect() -> None:
            log(WARNING_LEVEL, "nats.disconnected", servers=servers)

        settings: dict[str, Any] = {
            "servers": servers,
            "max_reconnect_attempts": -1,  # a producer outlives a server restart
            "reconnect_time_wait": 0.25,
            "connect_timeout": 2,
            "error_cb": on_error,
            "disconnected_cb": on_disconnect,
            **_options_from_env(),
            **options,
        }
        nc = await nats.connect(**settings)
        return cls(nc, retry_for=retry_for)

    async def _retrying(self, what: str, action: Any) -> Any:
        """Run an idempotent JetStream API call, retrying while the server is unreachable."""
        deadline = time.monotonic() + self.retry_for
        attempt = 0
        while True:
            try:
                return await action()
            except (
                nats.errors.TimeoutError,
                nats.errors.ConnectionClosedError,
                nats.errors.NoRespondersError,
                nats.js.errors.ServiceUnavailableError,
                nats.errors.OutboundBufferLimitError,
            ) as exc:
                if time.monotonic() > deadline:
                    raise
                log(WARNING_LEVEL, "nats.retry", what=what, error=type(exc).__name__)
                await asyncio.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
                attempt += 1

    async def ensure_port(self, port: Port) -> None:
        if port.subject in self._ports:
            return
        max_age = port.retention_seconds
        config = api.StreamConfig(
            name=stream_name(port.subject),
            subjects=[port.subject],
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.LIMITS,
            max_age=max_age,
            duplicate_window=min(DUPLICATE_WINDOW, max_age) if max_age else DUPLICATE_WINDOW,
            description=f"contract {port.contract} {port.version}, port {port.name}",
        )

        async def create() -> None:
            try:
                await self.js.stream_info(config.name or "")
            except nats.js.errors.NotFoundError:
                await self.js.add_stream(config)
            else:
                await self.js.update_stream(config)

        await self._retrying("ensure stream", create)
        self._ports.add(port.subject)

    async def publish(self, subject: str, messages: Sequence[OutMessage]) -> int:
        """Pipelined publish, then wait for every ack. On any failure the unconfirmed tail is sent again
        from its first message, so order is kept and the server drops what it already has."""
        deadline = time.monotonic() + self.retry_for
        confirmed = 0
        attempt = 0
        while confirmed < len(messages):
            confirmed += await self._publish_tail(subject, messages[confirmed:])
            if confirmed == len(messages):
                break
            if time.monotonic() > deadline:
                raise PublishError(
                    f"NATS: {len(messages) - confirmed} messages unconfirmed after retrying for {self.retry_for:g}s",
                    sent=confirmed,
                )
            log(WARNING_LEVEL, "nats.publish_retry", subject=subject, unconfirmed=len(messages) - confirmed)
            await asyncio.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
            attempt += 1
        return confirmed

    async def _publish_tail(self, subject: str, messages: Sequence[OutMessage]) -> int:
        """How many leading messages the server confirmed, sent in windows of at most ``max_pending``."""
        confirmed = 0
        for start in range(0, len(messages), self.max_pending):
            window = messages[start : start + self.max_pending]
            done = await self._publish_window(subject, window)
            confirmed += done
            if done < len(window):
                break
        return confirmed

    async def _publish_window(self, subject: str, messages: Sequence[OutMessage]) -> int:
        futures: list[asyncio.Future[api.PubAck]] = []
        publish = self.js.publish_async
        msg_id = api.Header.MSG_ID
        try:
            for m in messages:
                headers = dict(m.headers)
                headers[msg_id] = m.id
                # No wait_stall: with it nats-py wraps the semaphore in wait_for, a loop turn and a socket
                # write per message. A window never exceeds max_pending, and every future of the window
                # before is done or cancelled, so the semaphore never blocks here.
                futures.append(await publish(subject, m.data, headers=headers))
        except Exception as exc:  # connection lost while sending: what was sent may still be confirmed
            log(WARNING_LEVEL, "nats.publish_interrupted", error=type(exc).__name__)
        if not futures:
            return 0
        # One deadline for the whole batch (a timer per message would cost more than the publish).
        await asyncio.wait(futures, timeout=self.timeout)
        for i, future in enumerate(futures):
            if not future.done() or future.cancelled() or future.exception() is not None:
                for rest in futures[i:]:
                    rest.cancel()
                return i
        return len(futures)

    async def subscribe(self, port: Port, consumer: str, start: StartFrom) -> NatsSubscription:
        stream = stream_name(port.subject)
        policy = {
            StartKind.STORED: api.DeliverPolicy.ALL,
            StartKind.BEGINNING: api.DeliverPolicy.ALL,
            StartKind.END: api.DeliverPolicy.NEW,
            StartKind.SEQUENCE: api.DeliverPolicy.BY_START_SEQUENCE,
        }[start.kind]
        config = api.ConsumerConfig(
            durable_name=consumer,
            deliver_policy=policy,
            opt_start_seq=start.sequence if start.kind is StartKind.SEQUENCE else None,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=30,
            max_ack_pending=20000,
            filter_subject=port.subject,
        )

        async def bind() -> JetStreamContext.PullSubscription:
            if start.kind is not StartKind.STORED:  # a new start position needs a fresh consumer
                with contextlib.suppress(nats.js.errors.NotFoundError):
                    await self.js.delete_consumer(stream, consumer)
            return await self.js.pull_subscribe(port.subject, durable=consumer, stream=stream, config=config)

        psub = await self._retrying("subscribe", bind)
        return NatsSubscription(psub, port.subject)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.nc.drain(), self.timeout)
        except (TimeoutError, nats.errors.Error):
            await self.nc.close()


class NatsSubscription:
    def __init__(self, psub: JetStreamContext.PullSubscription, subject: str) -> None:
        self._psub = psub
        self.subject = subject

    async def fetch(self, max_messages: int, timeout: float) -> list[InMessage]:
        try:
            msgs = await self._psub.fetch(max_messages, timeout=max(timeout, 0.05))
        except nats.errors.TimeoutError:
            return []
        except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
            # The server is away: the client reconnects by itself; come back empty-handed and retry.
            log(WARNING_LEVEL, "nats.fetch_failed", error=type(exc).__name__)
            await asyncio.sleep(min(timeout, 0.25))
            return []
        return [self._message(m) for m in msgs]

    def _message(self, msg: Msg) -> InMessage:
        meta = msg.metadata
        headers = dict(msg.headers or {})
        return InMessage(
            msg.subject, meta.sequence.stream, msg.data, headers, headers.get("ce-subject"), meta.num_delivered > 1, msg
        )

    async def ack(self, message: InMessage) -> None:
        try:
            await message.token.ack()
        except (nats.errors.Error, nats.js.errors.Error) as exc:
            # Not acked: the server redelivers after the ack wait (at least once).
            log(WARNING_LEVEL, "nats.ack_failed", sequence=message.sequence, error=type(exc).__name__)

    async def nak(self, message: InMessage) -> None:
        try:
            await message.token.nak()
        except (nats.errors.Error, nats.js.errors.Error) as exc:
            log(WARNING_LEVEL, "nats.nak_failed", sequence=message.sequence, error=type(exc).__name__)

    async def close(self) -> None:
        with contextlib.suppress(nats.errors.Error, nats.js.errors.Error):
            await self._psub.unsubscribe()
