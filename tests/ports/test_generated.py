"""Generate the python-ports modules for the example contracts, import them and run them: typed
producers/readers over SQLite, protobuf bytes compatible with protoc's classes both ways, and
mypy --strict on the generated code and on code using it."""

from __future__ import annotations

import datetime
import decimal
import os
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from contract_runtime.ports import ContractViolation

from tests.mypy_strict import mypy_strict
from tests.ports.generated import ROOT, generate, import_from, protoc_classes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gen")
    generate(folder / "pb", "gen_pb")
    generate(folder / "js", "gen_js", wire="json")
    return folder


def records(out: Path) -> ModuleType:
    return import_from(out / "pb" / "python", "gen_pb.orders")


def sample(m: ModuleType, i: int = 1, **changes: Any) -> Any:
    values: dict[str, Any] = dict(
        order_id=uuid.UUID(int=i),
        customer_id=f"cust-{i % 3}",
        customer_email="jane@example.com",
        placed_at=datetime.datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=datetime.UTC),
        order_date=datetime.date(2024, 5, 1),
        status=m.OrderStatus.ORDER_STATUS_PLACED,
        items=[m.OrderPlacedLineItem(sku="SKU-1", quantity=2, unit_price=decimal.Decimal("10.50"))],
        total_amount=decimal.Decimal("21.00"),
        currency="EUR",
        shipping_address=m.AcmeCommonV1Address(lines=["Main St 1"], city="Berlin", postal_code="10115", country="DE"),
        card=m.OrderPlacedCard(brand=m.OrderPlacedCardCardBrand.CARD_BRAND_VISA, last4="4242"),
        attributes={"utm_source": "newsletter"},
        customer_note="",
    )
    values.update(changes)
    return m.OrderPlaced(**values)


def test_protobuf_bytes_match_protoc_both_ways(out: Path) -> None:
    m = records(out)
    p = import_from(out / "pb" / "python", "gen_pb.orders_ports")
    pb2 = protoc_classes(out / "protoc")
    codec = p.ORDER_EVENTS_CODEC
    ours = codec.encode(sample(m))
    official = pb2.OrderPlaced.FromString(ours)
    assert official.order_id == str(uuid.UUID(int=1))
    assert official.placed_at.ToDatetime(tzinfo=datetime.UTC) == datetime.datetime(
        2024, 5, 1, 12, 30, 15, 250000, tzinfo=datetime.UTC
    )
    assert official.status == pb2.ORDER_STATUS_PLACED
    assert official.card.brand == pb2.OrderPlaced.Card.CARD_BRAND_VISA
    assert official.WhichOneof("payment") == "card"
    assert official.HasField("customer_note") and official.customer_note == ""
    assert official.items[0].quantity == 2 and official.items[0].unit_price == "10.50"
    assert dict(official.attributes) == {"utm_source": "newsletter"}
    assert official.SerializeToString(deterministic=True) == ours  # byte for byte
    # The reverse: protoc's bytes decode (and validate) into our record.
    official.voucher_code = "SPRING"  # switches the oneof from card to voucher
    official.ClearField("customer_note")
    back = codec.decode(official.SerializeToString())
    assert back == sample(m, card=None, voucher_code="SPRING", customer_note=None)
    bad = pb2.OrderPlaced.FromString(official.SerializeToString())
    bad.items[0].quantity = 0
    with pytest.raises(ContractViolation) as info:
        codec.decode(bad.SerializeToString())
    assert (info.value.path, info.value.rule) == ("$.items[0].quantity", "minimum")


def test_generated_classes_publish_and_read_both_wires(out: Path, tmp_path: Path) -> None:
    for package, content_type in (("gen_pb", "application/x-protobuf"), ("gen_js", "application/json")):
        m = import_from(out / package[4:] / "python", f"{package}.orders")
        p = import_from(out / package[4:] / "python", f"{package}.orders_ports")
        url = f"sqlite:///{tmp_path}/{package}.db"
        with p.OrderPlacedProducer(url=url) as producer:
            producer.publish_many([sample(m, i) for i in range(1, 51)])
            with pytest.raises(ContractViolation) as info:
                producer.publish(sample(m, 99, currency="euro"))
            assert (info.value.path, info.value.rule) == ("$.currency", "pattern")
        with p.OrderPlacedReader("billing", url=url) as reader:
            got = reader.read(100, timeout=2)
            assert [d.record for d in got] == [sample(m, i) for i in range(1, 51)]
            assert got[0].headers["content-type"] == content_type
            assert got[0].headers["ce-type"] == "orders.v1.OrderPlaced"
            assert got[0].headers["ce-subject"] == str(uuid.UUID(int=1))  # the key field order_id
            for d in got:
                d.ack()


USAGE = """
from __future__ import annotations

import asyncio

from gen_pb.orders import OrderPlaced
from gen_pb.orders_ports import AsyncOrderPlacedReader, OrderPlacedProducer, OrderPlacedReader


def handle(record: OrderPlaced) -> str:
    return record.currency


def main(records: list[OrderPlaced]) -> None:
    with OrderPlacedProducer(url="sqlite:///x.db") as producer:
        producer.publish_many(records)
    with OrderPlacedReader("billing", url="sqlite:///x.db") as reader:
        for delivery in reader:
            handle(delivery.record)
            delivery.ack()


async def amain() -> None:
    reader = await AsyncOrderPlacedReader.connect("billing", "sqlite:///x.db")
    async for delivery in reader:
        handle(delivery.record)
        await delivery.ack()


def wrong(producer: OrderPlacedProducer) -> None:
    producer.publish("not a record")
"""


def test_generated_code_passes_mypy_strict(out: Path, tmp_path: Path) -> None:
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE)
    env = {**os.environ, "MYPYPATH": str(ROOT / "runtime" / "src")}
    result = mypy_strict(out / "pb" / "python", out / "pb" / "python" / "gen_pb", usage, env=env)
    lines = [line for line in result.stdout.splitlines() if "error:" in line]
    # Exactly one error: the misuse in wrong(); the generated code and correct usage are clean.
    assert len(lines) == 1, result.stdout
    assert "usage.py:31" in lines[0] and 'incompatible type "str"' in lines[0]


OUT_OF_RANGE = [(253_402_300_800, 0), (-62_135_596_801, 0), (0, -1), (0, 1_000_000_000), (2**62, 0)]


@pytest.mark.parametrize(("seconds", "nanos"), OUT_OF_RANGE)
def test_a_timestamp_out_of_range_is_a_violation(out: Path, seconds: int, nanos: int) -> None:
    """Valid protobuf bytes from another writer may hold a Timestamp outside the range the type allows:
    decode says so as a ContractViolation (which the reader dead-letters), not a ValueError."""
    m = records(out)
    codec = import_from(out / "pb" / "python", "gen_pb.orders_ports").ORDER_EVENTS_CODEC
    message = codec.to_message(sample(m))
    message.placed_at.seconds, message.placed_at.nanos = seconds, nanos
    with pytest.raises(ContractViolation) as info:
        codec.decode(message.SerializeToString())
    assert info.value.rule == "type"
    assert "Timestamp" in info.value.detail


def test_timestamps_read_as_protobuf_reads_them(out: Path) -> None:
    """At the ends of the range and at random inside it, the same datetime as Timestamp.ToDatetime."""
    import random

    from contract_runtime.ports import timestamp_datetime
    from google.protobuf import timestamp_pb2

    rng = random.Random(3)
    cases = [(-62_135_596_800, 0), (253_402_300_799, 999_999_999), (0, 0), (-1, 999_999_999), (-1, 1)]
    cases += [(rng.randint(-62_135_596_800, 253_402_300_799), rng.randint(0, 999_999_999)) for _ in range(2000)]
    for seconds, nanos in cases:
        ts = timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
        assert timestamp_datetime(ts) == ts.ToDatetime(tzinfo=datetime.UTC), (seconds, nanos)


def test_reader_dead_letters_a_timestamp_out_of_range_and_goes_on(out: Path, tmp_path: Path) -> None:
    from contract_runtime.ports import OutMessage, open_transport, read_dead_letters, run

    m = records(out)
    p = import_from(out / "pb" / "python", "gen_pb.orders_ports")
    url = f"sqlite:///{tmp_path}/stream.db"
    with p.OrderPlacedProducer(url=url) as producer:
        producer.publish(sample(m, 1))
    bad = p.ORDER_EVENTS_CODEC.to_message(sample(m, 2))
    bad.placed_at.seconds = 10**12
    transport = open_transport(url)
    headers = {"content-type": "application/x-protobuf", "contract-name": "orders", "contract-version": "1.2.0"}
    run(transport.publish(p.ORDER_EVENTS.subject, [OutMessage("bad", bad.SerializeToString(), headers)]))
    with p.OrderPlacedProducer(url=url) as producer:
        producer.publish(sample(m, 3))
    with p.OrderPlacedReader("billing", url=url) as reader:
        got = reader.read(10, timeout=2)
        assert [d.record for d in got] == [sample(m, 1), sample(m, 3)]
        for d in got:
            d.ack()
    (letter,) = run(read_dead_letters(transport, p.ORDER_EVENTS, "ops"))
    assert (letter.stage, letter.rule, letter.origin_sequence) == ("validate", "type", 2)
    run(transport.close())


@pytest.mark.parametrize("wire", ["pb", "js"])
def test_a_float_in_a_decimal_field_is_refused(out: Path, wire: str) -> None:
    """Python code (mypy would flag it) can put a float where the contract has a decimal; the JSON wire
    would carry it as a number where the contract says a string. The record refuses it when built."""
    m = import_from(out / wire / "python", f"gen_{wire}.orders")
    with pytest.raises(ContractViolation) as info:
        sample(m, total_amount=21.0)
    assert (info.value.rule, info.value.path) == ("type", "$.total_amount")
    with pytest.raises(ContractViolation) as info:
        m.OrderPlacedLineItem(sku="SKU-1", quantity=1, unit_price=10)
    assert (info.value.rule, info.value.path) == ("type", "$.unit_price")


TIMER = """
syntax = "proto3";
package acme.timers.v1;
import "contract/v1/options.proto";
import "google/protobuf/duration.proto";
option (contract.v1.contract) = {
  name: "timers" version: "1.0.0" owner { team: "t" }
  ports { name: "timer-events" stream { subject: "timers.v1" key_fields: "id" } }
};
message Timer {
  string id = 1;
  google.protobuf.Duration elapsed = 2;
}
"""


def test_a_duration_out_of_range_is_a_violation(tmp_path: Path) -> None:
    """Like a Timestamp, a Duration may hold more than the record's type can: valid bytes, on which
    protobuf's ToTimedelta raises (past Python's timedelta, about 2.7 million years). decode says
    ContractViolation; an ordinary one reads back."""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "timers.proto").write_text(TIMER, encoding="utf-8")
    generate(tmp_path / "out", "gen_timers", contracts=tmp_path / "contracts")
    m = import_from(tmp_path / "out" / "python", "gen_timers.timers")
    codec = import_from(tmp_path / "out" / "python", "gen_timers.timers_ports").TIMER_EVENTS_CODEC
    timer = m.Timer(id="t1", elapsed=datetime.timedelta(hours=1, microseconds=5))
    assert codec.decode(codec.encode(timer)) == timer
    message = codec.to_message(timer)
    message.elapsed.seconds = 10**14
    with pytest.raises(ContractViolation) as info:
        codec.decode(message.SerializeToString())
    assert info.value.rule == "type"
