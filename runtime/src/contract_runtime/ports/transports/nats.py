"""NATS JetStream transport (extra ``nats``: nats-py).

Each port gets a file-backed stream named after its subject, with the port's retention as max age and
a de-duplication window; each reader a durable pull consumer with explicit acks. Publishes are
pipelined in windows of at most ``max_pending`` messages as requests whose acks come back on one
subscription, carry ``Nats-Msg-Id`` = the CloudEvents id, and are retried in order across disconnects
until ``retry_for`` seconds pass: the server drops the duplicates a retry creates.

nats-py's ``publish_async`` and ``publish`` cost more per message than the publish itself (a future, a
random token and a JSON parse per ack; a strip, a regex and a translate per header), so the transport
writes each message's HPUB frame into nats-py's outgoing buffer (``Client._send_command``) with the
headers serialised in one pass, and counts acks in bulk. Where a nats-py lacks that buffer it sends
through the public ``publish``: the same bytes, slower. Both paths are tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import Sequence
from typing import Any

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from contract_runtime.ports import _types
from contract_runtime.ports._observe import WARNING_LEVEL, log
from contract_runtime.ports._types import InMessage, OutMessage, Port, PortError, PublishError, StartFrom, StartKind

DUPLICATE_WINDOW = 120.0  # seconds in which a re-sent message id is dropped by the server
_BACKOFF = (0.1, 0.25, 0.5, 1.0)
_HEADER_ROOM = 16 * 1024  # more than any header block the ports write: below it a message's data surely fits
MSG_ID: str = api.Header.MSG_ID.value
_USERINFO = re.compile(r"://[^/@]*@")


def stream_name(subject: str) -> str:
    """'sales.orders.v1' -> 'CONTRACT_SALES_ORDERS_V1' (stream names cannot hold dots or wildcards)."""
    return "CONTRACT_" + re.sub(r"[^A-Za-z0-9_-]", "_", subject).upper()


def _redact(server: str) -> str:
    """A server URL fit for logs and errors: 'nats://user:secret@host:4222' -> 'nats://***@host:4222'."""
    return _USERINFO.sub("://***@", server)


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
        self._acks: _AckInbox | None = None
        # nats-py's internal outgoing buffer, used for speed where this nats-py has it (see _send_frames).
        self._frames = callable(getattr(nc, "_send_command", None)) and callable(getattr(nc, "_flush_pending", None))
        self._closing = False  # close() was called: the disconnect that follows is no incident
        self._connected = False  # the first connect succeeded (until then failed attempts are retries)
        self._failed_attempts = 0
        self._servers: list[str] = []  # as logged: without credentials

    @classmethod
    async def connect(cls, url: str, **options: Any) -> NatsTransport:
        """Connect to ``url`` (comma-separated servers), retrying for ``$CONTRACT_PORTS_RETRY_FOR`` seconds
        (default 60), then raise ``PortError``. Once connected, the client reconnects without limit: a
        producer outlives a server restart."""
        servers = [s.strip() for s in url.split(",") if s.strip()]
        transport = cls(Client(), retry_for=float(os.environ.get("CONTRACT_PORTS_RETRY_FOR", "60")))
        transport._servers = [_redact(s) for s in servers]
        settings: dict[str, Any] = {
            "servers": servers,
            # Unlimited, for the first connect too: its budget is the deadline in _first_connect.
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 0.25,
            "connect_timeout": 2,
            "error_cb": transport._on_error,
            "disconnected_cb": transport._on_disconnect,
            **_options_from_env(),
            **options,
        }
        await transport._first_connect(settings)
        return transport

    async def _first_connect(self, settings: dict[str, Any]) -> None:
        # nats-py applies max_reconnect_attempts to the first connect as well, with no deadline of its
        # own: bound it by the retry budget (one connect timeout at least, so one attempt can finish).
        budget = max(self.retry_for, float(settings.get("connect_timeout") or 0))
        try:
            await asyncio.wait_for(self.nc.connect(**settings), budget)
        except TimeoutError as exc:
            last = self.nc.last_error
            self._closing = True
            with contextlib.suppress(Exception):  # a half-open attempt: nothing of it matters any more
                await self.nc.close()
            reason = f"; last error: {type(last).__name__}: {last}" if last is not None else ""
            where = ", ".join(self._servers)
            raise PortError(
                f"NATS: no connection to {where} after retrying for {budget:g}s ($CONTRACT_PORTS_RETRY_FOR){reason}"
            ) from (last or exc)
        self._connected = True

    async def _on_error(self, exc: Exception) -> None:
        error = str(exc) or type(exc).__name__
        if self._connected:
            log(WARNING_LEVEL, "nats.error", error=error)
            return
        # Until the first connect succeeds every failed attempt lands here: one warning, then debug.
        self._failed_attempts += 1
        level = WARNING_LEVEL if self._failed_attempts == 1 else logging.DEBUG
        log(level, "nats.connect_retry", attempt=self._failed_attempts, retry_for=self.retry_for, error=error)

    async def _on_disconnect(self) -> None:
        if self._closing:  # close() asked for it
            log(logging.DEBUG, "nats.closed", servers=self._servers)
        else:
            log(WARNING_LEVEL, "nats.disconnected", servers=self._servers)

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
        self._check_sizes(messages)
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

    def _check_sizes(self, messages: Sequence[OutMessage]) -> None:
        """PayloadTooLarge before anything is sent when a message cannot fit the server's max_payload: the
        server refuses it every time, so retrying would only hold the caller for the whole budget. Headers
        are small: only data near the limit has its header block measured."""
        limit = self.nc.max_payload
        for i, m in enumerate(messages):
            if len(m.data) + _HEADER_ROOM > limit:
                size = len(_header_block(m.headers, m.id)) + len(m.data)
                if size > limit:
                    raise _types.PayloadTooLarge(
                        f"NATS: message {i} of the batch is {size} bytes with its headers; the server takes at most "
                        f"{limit} (max_payload); nothing of the batch was sent",
                        sent=0,
                    )

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
        if self._frames and not self.nc.is_connected:
            # Frames are not buffered across a reconnect, so nothing would go out and no ack could come:
            # waiting the ack timeout would only delay the retry that follows the reconnect.
            return 0
        acks = await self._ack_inbox()
        window = acks.open(len(messages))
        try:
            if self._frames:
                await self._send_frames(subject, messages, window)
            else:
                await self._send_public(subject, messages, window)
        except Exception as exc:  # connection lost while sending: what was sent may still be confirmed
            log(WARNING_LEVEL, "nats.publish_interrupted", error=type(exc).__name__)
        try:
            # One deadline for the whole window (a timer per message would cost more than the publish).
            await asyncio.wait((window.done,), timeout=self.timeout)
        finally:
            acks.close(window)
        return window.confirmed()

    async def _send_frames(self, subject: str, messages: Sequence[OutMessage], window: _Window) -> None:
        """HPUB frames written to nats-py's outgoing buffer, headers serialised in one pass. nats-py's
        ``publish`` checks and encodes each header on its own (a strip, a regex and a translate), which
        costs more than all our contract work on the record; the frame is the same bytes."""
        if not subject or any(c in subject for c in " \t\r\n"):  # nats-py's publish would refuse it too
            raise nats.errors.BadSubjectError
        nc = self.nc
        send = nc._send_command
        target = subject.encode()
        limit = nc.max_payload
        size = 0
        for i, m in enumerate(messages):
            if not nc.is_connected:  # no buffering across a reconnect: the retry resends the tail
                raise nats.errors.ConnectionClosedError
            header = _header_block(m.headers, m.id)
            if len(header) + len(m.data) > limit:
                raise nats.errors.MaxPayloadError
            await send(
                b"HPUB %b %b %d %d\r\n%b%b\r\n"
                % (target, window.reply(i).encode(), len(header), len(header) + len(m.data), header, m.data)
            )
            size += len(m.data)
            if i % 256 == 255:  # let the flusher write, so the server works while the rest is framed
                await nc._flush_pending()
                await asyncio.sleep(0)
        nc.stats["out_msgs"] += len(messages)
        nc.stats["out_bytes"] += size
        await nc._flush_pending()

    async def _send_public(self, subject: str, messages: Sequence[OutMessage], window: _Window) -> None:
        publish = self.nc.publish
        for i, m in enumerate(messages):
            headers = dict(m.headers)
            headers[MSG_ID] = m.id
            await publish(subject, m.data, reply=window.reply(i), headers=headers)

    async def _ack_inbox(self) -> _AckInbox:
        if self._acks is None:
            inbox = _AckInbox(self.nc.new_inbox())
            await self.nc.subscribe(inbox.prefix + ".*", cb=inbox.on_ack)
            self._acks = inbox
        return self._acks

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
        return NatsSubscription(psub, port.subject, self.nc)

    async def close(self) -> None:
        self._closing = True  # the disconnect callback that follows is no incident
        try:
            await asyncio.wait_for(self.nc.drain(), self.timeout)
        except (TimeoutError, nats.errors.Error):
            await self.nc.close()


_ONE_LINE = str.maketrans("\r\n", "  ")


def _header_block(headers: dict[str, str], msg_id: str) -> bytes:
    """A message's NATS/1.0 header block, ending with ``Nats-Msg-Id`` (JetStream's de-duplication key).
    The keys are ours; a value with a line break (a key taken from a record, say) is folded onto one
    line, as nats-py does."""
    if MSG_ID in headers:  # a dead letter keeps the original message's headers
        headers = {k: v for k, v in headers.items() if k != MSG_ID}
    text = "".join([f"{k}: {v}\r\n" for k, v in headers.items()])
    if text.count("\n") != len(headers) or text.count("\r") != len(headers):
        text = "".join([f"{k}: {v.strip().translate(_ONE_LINE)}\r\n" for k, v in headers.items()])
    return f"NATS/1.0\r\n{text}{MSG_ID}: {msg_id}\r\n\r\n".encode()


class _PubAck(msgspec.Struct):
    """JetStream's reply to a publish, as far as it matters here: an error, or none (stored, or a duplicate
    of what is stored); the other fields are skipped by the decoder."""

    error: dict[str, Any] | None = None


_decode_ack = msgspec.json.Decoder(_PubAck).decode


class _Window:
    """The publishes of one window and their acks, by position."""

    __slots__ = ("base", "done", "ok", "prefix", "remaining")

    def __init__(self, prefix: str, base: int, size: int) -> None:
        self.prefix = prefix
        self.base = base
        self.ok = [False] * size
        self.remaining = size
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if size == 0:
            self.done.set_result(None)

    def reply(self, i: int) -> str:
        return f"{self.prefix}{self.base + i}"

    def confirmed(self) -> int:
        """How many leading messages the server stored: a retry starts after them, so order is kept."""
        try:
            return self.ok.index(False)
        except ValueError:
            return len(self.ok)


class _AckInbox:
    """JetStream publishes pipelined as plain NATS requests whose replies (the acks) all arrive on one
    wildcard subscription. nats-py's ``publish_async`` does the same with a future, a random token, a
    semaphore and a JSON parse per message, which cost more than the publish itself; here an ack costs
    finding its window among the few open ones and a msgspec decode."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._reply_prefix = prefix + "."
        self._next = 0
        self._windows: dict[int, _Window] = {}

    def open(self, size: int) -> _Window:
        window = _Window(self._reply_prefix, self._next, size)
        self._windows[window.base] = window
        self._next += size
        return window

    def close(self, window: _Window) -> None:
        self._windows.pop(window.base, None)

    def _find(self, token: int) -> _Window | None:
        # Windows are few (one per publish call in flight), so a scan beats a dict entry per message.
        for window in self._windows.values():
            if window.base <= token < window.base + len(window.ok):
                return window
        return None

    async def on_ack(self, msg: Msg) -> None:
        token_text = msg.subject[len(self._reply_prefix) :]
        token = int(token_text) if token_text.isdigit() else -1
        window = self._find(token)
        if window is None:  # the window timed out and was retried; the server drops the duplicate
            return
        i = token - window.base
        if window.ok[i]:
            return
        if msg.headers and msg.headers.get("Status"):  # 503: no stream listens on the subject
            log(WARNING_LEVEL, "nats.publish_refused", status=msg.headers.get("Status"))
            ack = None
        else:
            try:
                ack = _decode_ack(msg.data)
            except msgspec.DecodeError:
                ack = None
        if ack is None or ack.error is not None:
            if ack is not None:
                log(WARNING_LEVEL, "nats.publish_refused", error=str(ack.error))
            window.remaining = 0  # one refusal ends the window: what follows it is sent again
        else:
            window.ok[i] = True
            window.remaining -= 1
        if window.remaining <= 0 and not window.done.done():
            window.done.set_result(None)


class NatsSubscription:
    def __init__(self, psub: JetStreamContext.PullSubscription, subject: str, nc: Client) -> None:
        self._psub = psub
        self.subject = subject
        self._nc = nc

    async def fetch(self, max_messages: int, timeout: float) -> list[InMessage]:
        try:
            msgs = await self._psub.fetch(max_messages, timeout=max(timeout, 0.05))
        except nats.errors.TimeoutError:
            return []
        except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
            if isinstance(exc, TimeoutError) and self._nc.is_connected:
                return []  # a long fetch can end so while connected: nothing to read, no incident
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
