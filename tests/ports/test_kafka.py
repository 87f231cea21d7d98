"""Kafka: the Confluent framing is tested everywhere; the broker tests need KAFKA_BOOTSTRAP_SERVERS
(no broker exists on the build machines, so they are skipped with that reason)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from contract_runtime.ports import AsyncProducer, AsyncReader, ContractViolation, Port
from contract_runtime.ports.transports.kafka import ConfluentFraming, from_kafka_headers, to_kafka_headers

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
