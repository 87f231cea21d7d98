"""Synchronous producer and reader: thin wrappers that run the asyncio core on one background event
loop per process. Contract work (validation, encoding) runs in the caller's thread, so an invalid
record raises right there; only transport I/O crosses to the loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from contract_runtime.ports._async import AsyncProducer, AsyncReader, Delivery
from contract_runtime.ports._codec import Codec
from contract_runtime.ports._observe import Metrics
from contract_runtime.ports._types import BatchRejected, InMessage, OutMessage, Port, StartFrom
from contract_runtime.ports.transports import Transport, connect

T = TypeVar("T")
R = TypeVar("R")


class _LoopThread:
    """One daemon thread running an event loop. Transports opened for sync use live on it, so network
    clients keep answering heartbeats between calls."""

    _instance: _LoopThread | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="contract-ports-loop", daemon=True)
        self.thread.start()

    @classmethod
    def get(cls) -> _LoopThread:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _LoopThread()
            return cls._instance

    def run(self, coro: Coroutine[Any, Any, R], timeout: float | None = None) -> R:
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("the sync ports API cannot be called from its own event loop; use the async API")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except BaseException:
            # Ctrl-C (or the timeout) ends the wait, not the coroutine: left running on the loop thread, a
            # reader's next() would take the next message for a caller who is gone. Cancel it.
            future.cancel()
            raise


def run(coro: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine on the ports loop and wait for it (for sync code that needs one async call)."""
    return _LoopThread.get().run(coro)


def open_transport(url: str | None = None) -> Transport:
    """``connect`` for sync code: the transport lives on the ports loop."""
    return run(connect(url))


class Producer(Generic[T]):
    """Sync producer: ``publish(record)``, ``publish_many(records)``; see AsyncProducer."""

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
        self._async = AsyncProducer(
            transport, port, codec, source=source, metrics=metrics, owns_transport=owns_transport
        )
        self._loop = _LoopThread.get()

    @property
    def metrics(self) -> Metrics:
        return self._async.metrics

    def publish(self, record: T) -> None:
        try:
            messages = self._async.prepare((record,))
        except BatchRejected as exc:
            raise exc.violations[0][1] from None
        self._loop.run(self._async.send(messages))

    def publish_many(self, records: Iterable[T]) -> int:
        messages = self._async.prepare(records)  # raises before anything is sent
        return self._loop.run(self._async.send(messages))

    def prepare(self, records: Iterable[T]) -> list[OutMessage]:
        """Validate and encode, ids assigned; raises BatchRejected. See ``send``."""
        return self._async.prepare(records)

    def send(self, messages: Sequence[OutMessage]) -> int:
        """Publish prepared messages, e.g. a PublishError's ``unsent`` again (same ids: no duplicates
        where the transport de-duplicates)."""
        return self._loop.run(self._async.send(messages))

    def close(self) -> None:
        self._loop.run(self._async.close())

    def __enter__(self) -> Producer[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SyncDelivery(Generic[T]):
    """A Delivery whose ``ack``/``nak`` block."""

    __slots__ = ("_delivery", "_loop")

    def __init__(self, delivery: Delivery[T], loop: _LoopThread) -> None:
        self._delivery = delivery
        self._loop = loop

    @property
    def record(self) -> T:
        return self._delivery.record

    @property
    def message(self) -> InMessage:
        return self._delivery.message

    @property
    def sequence(self) -> int:
        return self._delivery.message.sequence

    @property
    def headers(self) -> dict[str, str]:
        return self._delivery.message.headers

    def ack(self) -> None:
        self._loop.run(self._delivery.ack())

    def nak(self) -> None:
        self._loop.run(self._delivery.nak())


class Reader(Generic[T]):
    """Sync reader: iterate deliveries (``for d in reader: handle(d.record); d.ack()``) or ``next(timeout)``."""

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
        self._async = AsyncReader(
            transport,
            port,
            codec,
            consumer=consumer,
            start=start,
            dead_letter_subject=dead_letter_subject,
            batch_size=batch_size,
            metrics=metrics,
            owns_transport=owns_transport,
        )
        self._loop = _LoopThread.get()

    @property
    def metrics(self) -> Metrics:
        return self._async.metrics

    def next(self, timeout: float | None = None) -> SyncDelivery[T] | None:
        delivery = self._loop.run(self._async.next(timeout))
        return None if delivery is None else SyncDelivery(delivery, self._loop)

    def read(self, max_records: int, timeout: float) -> list[SyncDelivery[T]]:
        return [SyncDelivery(d, self._loop) for d in self._loop.run(self._async.read(max_records, timeout))]

    def __iter__(self) -> Iterator[SyncDelivery[T]]:
        while True:
            delivery = self.next()
            if delivery is not None:
                yield delivery

    def close(self) -> None:
        self._loop.run(self._async.close())

    def __enter__(self) -> Reader[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
