"""A small record as the python emitter writes them (frozen, kw_only, Meta constraints, __post_init__)."""

from __future__ import annotations

import decimal
import typing
import uuid

import contract_runtime
import msgspec
from contract_runtime.ports import JsonCodec, Port


class Line(msgspec.Struct, frozen=True, kw_only=True):
    sku: typing.Annotated[str, msgspec.Meta(pattern="^SKU-[0-9]+$")]
    quantity: typing.Annotated[int, msgspec.Meta(ge=1, le=1000)]


_order_total_decimal = contract_runtime.decimal_rule("total", scale=2, ge=decimal.Decimal("0"))


class Order(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    customer: typing.Annotated[str, msgspec.Meta(min_length=1)]
    items: typing.Annotated[list[Line], msgspec.Meta(min_length=1)]
    total: decimal.Decimal
    note: str | msgspec.UnsetType = msgspec.UNSET

    def __post_init__(self) -> None:
        _order_total_decimal(self.total)


PORT = Port(
    name="order-events",
    subject="test.orders.v1",
    contract="orders",
    version="1.2.0",
    record="Order",
    key_fields=("customer",),
    retention="P7D",
)
CODEC = JsonCodec(Order)


def order(i: int, customer: str = "c1", quantity: int = 1) -> Order:
    return Order(
        order_id=f"o-{i}",
        customer=customer,
        items=[Line(sku=f"SKU-{i}", quantity=quantity)],
        total=decimal.Decimal("9.90"),
    )


def fresh_port(prefix: str = "test.orders") -> Port:
    """The orders port on a subject (and so a stream) of its own for each test run."""
    return Port(
        name="order-events",
        subject=f"{prefix}.{uuid.uuid4().hex[:10]}",
        contract="orders",
        version="1.2.0",
        record="Order",
        key_fields=("customer",),
        retention="PT1H",
    )
