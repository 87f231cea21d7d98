"""Ports: validated encode/decode through the generated classes against the same work by hand, batch
publishing, and NATS JetStream publish throughput against raw nats-py. Ratios are measured in one run.

Targets: >= 0.8x raw msgspec (JSON), >= 0.8x protoc's class by hand (protobuf), >= 3x / 2x a pydantic v2
model as datamodel-codegen writes it (encode / decode), batches >= 0.8x msgspec encode_lines plus
validation, NATS publish >= 0.8x raw nats-py with the same batching.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import gc
import importlib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from benchmarks.peers import orders_msgspec as by_hand

NAME = "ports"
DESCRIPTION = "validated encode/decode and publishing through generated ports vs msgspec, protoc, pydantic, nats-py"


@dataclass(frozen=True)
class Options:
    n: int = 200
    runs: int = 5
    seed: int = 0
    strict: bool = False


def best(fn: Callable[[], object], loops: int, runs: int) -> float:
    """Seconds per call: the median of ``runs`` timings of ``loops`` calls."""
    times = []
    for _ in range(max(1, loops // 10)):  # warm up caches before timing
        fn()
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        times.append((time.perf_counter() - start) / loops)
    return statistics.median(times)


def paired(ours: Callable[[], object], peer: Callable[[], object], loops: int, runs: int) -> tuple[float, float]:
    """Seconds per call of each side: medians of ``runs`` timings of ``loops`` calls, the two sides taking
    turns, so that a slow spell of a shared machine falls on both and not on whichever ran second."""
    for fn in (ours, peer):
        for _ in range(max(1, loops // 10)):  # warm up caches before timing
            fn()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((ours, times[0]), (peer, times[1])):
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            out.append((time.perf_counter() - start) / loops)
    return statistics.median(times[0]), statistics.median(times[1])


def sample(m: Any, i: int) -> Any:
    return m.OrderPlaced(
        order_id=uuid.UUID(int=i),
        customer_id="cust-1",
        customer_email="jane@example.com",
        placed_at=datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
        order_date=datetime.date(2024, 5, 1),
        status=m.OrderStatus.ORDER_STATUS_PLACED,
        items=[
            m.OrderPlacedLineItem(sku=f"SKU-{j}", quantity=2, unit_price=decimal.Decimal("10.50")) for j in range(3)
        ],
        total_amount=decimal.Decimal("63.00"),
        currency="EUR",
        shipping_address=m.AcmeCommonV1Address(lines=["Main St 1"], city="Berlin", postal_code="10115", country="DE"),
        card=m.OrderPlacedCard(brand=m.OrderPlacedCardCardBrand.CARD_BRAND_VISA, last4="4242"),
        attributes={"utm_source": "newsletter"},
    )


class Report:
    def __init__(self) -> None:
        self.missed: list[str] = []

    def ratio(self, what: str, ours: float, theirs: float, target: float) -> None:
        r = theirs / ours
        ok = r >= target
        if not ok:
            self.missed.append(what)
        print(
            f"{what:<58} ours {ours * 1e6:9.2f} us  peer {theirs * 1e6:9.2f} us  "
            f"ratio {r:5.2f}x  target {target}x  {'ok' if ok else 'MISSED'}"
        )


def setup(work: Path) -> tuple[Any, Any, Any, Any, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.ports.generated import generate, import_from, protoc_classes

    generate(work / "pb", "bench_pb")
    generate(work / "js", "bench_js", wire="json")
    m_pb = import_from(work / "pb" / "python", "bench_pb.orders")
    ports_pb = import_from(work / "pb" / "python", "bench_pb.orders_ports")
    m_js = import_from(work / "js" / "python", "bench_js.orders")
    ports_js = import_from(work / "js" / "python", "bench_js.orders_ports")
    return m_pb, ports_pb, m_js, ports_js, protoc_classes(work / "protoc")


def protobuf_by_hand(pb2: Any, i: int) -> Callable[[], bytes]:
    """protoc's class used by hand: construct from Python values, serialize."""

    def encode() -> bytes:
        return pb2.OrderPlaced(  # type: ignore[no-any-return]
            order_id=str(uuid.UUID(int=i)),
            customer_id="cust-1",
            customer_email="jane@example.com",
            placed_at=datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
            order_date="2024-05-01",
            status=1,
            items=[pb2.OrderPlaced.LineItem(sku=f"SKU-{j}", quantity=2, unit_price="10.50") for j in range(3)],
            total_amount="63.00",
            currency="EUR",
            shipping_address=pb2.orders_dot_common_dot_address__pb2.Address(
                lines=["Main St 1"], city="Berlin", postal_code="10115", country="DE"
            ),
            card=pb2.OrderPlaced.Card(brand=1, last4="4242"),
            attributes={"utm_source": "newsletter"},
        ).SerializeToString()

    return encode


def read_all(msg: Any) -> None:
    """Read every field of protoc's message, as a consumer by hand would."""
    _ = (
        msg.order_id,
        msg.customer_id,
        msg.customer_email,
        msg.placed_at.ToDatetime(),
        msg.order_date,
        msg.status,
        msg.total_amount,
        msg.currency,
        msg.voucher_code,
        msg.customer_note,
        msg.email,
        dict(msg.attributes),
    )
    for it in msg.items:
        _ = (it.sku, it.quantity, it.unit_price)
    a = msg.shipping_address
    _ = (list(a.lines), a.city, a.postal_code, a.country, msg.card.brand, msg.card.last4)


def pydantic_model(m: Any, work: Path) -> Any | None:
    """The record as datamodel-codegen writes a pydantic v2 model from its JSON Schema."""
    try:
        from datamodel_code_generator import DataModelType, InputFileType, generate  # type: ignore[attr-defined]
    except ImportError:
        return None
    _, defs = msgspec.json.schema_components([m.OrderPlaced])
    schema = {"$defs": defs, **defs["OrderPlaced"]}
    out = work / "pyd_orders.py"
    generate(
        msgspec.json.encode(schema).decode(),
        input_file_type=InputFileType.JsonSchema,
        output=out,
        output_model_type=DataModelType.PydanticV2BaseModel,
    )
    sys.path.insert(0, str(work))
    return importlib.import_module("pyd_orders")


def codecs(
    report: Report, opts: Options, m_pb: Any, ports_pb: Any, m_js: Any, ports_js: Any, pb2: Any, work: Path
) -> None:
    loops = 2000
    rec_js, rec_pb = sample(m_js, 1), sample(m_pb, 1)
    js_codec, pb_codec = ports_js.ORDER_EVENTS_CODEC, ports_pb.ORDER_EVENTS_CODEC
    data_js = js_codec.encode(rec_js)
    enc, dec = msgspec.json.Encoder(), msgspec.json.Decoder(by_hand.OrderPlaced)
    rec_by_hand = dec.decode(data_js)
    assert enc.encode(rec_by_hand) == data_js, "the by-hand peer must read and write the same JSON"

    def raw_encode() -> bytes:  # msgspec by hand, validated: encode, then check with the typed decoder
        data = enc.encode(rec_by_hand)
        dec.decode(data)
        return data

    report.ratio(
        "JSON validated encode vs raw msgspec",
        *paired(lambda: js_codec.encode(rec_js), raw_encode, loops, opts.runs),
        0.8,
    )
    report.ratio(
        "JSON validated decode vs raw msgspec",
        *paired(lambda: js_codec.decode(data_js), lambda: dec.decode(data_js), loops, opts.runs),
        0.8,
    )
    data_pb = pb_codec.encode(rec_pb)
    pb_by_hand = protobuf_by_hand(pb2, 1)
    report.ratio(
        "protobuf validated encode vs protoc class by hand",
        *paired(lambda: pb_codec.encode(rec_pb), pb_by_hand, loops, opts.runs),
        0.8,
    )
    report.ratio(
        "protobuf validated decode vs protoc class by hand",
        *paired(
            lambda: pb_codec.decode(data_pb), lambda: read_all(pb2.OrderPlaced.FromString(data_pb)), loops, opts.runs
        ),
        0.8,
    )
    pyd = pydantic_model(m_js, work)
    if pyd is None:
        print("pydantic comparison skipped: datamodel-code-generator is not installed")
        return
    values = msgspec.to_builtins(rec_js)
    report.ratio(
        "JSON validated encode vs pydantic v2 (datamodel-codegen)",
        *paired(
            lambda: js_codec.encode(m_js.OrderPlaced(**_kwargs(m_js, rec_js))),
            lambda: pyd.OrderPlaced.model_validate(values).model_dump_json(),
            loops,
            opts.runs,
        ),
        3.0,
    )
    report.ratio(
        "JSON validated decode vs pydantic v2 (datamodel-codegen)",
        *paired(
            lambda: js_codec.decode(data_js), lambda: pyd.OrderPlaced.model_validate_json(data_js), loops, opts.runs
        ),
        2.0,
    )


def _kwargs(m: Any, rec: Any) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in rec.__struct_fields__}


def batches(report: Report, opts: Options, m_js: Any, ports_js: Any) -> None:
    records = [sample(m_js, i) for i in range(100_000)]
    producer = ports_js.AsyncOrderPlacedProducer(None)  # prepare() needs no transport
    enc, dec = msgspec.json.Encoder(), msgspec.json.Decoder(by_hand.OrderPlaced)
    peer_records = dec.decode_lines(msgspec.json.Encoder().encode_lines(records))

    def by_hand_batch() -> None:
        dec.decode_lines(enc.encode_lines(peer_records))

    report.ratio(
        "batch of 100,000: validate+encode vs encode_lines+validation",
        best(lambda: producer.prepare(records), 1, max(1, opts.runs // 2)) / 100_000,
        best(by_hand_batch, 1, max(1, opts.runs // 2)) / 100_000,
        0.8,
    )
    gc.collect()
    gc.disable()
    try:
        no_gc = best(lambda: producer.prepare(records), 1, max(1, opts.runs // 2))
    finally:
        gc.enable()
    with_gc = best(lambda: producer.prepare(records), 1, max(1, opts.runs // 2))
    print(
        f"garbage collection share of a 100,000 batch: {100 * (with_gc - no_gc) / with_gc:.0f}% "
        f"({with_gc:.3f}s with, {no_gc:.3f}s without)"
    )
    data = [producer.codec.encode(r) for r in records[:20_000]]
    for label, enabled in (("with", True), ("without", False)):
        gc.collect()
        if not enabled:
            gc.disable()
        start = time.perf_counter()
        kept = [producer.codec.decode(d) for d in data]
        elapsed = time.perf_counter() - start
        gc.enable()
        print(f"decode 20,000 records kept alive, {label} gc: {elapsed:.3f}s")
        del kept


async def nats_throughput(report: Report, m_js: Any, ports_js: Any) -> None:
    from contract_runtime.ports import Port, connect
    from contract_runtime.ports.transports.nats import NatsTransport, stream_name

    try:
        transport = await connect("nats://127.0.0.1:4222")
    except Exception as exc:  # no server: say so, do not fail the other measurements
        print(f"NATS throughput skipped: {exc}")
        return
    assert isinstance(transport, NatsTransport)
    tag = uuid.uuid4().hex[:8]
    port = Port("bench", f"bench.orders.{tag}", "orders", "1.2.0", "OrderPlaced", ("order_id",), "PT1H")
    raw_port = Port("bench-raw", f"bench.raw.{tag}", "orders", "1.2.0", "OrderPlaced", (), "PT1H")
    await transport.ensure_port(port)
    await transport.ensure_port(raw_port)
    records = [sample(m_js, i) for i in range(20_000)]
    producer = ports_js.AsyncOrderPlacedProducer(transport)
    producer.port = port
    payloads = [producer.codec.encode(r) for r in records]
    batch = 1000

    start = time.perf_counter()
    for i in range(0, len(records), batch):
        await producer.publish_many(records[i : i + batch])
    ours = (time.perf_counter() - start) / len(records)
    js = transport.js
    start = time.perf_counter()
    for i in range(0, len(payloads), batch):
        futures = [await js.publish_async(raw_port.subject, p) for p in payloads[i : i + batch]]
        await asyncio.gather(*futures)
    raw = (time.perf_counter() - start) / len(payloads)
    report.ratio("NATS publish (validate+encode+publish) vs raw nats-py", ours, raw, 0.8)
    # The peer's own path with our messages' headers (CloudEvents attributes + Nats-Msg-Id), already built
    # and validated: what the same producer would reach through nats-py's publish_async, which encodes
    # each header in Python and keeps a future per message. The transport frames and acks in bulk instead.
    messages = producer.prepare(records)
    start = time.perf_counter()
    for i in range(0, len(messages), batch):
        futures = [
            await js.publish_async(raw_port.subject, m.data, headers={**m.headers, "Nats-Msg-Id": f"h{m.id}"})
            for m in messages[i : i + batch]
        ]
        await asyncio.gather(*futures)
    with_headers = (time.perf_counter() - start) / len(messages)
    print(
        f"{'  nats-py publish_async with the same headers (prepared)':<58} {with_headers * 1e6:9.2f} us  "
        f"= {raw / with_headers:.2f}x raw: the same messages through the peer's publishing path"
    )
    await _reading(transport, port, producer.codec, m_js, len(records))
    for p in (port, raw_port, port.dead_letter_port()):
        await js.delete_stream(stream_name(p.subject))
    await transport.close()


async def _reading(transport: Any, port: Any, codec: Any, m_js: Any, n: int) -> None:
    """Reading back what the producer stored, one ack per record, against raw nats-py doing the same
    (pull fetch, msgspec decode, ack). No target: shown so the consumer side is measured too."""
    import nats.errors
    from contract_runtime.ports import AsyncReader
    from contract_runtime.ports.transports.nats import stream_name

    reader = AsyncReader(transport, port, codec, consumer="bench-reader", batch_size=500)
    start = time.perf_counter()
    got = 0
    while got < n:
        batch = await reader.read(500, 2.0)
        if not batch:
            break
        for d in batch:
            await d.ack()
        got += len(batch)
    ours = (time.perf_counter() - start) / max(got, 1)
    await reader.close()
    psub = await transport.js.pull_subscribe(port.subject, durable="bench-raw", stream=stream_name(port.subject))
    decode = msgspec.json.Decoder(m_js.OrderPlaced).decode
    start = time.perf_counter()
    raw_got = 0
    while raw_got < n:
        try:
            msgs = await psub.fetch(500, timeout=2)
        except nats.errors.TimeoutError:
            break
        for m in msgs:
            decode(m.data)
            await m.ack()
        raw_got += len(msgs)
    raw = (time.perf_counter() - start) / max(raw_got, 1)
    await psub.unsubscribe()
    print(
        f"{'NATS read+ack vs raw nats-py fetch+decode+ack (no target)':<58} ours {ours * 1e6:9.2f} us  "
        f"peer {raw * 1e6:9.2f} us  ratio {raw / ours:5.2f}x"
    )


def run(opts: Options) -> int:
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        m_pb, ports_pb, m_js, ports_js, pb2 = setup(work)
        codecs(report, opts, m_pb, ports_pb, m_js, ports_js, pb2, work)
        batches(report, opts, m_js, ports_js)
        asyncio.run(nats_throughput(report, m_js, ports_js))
    if report.missed:
        print(f"missed targets: {', '.join(report.missed)}")
    return 1 if opts.strict and report.missed else 0


if __name__ == "__main__":
    sys.exit(run(Options(runs=3)))
