"""Loss audit against real NATS JetStream servers (the shared one at 127.0.0.1:4222, and private ones
that a test stops, freezes or restarts): the dead-letter stream missing or the server gone at the moment
a message is dead-lettered, a read cancelled mid-batch, a reader closed with messages it fetched but
never handed out, an ack that cannot be sent, and what PublishError.sent promises."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from pathlib import Path

import msgspec
import nats.js.errors
import pytest
from contract_runtime.ports import (
    AsyncProducer,
    AsyncReader,
    OutMessage,
    PayloadTooLarge,
    Port,
    PublishError,
    StartFrom,
    connect,
    read_dead_letters,
)
from contract_runtime.ports.transports.nats import NatsTransport, stream_name
from nats.js import api

from tests.ports.nats_server import (
    SHARED_URL,
    NatsServer,
    needs_binary,
    needs_shared,
    private_server,
)
from tests.ports.records import CODEC, Order, fresh_port, order

pytestmark = pytest.mark.slow
HEADERS = {"content-type": "application/json", "contract-name": "orders", "contract-version": "1.2.0"}
LOGGER = "contract_runtime.ports"


def bad(msg_id: str, headers: dict[str, str] | None = None) -> OutMessage:
    return OutMessage(msg_id, b"{not json", {**HEADERS, **(headers or {})})


def good(i: int) -> OutMessage:
    return OutMessage(f"good-{i}", msgspec.json.encode(order(i)), HEADERS)


async def nats_transport(url: str = SHARED_URL) -> NatsTransport:
    transport = await connect(url)
    assert isinstance(transport, NatsTransport)
    return transport


async def drop_streams(transport: NatsTransport, port: Port) -> None:
    for subject in (port.subject, port.dead_letter_subject):
        with contextlib.suppress(nats.js.errors.NotFoundError):  # a test deleted it
            await transport.js.delete_stream(stream_name(subject))
    await transport.close()


async def short_ack_wait_consumer(transport: NatsTransport, port: Port, durable: str, seconds: float) -> None:
    """The durable consumer as the reader creates it but with a short ack wait, so that a redelivery
    after the ack wait is seen within a test (the reader binds to an existing durable as it is)."""
    await transport.ensure_port(port)
    await transport.js.add_consumer(
        stream_name(port.subject),
        api.ConsumerConfig(
            durable_name=durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=seconds,
            filter_subject=port.subject,
        ),
    )


@needs_shared
def test_a_missing_dead_letter_stream_leaves_the_message_unacked_until_it_can_be_stored() -> None:
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        transport.retry_for = 0.3
        reader = AsyncReader(transport, port, CODEC, consumer="dlq-missing")
        assert await reader.next(0.1) is None  # creates the stream and the dead-letter stream
        await transport.publish(port.subject, [bad("b1"), good(1)])
        await transport.js.delete_stream(stream_name(port.dead_letter_subject))  # an operator's mistake
        got = await reader.read(10, 2)
        assert [d.record.order_id for d in got] == ["o-1"]
        await got[0].ack()
        assert reader.metrics["dead_lettered"] == 0
        transport._ports.discard(port.dead_letter_subject)
        await transport.ensure_port(reader.dead_letter_port)  # the stream is back
        assert await reader.next(1) is None  # the bad message came again (it was given back) ...
        assert reader.metrics["dead_lettered"] == 1  # ... and is stored now
        await reader.close()
        (letter,) = await read_dead_letters(transport, port, "ops")
        assert (letter.data, letter.origin_sequence) == (b"{not json", 1)
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_shared
def test_a_dead_letter_carries_no_jetstream_publish_directive_of_the_original() -> None:
    """A foreign producer may publish with JetStream's optimistic-concurrency headers
    (``Nats-Expected-Stream``, ``Nats-Expected-Last-Sequence`` ...). Copied onto the dead letter they
    would apply to its own publish, which JetStream then refuses every time: the bad message could never
    be dead-lettered, and each attempt would hold the reader for the whole retry budget."""
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        transport.retry_for = 0.3
        await transport.ensure_port(port)
        directives = {"Nats-Expected-Stream": stream_name(port.subject), "Nats-Expected-Last-Sequence": "0"}
        await transport.publish(port.subject, [bad("b1", directives), good(1)])
        reader = AsyncReader(transport, port, CODEC, consumer="directives")
        got = await reader.read(10, 2)
        assert [d.record.order_id for d in got] == ["o-1"]
        await got[0].ack()
        assert reader.metrics["dead_lettered"] == 1
        await reader.close()
        (letter,) = await read_dead_letters(transport, port, "ops")
        assert letter.data == b"{not json"
        assert not [k for k in letter.headers if k.lower().startswith("nats-expected")]
        assert letter.headers["contract-name"] == "orders"  # the other original headers are kept
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_shared
def test_closing_a_reader_gives_back_at_once_what_it_fetched_but_never_handed_out() -> None:
    """The reader fetches a batch and hands out one record; closed then, the rest of the batch belongs to
    the consumer's next reader now, not after the 30 s ack wait."""
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        await AsyncProducer(transport, port, CODEC).publish_many([order(i) for i in range(5)])
        reader = AsyncReader(transport, port, CODEC, consumer="closer", batch_size=5)
        first = await reader.next(2)
        assert first is not None and first.record.order_id == "o-0"
        await first.ack()
        await reader.close()
        successor = AsyncReader(transport, port, CODEC, consumer="closer")
        rest = await successor.read(10, 2)
        assert [d.record.order_id for d in rest] == [f"o-{i}" for i in range(1, 5)]
        await successor.close()
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_shared
def test_a_read_cancelled_mid_batch_gives_its_records_back() -> None:
    """``asyncio.wait_for(reader.read(...), t)`` cancels the read while it dead-letters a message (the
    dead-letter publish is retrying): the record read before it and the bad message itself are handed
    out or dead-lettered by the next call, not held until the ack wait."""
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        reader = AsyncReader(transport, port, CODEC, consumer="cancelled")
        assert await reader.next(0.1) is None
        await transport.publish(port.subject, [good(1), bad("b1"), good(2)])
        await transport.js.delete_stream(stream_name(port.dead_letter_subject))
        transport.retry_for = 30  # the dead-letter publish keeps retrying until the cancel
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(10, 2), 1.0)
        transport._ports.discard(port.dead_letter_subject)
        await transport.ensure_port(reader.dead_letter_port)
        got = await reader.read(10, 2)
        assert [d.record.order_id for d in got] == ["o-1", "o-2"]
        for d in got:
            await d.ack()
        assert reader.metrics["dead_lettered"] == 1
        await reader.close()
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_shared
def test_an_ack_that_cannot_be_sent_is_logged_and_the_message_comes_again(caplog: pytest.LogCaptureFixture) -> None:
    """NATS acks are not confirmed by the server. One that cannot even be sent (the connection is closed)
    raises nothing, logs ``nats.ack_failed``, and the message comes again after the ack wait."""
    caplog.set_level(logging.WARNING, LOGGER)
    port = fresh_port("test.audit")

    async def main() -> None:
        setup = await nats_transport()
        await short_ack_wait_consumer(setup, port, "acker", 1.0)
        await AsyncProducer(setup, port, CODEC).publish(order(1))
        first_transport = await nats_transport()
        reader = AsyncReader(first_transport, port, CODEC, consumer="acker")
        delivery = await reader.next(2)
        assert delivery is not None
        await first_transport.close()
        await delivery.ack()  # lost: no exception, a warning
        assert any(r.getMessage().startswith("nats.ack_failed") for r in caplog.records)
        again = AsyncReader(setup, port, CODEC, consumer="acker")
        redelivered = await again.next(4)
        assert redelivered is not None
        assert (redelivered.record.order_id, redelivered.message.redelivered) == ("o-1", True)
        await redelivered.ack()
        await again.close()
        await drop_streams(setup, port)

    asyncio.run(main())


class _StopsServerOnBad:
    """A codec that takes the server down while the reader holds a bad message, so the dead-letter
    publish (and the nak after it) find no server."""

    content_type = CODEC.content_type
    record_type = Order

    def __init__(self, server: NatsServer) -> None:
        self.server = server
        self.stopped = False

    def encode(self, record: Order) -> bytes:
        return CODEC.encode(record)

    def decode(self, data: bytes) -> Order:
        if data == b"{not json" and not self.stopped:  # the first time only
            self.stopped = True
            self.server.stop()
        return CODEC.decode(data)


@needs_binary
def test_a_message_whose_dead_letter_met_a_server_outage_comes_again(tmp_path: Path) -> None:
    port = fresh_port("test.audit")

    with private_server(tmp_path / "js") as server:

        async def main() -> None:
            transport = await nats_transport(server.url)
            await short_ack_wait_consumer(transport, port, "outage", 1.0)
            await transport.publish(port.subject, [bad("b1")])
            transport.retry_for = transport.timeout = 0.5
            reader: AsyncReader[Order] = AsyncReader(transport, port, _StopsServerOnBad(server), consumer="outage")
            assert await reader.next(1.0) is None  # the server went away while dead-lettering
            assert reader.metrics["dead_lettered"] == 0
            await asyncio.to_thread(server.start)
            deadline = time.monotonic() + 10
            while reader.metrics["dead_lettered"] == 0 and time.monotonic() < deadline:
                await reader.next(0.5)
            assert reader.metrics["dead_lettered"] == 1
            await reader.close()
            (letter,) = await read_dead_letters(transport, port, "ops")
            assert letter.origin_sequence == 1
            await transport.close()

        asyncio.run(main())


@needs_binary
def test_publish_error_sent_is_a_lower_bound_and_a_resend_of_the_same_messages_stores_no_duplicate(
    tmp_path: Path,
) -> None:
    """A frozen server (SIGSTOP) sends no acks: the publish gives up with PublishError(sent=0), yet the
    bytes are in its socket and it stores them once it runs again. ``sent`` is what was confirmed, not
    all that was stored; resending the same prepared messages (same ids) stores none twice."""
    port = fresh_port("test.audit")

    with private_server(tmp_path / "js") as server:

        async def main() -> None:
            transport = await nats_transport(server.url)
            producer = AsyncProducer(transport, port, CODEC)
            await producer.publish_many([])  # the stream exists
            messages = producer.prepare([order(i) for i in range(3)])
            transport.retry_for = 0.5
            transport.timeout = 0.3
            assert server.process is not None
            server.process.send_signal(signal.SIGSTOP)
            try:
                with pytest.raises(PublishError) as gave_up:
                    await producer.send(messages)
            finally:
                server.process.send_signal(signal.SIGCONT)
            assert gave_up.value.sent == 0
            name = stream_name(port.subject)
            deadline = time.monotonic() + 5
            while (await transport.js.stream_info(name)).state.messages < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert (await transport.js.stream_info(name)).state.messages == 3  # stored after all, once
            assert gave_up.value.unsent == tuple(messages[gave_up.value.sent :])
            assert await producer.send(gave_up.value.unsent) == 3
            assert (await transport.js.stream_info(name)).state.messages == 3
            reader = AsyncReader(transport, port, CODEC, consumer="lower-bound", start=StartFrom.BEGINNING)
            assert [d.record.order_id for d in await reader.read(10, 2)] == ["o-0", "o-1", "o-2"]
            await reader.close()
            await transport.close()

        asyncio.run(main())


@needs_shared
def test_a_new_bad_message_at_a_reused_sequence_is_not_taken_for_a_duplicate_dead_letter() -> None:
    """A dead letter's id derives from its origin so that a redelivery is stored once. The origin's
    sequence alone is not enough: a stream deleted and created again (an operator's reset) numbers from 1
    again, and JetStream would drop the next bad message's dead letter as a duplicate of the earlier one
    (2-minute window), while the reader acked the original: lost."""
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        reader = AsyncReader(transport, port, CODEC, consumer="reset")
        assert await reader.next(0.1) is None
        await transport.publish(port.subject, [bad("b1")])
        assert await reader.next(0.5) is None
        await reader.close()
        await transport.js.delete_stream(stream_name(port.subject))
        transport._ports.discard(port.subject)
        reader = AsyncReader(transport, port, CODEC, consumer="reset")
        assert await reader.next(0.1) is None  # the stream again, empty: its next sequence is 1
        await transport.publish(port.subject, [OutMessage("b2", b"[1, 2", HEADERS)])
        assert await reader.next(0.5) is None
        assert reader.metrics["dead_lettered"] == 1
        await reader.close()
        letters = await read_dead_letters(transport, port, "ops", timeout=0.3)
        assert [(x.data, x.origin_sequence) for x in letters] == [(b"{not json", 1), (b"[1, 2", 1)]
        # A redelivery of one message is still stored once.
        again = AsyncReader(transport, port, CODEC, consumer="reset", start=StartFrom.BEGINNING)
        assert await again.next(0.5) is None
        await again.close()
        assert await read_dead_letters(transport, port, "ops", timeout=0.3) == []
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_shared
def test_a_message_too_large_for_the_server_fails_at_once_and_sends_nothing() -> None:
    """No retry can store a message above the server's max_payload: PayloadTooLarge at once (not after the
    whole retry budget), with nothing of the batch sent."""
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        await transport.ensure_port(port)
        huge = OutMessage("huge", b"x" * transport.nc.max_payload, HEADERS)
        started = time.monotonic()
        with pytest.raises(PayloadTooLarge, match="max_payload") as refused:
            await transport.publish(port.subject, [good(1), huge])
        assert time.monotonic() - started < 1  # the retry budget is 60 s
        assert refused.value.sent == 0
        assert (await transport.js.stream_info(stream_name(port.subject))).state.messages == 0
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_shared
def test_a_bad_message_whose_dead_letter_cannot_fit_is_dead_lettered_without_its_data() -> None:
    """The dead letter adds headers to the original: a bad message just under max_payload makes a letter over
    it. It is stored without the data (its size said), which stays in the origin stream, and the reader goes
    on at once rather than retrying a store that cannot succeed."""
    port = fresh_port("test.audit")

    async def main() -> None:
        transport = await nats_transport()
        await transport.ensure_port(port)
        header_room = 200  # the original's own header block (HEADERS and its id) fits in this
        near_limit = OutMessage("near", b"{" * (transport.nc.max_payload - header_room), HEADERS)
        await transport.publish(port.subject, [near_limit, good(1)])
        reader = AsyncReader(transport, port, CODEC, consumer="too-large")
        started = time.monotonic()
        got = await reader.read(10, 2)
        assert time.monotonic() - started < 5
        assert [d.record.order_id for d in got] == ["o-1"]
        await got[0].ack()
        assert reader.metrics["dead_lettered"] == 1
        await reader.close()
        (letter,) = await read_dead_letters(transport, port, "ops")
        assert (letter.data, letter.data_omitted, letter.origin_sequence) == (b"", len(near_limit.data), 1)
        original = await transport.js.get_msg(stream_name(port.subject), letter.origin_sequence)
        assert original.data == near_limit.data  # where the letter says the bytes still are
        await drop_streams(transport, port)

    asyncio.run(main())


@needs_binary
def test_a_publish_while_disconnected_retries_without_waiting_for_acks_that_cannot_come(tmp_path: Path) -> None:
    """With the server away nothing is sent, so each attempt must not wait the ack timeout: the publish
    gives up at its retry budget, and resumes within a moment of the server's return."""
    port = fresh_port("test.audit")

    with private_server(tmp_path / "js") as server:

        async def main() -> None:
            transport = await nats_transport(server.url)
            producer = AsyncProducer(transport, port, CODEC)
            await producer.publish_many([])  # the stream exists
            transport.timeout, transport.retry_for = 3.0, 1.0
            await asyncio.to_thread(server.stop)
            started = time.monotonic()
            with pytest.raises(PublishError) as away:
                await producer.publish_many([order(1)])
            assert time.monotonic() - started < 2.5  # not one ack timeout (3 s) per attempt
            assert away.value.sent == 0
            transport.retry_for = 30.0
            await asyncio.to_thread(server.start)
            assert await producer.send(away.value.unsent) == 1
            await transport.close()

        asyncio.run(main())
