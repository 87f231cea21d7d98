"""Producer and reader behaviour over the embedded SQLite transport: validation, batches, acks,
positions, dead letters, headers, version tolerance."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest
from contract_runtime.ports import (
    AsyncProducer,
    AsyncReader,
    BatchRejected,
    ContractViolation,
    OutMessage,
    Producer,
    Reader,
    StartFrom,
    connect,
    open_transport,
    read_dead_letters,
    run,
)
from contract_runtime.ports.transports.sqlite import SqliteTransport

from tests.ports.records import CODEC, PORT, Line, Order, order


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/stream.db"


def rows(url: str) -> int:
    db = sqlite3.connect(url[len("sqlite:///") :])
    try:
        return int(db.execute("SELECT COUNT(*) FROM ports_messages WHERE subject = ?", (PORT.subject,)).fetchone()[0])
    finally:
        db.close()


def test_invalid_record_names_field_path_and_rule_and_sends_nothing(url: str) -> None:
    producer = Producer(open_transport(url), PORT, CODEC, owns_transport=True)
    bad = Order(order_id="o", customer="c", items=[Line(sku="SKU-1", quantity=0)], total=order(1).total)
    with pytest.raises(ContractViolation) as info:
        producer.publish(bad)
    assert info.value.path == "$.items[0].quantity"
    assert info.value.rule == "minimum"
    with pytest.raises(ContractViolation) as info2:
        producer.publish(Order(order_id="o", customer="c", items=[Line(sku="nope", quantity=1)], total=order(1).total))
    assert (info2.value.path, info2.value.rule) == ("$.items[0].sku", "pattern")
    assert producer.metrics["rejected"] == 2
    assert producer.metrics["published"] == 0
    producer.close()
    assert rows(url) == 0


def test_wrong_python_type_is_a_violation_not_a_crash(url: str) -> None:
    producer = Producer(open_transport(url), PORT, CODEC, owns_transport=True)
    with pytest.raises(ContractViolation) as info:
        producer.publish(
            Order(
                order_id=7,  # type: ignore[arg-type]
                customer="c",
                items=[Line(sku="SKU-1", quantity=1)],
                total=order(1).total,
            )
        )
    assert (info.value.path, info.value.rule) == ("$.order_id", "type")
    with pytest.raises(ContractViolation):
        producer.publish(Line(sku="SKU-1", quantity=1))  # type: ignore[arg-type]
    # A value no wire can carry: msgspec's TypeError names no field, the violation does.
    items: list[Any] = [Line(sku="SKU-1", quantity=1), object()]
    unencodable = Order(order_id="o", customer="c", items=items, total=order(1).total)
    with pytest.raises(ContractViolation) as info:
        producer.publish(unencodable)
    assert (info.value.path, info.value.rule) == ("$.items[1]", "type")
    with pytest.raises(BatchRejected) as batch:
        producer.publish_many([order(1), unencodable, order(2)])
    assert [i for i, _ in batch.value.violations] == [1]
    producer.close()
    assert rows(url) == 0


def test_batch_is_all_or_nothing_on_validation(url: str) -> None:
    producer = Producer(open_transport(url), PORT, CODEC, owns_transport=True)
    batch = [order(i) for i in range(10)]
    batch[3] = order(3, quantity=0)
    batch[7] = order(7, customer="")
    with pytest.raises(BatchRejected) as info:
        producer.publish_many(batch)
    assert [i for i, _ in info.value.violations] == [3, 7]
    assert info.value.path == "$[3].items[0].quantity"
    assert info.value.violations[1][1].path == "$.customer"
    assert isinstance(info.value, ContractViolation)
    assert rows(url) == 0
    assert producer.publish_many(order(i) for i in range(10)) == 10
    producer.close()
    assert rows(url) == 10


def test_round_trip_headers_acks_and_stored_position(url: str) -> None:
    with Producer(open_transport(url), PORT, CODEC, owns_transport=True) as producer:
        producer.publish_many([order(i, customer=f"c{i % 3}") for i in range(20)])
    with Reader(open_transport(url), PORT, CODEC, consumer="billing", owns_transport=True) as reader:
        got = reader.read(5, timeout=2)
        assert [d.record.order_id for d in got] == [f"o-{i}" for i in range(5)]
        h = got[0].headers
        assert h["ce-specversion"] == "1.0"
        assert h["ce-type"] == "orders.v1.Order"
        assert h["ce-dataschema"] == "urn:contract:orders:1.2.0"
        assert h["ce-subject"] == "c0"
        assert h["content-type"] == "application/json"
        assert (h["contract-name"], h["contract-version"]) == ("orders", "1.2.0")
        assert len({d.headers["ce-id"] for d in got}) == 5
        for d in got[:3]:
            d.ack()  # 3 and 4 stay unacked: they must come again
    with Reader(open_transport(url), PORT, CODEC, consumer="billing", owns_transport=True) as reader:
        again = reader.read(100, timeout=2)
        assert [d.record.order_id for d in again] == [f"o-{i}" for i in range(3, 20)]
        # Given to this consumer before and not acked: they say so, as JetStream's redeliveries do.
        assert again[0].message.redelivered and again[1].message.redelivered
        for d in again:
            d.ack()
        assert reader.metrics["consumed"] == 17
    with Producer(open_transport(url), PORT, CODEC, owns_transport=True) as producer:
        producer.publish(order(20))
    with Reader(open_transport(url), PORT, CODEC, consumer="billing", owns_transport=True) as reader:
        fresh = reader.next(timeout=2)
        assert fresh is not None and (fresh.record.order_id, fresh.message.redelivered) == ("o-20", False)
        fresh.ack()
        assert reader.next(timeout=0.2) is None


def test_nak_redelivers(url: str) -> None:
    async def main() -> None:
        transport = await connect(url)
        await AsyncProducer(transport, PORT, CODEC).publish_many([order(1), order(2)])
        reader = AsyncReader(transport, PORT, CODEC, consumer="r")
        first = await reader.next(1)
        assert first is not None
        await first.nak()
        # o-2 was already fetched; the nak'ed o-1 comes again after it.
        rest = await reader.read(10, 1)
        rest += await reader.read(10, 1)
        assert [(d.record.order_id, d.message.redelivered) for d in rest] == [("o-2", False), ("o-1", True)]
        await reader.close()
        await transport.close()

    asyncio.run(main())


def test_start_beginning_end_and_sequence(url: str) -> None:
    transport = open_transport(url)
    producer = Producer(transport, PORT, CODEC)
    producer.publish_many([order(i) for i in range(5)])
    r = Reader(transport, PORT, CODEC, consumer="a")
    for d in r.read(10, 1):
        d.ack()
    r.close()
    beginning = Reader(transport, PORT, CODEC, consumer="a", start=StartFrom.BEGINNING)
    assert len(beginning.read(10, 1)) == 5
    beginning.close()
    end = Reader(transport, PORT, CODEC, consumer="b", start=StartFrom.END)
    assert end.next(timeout=0.1) is None
    producer.publish(order(99))
    late = end.next(timeout=1)
    assert late is not None and late.record.order_id == "o-99"
    third = late.sequence - 3
    at = Reader(transport, PORT, CODEC, consumer="c", start=StartFrom.at(third))
    assert [d.sequence for d in at.read(10, 1)] == [third, third + 1, third + 2, third + 3]
    run(transport.close())


def test_bad_messages_go_to_dead_letter_and_reading_goes_on(url: str) -> None:
    transport = open_transport(url)
    producer = Producer(transport, PORT, CODEC)
    producer.publish(order(1))
    base = {"ce-specversion": "1.0", "content-type": "application/json", "contract-name": "orders"}
    foreign = [
        OutMessage("x1", b"{not json", {**base, "contract-version": "1.0.0"}),
        OutMessage(
            "x2", b'{"order_id": "o", "customer": "", "items": [], "total": "1"}', {**base, "contract-version": "1.0.0"}
        ),
        OutMessage("x3", msgspec.json.encode(order(5)), {**base, "contract-version": "2.0.0"}),
        OutMessage(
            "x4", msgspec.json.encode(order(6)), {**base, "contract-name": "payments", "contract-version": "1.0.0"}
        ),
    ]
    run(transport.publish(PORT.subject, foreign))
    producer.publish(order(2))
    reader = Reader(transport, PORT, CODEC, consumer="r")
    got = reader.read(10, 1)
    assert [d.record.order_id for d in got] == ["o-1", "o-2"]
    for d in got:
        d.ack()
    assert reader.metrics["dead_lettered"] == 4
    reader.close()
    letters = run(read_dead_letters(transport, PORT, "ops"))
    assert [(x.stage, x.rule, x.path) for x in letters] == [
        ("decode", "syntax", "$"),
        ("validate", "min_length", "$.customer"),
        ("contract", "major_version", "$"),
        ("contract", "contract", "$"),
    ]
    assert letters[0].data == b"{not json"
    assert letters[0].origin_subject == PORT.subject
    assert letters[0].origin_sequence == 2
    assert letters[0].consumer == "r"
    # Reading again from the beginning stores each dead letter once (ids derive from the origin).
    again = Reader(transport, PORT, CODEC, consumer="r", start=StartFrom.BEGINNING)
    assert len(again.read(10, 1)) == 2
    again.close()
    assert len(run(read_dead_letters(transport, PORT, "ops2"))) == 4
    run(transport.close())


def test_content_type_is_compared_as_a_media_type(url: str) -> None:
    """Parameters and case do not change a media type; another type is not this reader's to decode."""
    transport = open_transport(url)
    data = msgspec.json.encode(order(1))
    spellings = ["application/json", "application/json; charset=utf-8", "Application/JSON", "text/plain"]
    run(
        transport.publish(
            PORT.subject, [OutMessage(f"m{i}", data, {"content-type": c}) for i, c in enumerate(spellings)]
        )
    )
    reader = Reader(transport, PORT, CODEC, consumer="r")
    assert len(reader.read(10, 1)) == 3
    (letter,) = run(read_dead_letters(transport, PORT, "ops"))
    assert (letter.rule, letter.headers["content-type"]) == ("content_type", "text/plain")
    reader.close()
    run(transport.close())


def test_protobuf_content_type_spellings() -> None:
    from contract_runtime.ports._headers import PROTOBUF, media_type

    for spelling in ("application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf"):
        assert media_type(spelling) == PROTOBUF
    assert media_type("application/grpc") != PROTOBUF


class OrderV1_3(msgspec.Struct, frozen=True, kw_only=True):
    """A later minor version: one more optional field."""

    order_id: str
    customer: str
    items: list[Line]
    total: str
    channel: str = "web"


def test_reader_accepts_other_minor_versions(url: str) -> None:
    transport = open_transport(url)
    newer = msgspec.json.encode(
        OrderV1_3(order_id="n", customer="c", items=[Line(sku="SKU-1", quantity=1)], total="1.50")
    )
    older = b'{"order_id": "o", "customer": "c", "items": [{"sku": "SKU-2", "quantity": 2}], "total": "2.00"}'
    base = {"content-type": "application/json", "contract-name": "orders"}
    run(
        transport.publish(
            PORT.subject,
            [
                OutMessage("a", newer, {**base, "contract-version": "1.3.0"}),
                OutMessage("b", older, {**base, "contract-version": "1.0.0"}),
            ],
        )
    )
    got = Reader(transport, PORT, CODEC, consumer="r").read(10, 1)
    assert [d.record.order_id for d in got] == ["n", "o"]
    assert got[1].record.note is msgspec.UNSET
    run(transport.close())


def test_publish_retry_with_same_id_is_stored_once(tmp_path: Path) -> None:
    transport = SqliteTransport(tmp_path / "s.db")
    m = OutMessage("same-id", b"{}", {})
    run(transport.publish(PORT.subject, [m]))
    run(transport.publish(PORT.subject, [m]))
    assert rows(f"sqlite:///{tmp_path}/s.db") == 1


def test_a_stream_file_from_before_redelivery_marks_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the consumers table as earlier versions created it
        db.execute(
            "CREATE TABLE ports_consumers (subject TEXT NOT NULL, name TEXT NOT NULL, "
            "position INTEGER NOT NULL, PRIMARY KEY (subject, name))"
        )
        db.execute("INSERT INTO ports_consumers VALUES (?, 'billing', 0)", (PORT.subject,))
    url = f"sqlite:///{path}"
    with Producer(open_transport(url), PORT, CODEC, owns_transport=True) as producer:
        producer.publish(order(1))
    with Reader(open_transport(url), PORT, CODEC, consumer="billing", owns_transport=True) as reader:
        (got,) = reader.read(10, timeout=1)
        assert (got.record.order_id, got.message.redelivered) == ("o-1", False)


def test_sqlite_refuses_memory_and_bad_urls() -> None:
    with pytest.raises(ValueError, match="durable"):
        run(connect("sqlite:///:memory:"))
    with pytest.raises(ValueError, match="scheme"):
        run(connect("redis://x"))


class _BrokenOnTwo:
    """A codec with a bug: it fails on one message with something other than a ContractViolation."""

    content_type = CODEC.content_type

    def encode(self, record: Order) -> bytes:
        return CODEC.encode(record)

    def decode(self, data: bytes) -> Order:
        record = CODEC.decode(data)
        if record.order_id == "o-2":
            raise ZeroDivisionError("a bug in the codec")
        return record


def test_a_failing_codec_dead_letters_the_message_and_reading_goes_on(url: str) -> None:
    transport = open_transport(url)
    Producer(transport, PORT, CODEC).publish_many([order(1), order(2), order(3)])
    reader = Reader(transport, PORT, _BrokenOnTwo(), consumer="r")
    got = reader.read(10, 1)
    assert [d.record.order_id for d in got] == ["o-1", "o-3"]
    for d in got:
        d.ack()
    assert reader.metrics["dead_lettered"] == 1
    reader.close()
    (letter,) = run(read_dead_letters(transport, PORT, "ops"))
    assert (letter.stage, letter.rule, letter.origin_sequence) == ("decode", "error", 2)
    assert "ZeroDivisionError: a bug in the codec" in letter.error
    assert CODEC.decode(letter.data) == order(2)  # the raw bytes, kept
    run(transport.close())
