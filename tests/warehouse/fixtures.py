"""A hand-built contract covering every column kind, and msgspec records that match it."""

from __future__ import annotations

import datetime
import decimal
import enum
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from contract_runtime.warehouse import BaseWriter
from contract_runtime.warehouse._base import _Batch

from codegen import ir
from codegen.diagnostics import Location

LOC = Location("contracts/shipments.proto", 1, 1)
PG_DSN = os.environ.get("CONTRACT_TEST_PG", "host=127.0.0.1 user=postgres dbname=test")


def _f(name: str, t: ir.Type, required: bool = False, **kw: object) -> ir.Field:
    return ir.Field(name=name, type=t, location=LOC, required=required, **kw)  # type: ignore[arg-type]


def s(kind: ir.Scalar, **kw: object) -> ir.ScalarType:
    return ir.ScalarType(kind, **kw)  # type: ignore[arg-type]


PARCEL = ir.Record(
    id="Shipment.Parcel",
    name="Parcel",
    location=LOC,
    fields=(_f("label", s(ir.Scalar.STRING), True), _f("weightGrams", s(ir.Scalar.INT32))),
)
SHIPMENT = ir.Record(
    id="Shipment",
    name="Shipment",
    location=LOC,
    description="A parcel handed to a carrier; the 'label' is what's printed.",
    fields=(
        _f("shipmentId", s(ir.Scalar.UUID), True, description="Unique id."),
        _f("carrier", ir.EnumType("Carrier"), True, description="Who carries it."),
        _f("trackingCode", s(ir.Scalar.STRING, constraints=ir.Constraints(max_length=12)), True),
        _f("cost", s(ir.Scalar.DECIMAL, precision=10, scale=2, constraints=ir.Constraints(minimum=0)), True),
        _f("shippedAt", s(ir.Scalar.DATETIME), True),
        _f("day", s(ir.Scalar.DATE), True),
        _f("attempts", s(ir.Scalar.INT64, constraints=ir.Constraints(maximum=10))),
        _f("insured", s(ir.Scalar.BOOL)),
        _f("recipientEmail", ir.NullableType(s(ir.Scalar.STRING)), pii=True, classification="confidential"),
        _f("tags", ir.ArrayType(s(ir.Scalar.STRING))),
        _f("parcel", ir.NullableType(ir.RecordType("Shipment.Parcel"))),
        _f("labels", ir.MapType(s(ir.Scalar.STRING), s(ir.Scalar.STRING))),
        _f("extra", ir.JsonType()),
    ),
)
CARRIER = ir.Enum(
    id="Carrier",
    name="Carrier",
    location=LOC,
    values=tuple(ir.EnumValue(v, v, LOC) for v in ("DHL", "UPS", "O'NEIL")),
)
PORT = ir.TablePort(
    name="shipments-table",
    table="logistics.shipments",
    record="Shipment",
    location=LOC,
    key_fields=("shipmentId",),
    partition_by=("day",),
    cluster_by=("carrier",),
)


def contract(version: str = "1.0.0", record: ir.Record = SHIPMENT) -> ir.Contract:
    return ir.Contract(
        name="shipments",
        version=version,
        root="Shipment",
        records=(record, PARCEL),
        enums=(CARRIER,),
        source=ir.Source(ir.SchemaLanguage.PROTOBUF, "contracts/shipments.proto", "proto3"),
        location=LOC,
        description="Shipments handed to carriers.",
        owner=ir.Owner("logistics", "logistics@acme.example"),
        slo=ir.ServiceLevels(freshness="PT1H", availability=0.99),
        ports=(PORT,),
    )


class Carrier(enum.Enum):
    DHL = "DHL"
    UPS = "UPS"
    ONEIL = "O'NEIL"


class Parcel(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    weight_grams: int = msgspec.field(default=0, name="weightGrams")


class Shipment(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    shipment_id: uuid.UUID
    carrier: Carrier
    tracking_code: str
    cost: decimal.Decimal
    shipped_at: datetime.datetime
    day: datetime.date
    attempts: int = 0
    insured: bool = False
    recipient_email: str | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    parcel: Parcel | None = None
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    extra: object = None


def shipments(n: int, start: int = 0) -> Iterator[Shipment]:
    base = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    carriers = list(Carrier)
    for i in range(start, start + n):
        yield Shipment(
            shipment_id=uuid.UUID(int=i + 1),
            carrier=carriers[i % 3],
            tracking_code=f"T{i:09d}",
            cost=decimal.Decimal(i % 10_000) / 100,
            shipped_at=base + datetime.timedelta(seconds=i),
            day=(base + datetime.timedelta(seconds=i)).date(),
            attempts=i % 5,
            insured=i % 2 == 0,
            recipient_email=f"r{i}@example.com" if i % 4 else None,
            tags=["fragile", f"t{i % 7}"] if i % 3 else [],
            parcel=Parcel(label=f"L{i}", weight_grams=i % 3000) if i % 5 else None,
            labels={"k": str(i % 11)} if i % 2 else {},
            extra={"n": i % 13} if i % 6 else None,
        )


def stored_pairs(records: list[Shipment]) -> list[tuple[Any, ...]]:
    """(shipment_id, tracking_code) of ``records``, sorted: what a table holding exactly them returns."""
    return sorted((r.shipment_id, r.tracking_code) for r in records)


def before_batch(writer: BaseWriter[Shipment], n: int, action: Callable[[], object]) -> None:
    """Run ``action`` when the writer starts its ``n``-th batch (1-based), i.e. between batches."""
    real = writer._write_batch
    calls = []

    def write_batch(batch: _Batch, result: Any) -> None:
        calls.append(1)
        if len(calls) == n:
            action()
        real(batch, result)

    writer._write_batch = write_batch  # type: ignore[method-assign]


def writes_at_once(write: Callable[[int], object], offsets: list[int]) -> list[BaseException]:
    """``write(offset)`` in one thread per offset, all at once; what they raised (only WriteInterrupted is
    allowed: a retry is safe, a duplicate or a lost row is not)."""
    errors: list[BaseException] = []

    def run(offset: int) -> None:
        try:
            write(offset)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(o,)) for o in offsets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def breaking_source(n: int) -> Iterator[Shipment]:
    """``n`` records, then the source fails (a generator over a broken feed)."""
    yield from shipments(n)
    raise RuntimeError("source broke")
