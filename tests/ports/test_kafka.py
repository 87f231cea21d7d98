"""Kafka: the Confluent framing is tested everywhere; the broker tests need KAFKA_BOOTSTRAP_SERVERS
(no broker exists on the build machines, so they are skipped with that reason)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from contract_runtime.ports import AsyncProducer, AsyncReader, ContractViolation, Port
from contract_runtime.ports.transports.kafka import Commits, ConfluentFraming, from_kafka_headers, to_kafka_headers
from hypothesis import given
from hypothesis import strategies as st

from tests.ports.records import CODEC, order

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")


def test_confluent_wire_format() -> None:
    framed = ConfluentFraming(CODEC, 42)
    data = framed.encode(order(1))
    assert data[:5] == b"\x00\x00\x00\x00\x2a"
    assert framed.decode(data) == order(1)
    with pytest.raises(ContractViolation, match="schema id 42, expected 7"):
        ConfluentFraming(CODEC, 7).decode(data)
    with pytest.raises(ContractViolation, match="magic"):
        framed.decode(b"{}")


def test_cloudevents_kafka_binding_headers() -> None:
    headers = {"ce-id": "1", "content-type": "application/json"}
    kafka = to_kafka_headers(headers)
    assert kafka == [("ce_id", b"1"), ("content-type", b"application/json")]
    assert from_kafka_headers(kafka) == headers


def test_commits_are_kept_per_partition() -> None:
    """Two partitions at the same offset: acking one must not commit past the other's unacked message
    (before, one dict keyed by offset let partition 1's ack stand for partition 0's)."""
    commits = Commits()
    commits.fetched(0, 5)
    commits.fetched(0, 6)
    commits.fetched(1, 5)
    assert commits.acked(1, 5) == 6
    assert commits.acked(0, 6) == 5  # up to 5 of partition 0, still unacked: it comes again after a restart
    assert commits.acked(0, 5) == 7
    assert commits.acked(0, 5) is None  # acked twice: no progress


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 30)), unique=True, max_size=40), st.randoms())
def test_a_commit_never_passes_an_unacked_message(fetched: list[tuple[int, int]], rnd: object) -> None:
    """Whatever the order of acks over several partitions: each commit is at most the lowest offset still
    unacked in its partition, and once all are acked each partition is committed one past its highest."""
    import random

    assert isinstance(rnd, random.Random)
    commits = Commits()
    for partition, offset in fetched:
        commits.fetched(partition, offset)
    unacked = set(fetched)
    committed: dict[int, int] = {}
    order = list(fetched)
    rnd.shuffle(order)
    for partition, offset in order:
        unacked.discard((partition, offset))
        commit = commits.acked(partition, offset)
        if commit is not None:
            assert commit > committed.get(partition, -1)
            assert all(o >= commit for p, o in unacked if p == partition)
            committed[partition] = commit
    assert committed == {p: max(o for q, o in fetched if q == p) + 1 for p, _ in fetched}


@pytest.mark.skipif(BOOTSTRAP is None, reason="KAFKA_BOOTSTRAP_SERVERS is not set: no Kafka broker to test against")
def test_round_trip_through_a_broker() -> None:
    from contract_runtime.ports.transports.kafka import KafkaTransport, config_from_env

    port = Port("order-events", f"test.orders.{uuid.uuid4().hex[:8]}", "orders", "1.2.0", "Order", ("customer",))

    async def main() -> None:
        transport = KafkaTransport(config_from_env(BOOTSTRAP or ""))
        await AsyncProducer(transport, port, CODEC).publish_many([order(i) for i in range(100)])
        reader = AsyncReader(transport, port, CODEC, consumer=f"it-{uuid.uuid4().hex[:6]}")
        seen: set[str] = set()
        while len(seen) < 100:
            for d in await reader.read(100, 10):
                seen.add(d.record.order_id)
                await d.ack()
        await reader.close()

    asyncio.run(main())
