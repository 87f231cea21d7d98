"""Against real NATS JetStream servers: the shared one at 127.0.0.1:4222 and a private one that the
restart test stops and starts."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest
from contract_runtime.ports import (
    AsyncProducer,
    AsyncReader,
    OutMessage,
    PublishError,
    connect,
    read_dead_letters,
)
from contract_runtime.ports.transports.nats import NatsTransport, stream_name
from nats.js import api

from tests.ports.nats_server import NATS_SERVER, SHARED_URL, needs_shared, private_server
from tests.ports.records import CODEC, Order, fresh_port, order

pytestmark = pytest.mark.slow


async def drain(reader: AsyncReader[Order], want: int, idle: float = 3.0) -> list[tuple[int, Order]]:
    """Read and ack until ``want`` distinct sequences arrived (or nothing came for ``idle`` seconds)."""
    out: list[tuple[int, Order]] = []
    seen: set[int] = set()
    while len(seen) < want:
        batch = await reader.read(1000, idle)
        if not batch:
            break
        for d in batch:
            out.append((d.sequence, d.record))
            seen.add(d.sequence)
            await d.ack()
    return out


@needs_shared
def test_ten_thousand_records_with_a_bad_one_in_the_middle() -> None:
    port = fresh_port()

    async def main() -> None:
        transport = await connect(SHARED_URL)
        assert isinstance(transport, NatsTransport)
        producer = AsyncProducer(transport, port, CODEC)
        records = [order(i, customer=f"c{i % 7}") for i in range(10_000)]
        for start in range(0, 5_000, 500):
            await producer.publish_many(records[start : start + 500])
        bad = OutMessage(
            "bad-1",
            b'{"order_id": 1}',
            {"content-type": "application/json", "contract-name": "orders", "contract-version": "1.2.0"},
        )
        await transport.publish(port.subject, [bad])
        for start in range(5_000, 10_000, 500):
            await producer.publish_many(records[start : start + 500])
        assert producer.metrics["published"] == 10_000

        reader = AsyncReader(transport, port, CODEC, consumer="it-reader", batch_size=500)
        got = await drain(reader, 10_000)
        await reader.close()
        ids = [r.order_id for _, r in got]
        assert set(ids) == {r.order_id for r in records}  # none lost
        assert len(set(seq for seq, _ in got)) == 10_000  # duplicates only as redeliveries of one sequence
        per_key: dict[str, list[int]] = defaultdict(list)
        for _, r in got:
            per_key[r.customer].append(int(r.order_id[2:]))
        assert all(v == sorted(v) for v in per_key.values())  # per-key order kept
        assert reader.metrics["dead_lettered"] == 1
        letters = await read_dead_letters(transport, port, "it-ops")
        assert len(letters) == 1
        assert letters[0].data == b'{"order_id": 1}'
        assert letters[0].origin_sequence == 5_001
        assert letters[0].rule == "type" and letters[0].path == "$.order_id"
        for subject in (port.subject, port.dead_letter_subject):  # leave the shared server clean
            await transport.js.delete_stream(stream_name(subject))
        await transport.close()

    asyncio.run(main())


@pytest.mark.skipif(not Path(NATS_SERVER).exists(), reason="nats-server binary not installed")
def test_server_restart_mid_run_loses_nothing(tmp_path: Path) -> None:
    port = fresh_port()
    total = 6_000

    async def main(server_url: str, restart: asyncio.Event, restarted: asyncio.Event) -> None:
        producer_transport = await connect(server_url)
        reader_transport = await connect(server_url)
        producer = AsyncProducer(producer_transport, port, CODEC)
        reader = AsyncReader(reader_transport, port, CODEC, consumer="restart-reader", batch_size=200)
        await producer_transport.ensure_port(port)

        async def produce() -> None:
            for start in range(0, total, 200):
                if start == total // 2:
                    restart.set()  # the server goes away while we keep publishing
                await producer.publish_many(order(i, customer=f"c{i % 5}") for i in range(start, start + 200))

        seen: set[str] = set()
        reads = 0

        async def consume() -> None:
            nonlocal reads
            while len(seen) < total:
                for d in await reader.read(500, 1.0):
                    reads += 1
                    seen.add(d.record.order_id)
                    await d.ack()

        await asyncio.wait_for(asyncio.gather(produce(), consume()), 120)
        assert restarted.is_set()
        assert producer.metrics["published"] == total
        assert len(seen) == total  # count in == count out
        assert reads >= total
        await reader.close()
        for t in (producer_transport, reader_transport):
            await t.close()

    with private_server(tmp_path / "js") as server:

        async def run_with_restart() -> None:
            restart, restarted = asyncio.Event(), asyncio.Event()

            async def restarter() -> None:
                await restart.wait()
                await asyncio.to_thread(server.stop)
                await asyncio.sleep(1.0)
                await asyncio.to_thread(server.start)
                restarted.set()

            task = asyncio.create_task(restarter())
            await main(server.url, restart, restarted)
            await task

        asyncio.run(run_with_restart())


@needs_shared
def test_streams_follow_the_port() -> None:
    port = fresh_port()

    async def main() -> None:
        transport = await connect(SHARED_URL)
        assert isinstance(transport, NatsTransport)
        await transport.ensure_port(port)
        info = await transport.js.stream_info("CONTRACT_" + port.subject.replace(".", "_").upper())
        assert info.config.subjects == [port.subject]
        assert info.config.max_age == 3600
        await transport.js.delete_stream(info.config.name or "")
        await transport.close()

    asyncio.run(main())


def _messages(n: int, prefix: str) -> list[OutMessage]:
    return [OutMessage(f"{prefix}-{i}", b'{"n": %d}' % i, {"content-type": "application/json"}) for i in range(n)]


@needs_shared
@pytest.mark.parametrize("frames", [True, False], ids=["frames", "public-publish"])
def test_acks_count_in_order_and_a_refusal_ends_the_confirmed_prefix(frames: bool) -> None:
    """The stream refuses what is over its limit: the publish reports exactly the leading messages it
    stored, so a retry resends from the first refused one; a batch resent whole is dropped as duplicates."""
    port = fresh_port()

    async def main() -> None:
        transport = await connect(SHARED_URL)
        assert isinstance(transport, NatsTransport)
        name = stream_name(port.subject)
        await transport.js.add_stream(
            api.StreamConfig(name=name, subjects=[port.subject], max_msgs=5, discard=api.DiscardPolicy.NEW)
        )
        transport.retry_for = 0.3
        transport._frames = frames
        first = _messages(3, "a")
        assert await transport.publish(port.subject, first) == 3
        assert await transport.publish(port.subject, first) == 3  # duplicates are confirmed, not stored
        assert (await transport.js.stream_info(name)).state.messages == 3
        with pytest.raises(PublishError) as refused:
            await transport.publish(port.subject, _messages(4, "b"))
        assert refused.value.sent == 2  # b-0 and b-1 fit under max_msgs; b-2 was refused, b-3 not counted
        assert (await transport.js.stream_info(name)).state.messages == 5
        await transport.js.delete_stream(name)
        await transport.close()

    asyncio.run(main())


@needs_shared
def test_publishing_where_no_stream_listens_fails_with_nothing_sent() -> None:
    port = fresh_port()

    async def main() -> None:
        transport = await connect(SHARED_URL)
        assert isinstance(transport, NatsTransport)
        transport.retry_for = 0.3
        with pytest.raises(PublishError) as refused:
            await transport.publish(port.subject, _messages(3, "c"))
        assert refused.value.sent == 0
        await transport.close()

    asyncio.run(main())


@needs_shared
def test_frames_and_the_public_api_deliver_the_same_message() -> None:
    """The transport writes HPUB frames itself where nats-py has the internal buffer it needs, and goes
    through nats-py's ``publish`` otherwise: a consumer cannot tell the two apart, line breaks in a value
    are folded the same way, and a dead letter's copied ``Nats-Msg-Id`` gives way to the message's own."""
    port = fresh_port()

    async def main() -> None:
        transport = await connect(SHARED_URL)
        assert isinstance(transport, NatsTransport)
        assert transport._frames  # this nats-py has the buffer: the fast path is the one under test
        await transport.ensure_port(port)
        headers = {"content-type": "application/json", "ce-subject": "line one\r\nline two", "Nats-Msg-Id": "old"}
        for frames, msg_id in ((True, "via-frames"), (False, "via-publish")):
            transport._frames = frames
            assert await transport.publish(port.subject, [OutMessage(msg_id, b'{"n": 1}', headers)]) == 1
        psub = await transport.js.pull_subscribe(port.subject, durable="same-bytes", stream=stream_name(port.subject))
        got = await psub.fetch(2, timeout=2)
        assert [m.data for m in got] == [b'{"n": 1}', b'{"n": 1}']
        assert [m.headers for m in got] == [
            {"content-type": "application/json", "ce-subject": "line one  line two", "Nats-Msg-Id": msg_id}
            for msg_id in ("via-frames", "via-publish")
        ]
        await transport.js.delete_stream(stream_name(port.subject))
        await transport.close()

    asyncio.run(main())


@needs_shared
def test_concurrent_publishers_on_one_transport_each_get_their_own_acks() -> None:
    """Windows of several producers sharing a connection are open at once; each ack finds its window."""
    ports = [fresh_port(), fresh_port()]

    async def main() -> None:
        transport = await connect(SHARED_URL)
        assert isinstance(transport, NatsTransport)
        transport.max_pending = 300  # several windows per batch, interleaved with the other producer's
        producers = [AsyncProducer(transport, port, CODEC) for port in ports]
        batches = [[order(i, customer=f"p{n}") for i in range(n * 10_000, n * 10_000 + 2_000)] for n in (0, 1)]
        sent = await asyncio.gather(*(p.publish_many(b) for p, b in zip(producers, batches, strict=True)))
        assert sent == [2_000, 2_000]
        for port in ports:
            info = await transport.js.stream_info(stream_name(port.subject))
            assert info.state.messages == 2_000
            await transport.js.delete_stream(stream_name(port.subject))
        await transport.close()

    asyncio.run(main())
