"""The example orders record (contracts/orders) as a user writes it by hand with msgspec: a Struct per
record and ``Meta`` constraints, the peer of the "raw msgspec" targets. msgspec has no decimal digits or
email format, so this peer checks less than the generated record does; patterns stay in ``Meta``, as
msgspec's documentation shows them. ``ports_speed`` checks that it reads and writes the same JSON."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Annotated

import msgspec


class OrderStatus(enum.Enum):
    ORDER_STATUS_UNSPECIFIED = "ORDER_STATUS_UNSPECIFIED"
    ORDER_STATUS_PLACED = "ORDER_STATUS_PLACED"
    ORDER_STATUS_SHIPPED = "ORDER_STATUS_SHIPPED"
    ORDER_STATUS_CANCELLED = "ORDER_STATUS_CANCELLED"


class CardBrand(enum.Enum):
    CARD_BRAND_UNSPECIFIED = "CARD_BRAND_UNSPECIFIED"
    CARD_BRAND_VISA = "CARD_BRAND_VISA"
    CARD_BRAND_MASTERCARD = "CARD_BRAND_MASTERCARD"
    CARD_BRAND_AMEX = "CARD_BRAND_AMEX"


class LineItem(msgspec.Struct, frozen=True, kw_only=True):
    sku: str = ""
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    unit_price: decimal.Decimal


class Address(msgspec.Struct, frozen=True, kw_only=True):
    lines: Annotated[list[str], msgspec.Meta(min_length=1, max_length=4)]
    city: str = ""
    postal_code: str = ""
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern="^[A-Z]{2}$")]


class Card(msgspec.Struct, frozen=True, kw_only=True):
    brand: CardBrand = CardBrand.CARD_BRAND_UNSPECIFIED
    last4: Annotated[str, msgspec.Meta(pattern="^[0-9]{4}$")]


class BankTransfer(msgspec.Struct, frozen=True, kw_only=True):
    iban: str = ""


class OrderPlaced(msgspec.Struct, frozen=True, kw_only=True):
    order_id: uuid.UUID
    customer_id: str = ""
    customer_email: str
    placed_at: Annotated[datetime.datetime, msgspec.Meta(tz=True)] | None = None
    order_date: datetime.date
    status: OrderStatus = OrderStatus.ORDER_STATUS_UNSPECIFIED
    items: Annotated[list[LineItem], msgspec.Meta(min_length=1, max_length=500)]
    total_amount: decimal.Decimal
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    shipping_address: Address | None = None
    card: Card | None = None
    bank_transfer: BankTransfer | None = None
    voucher_code: str | None = None
    attributes: dict[str, str] = msgspec.field(default_factory=dict)
    customer_note: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    email: str = ""
