"""Consumer code that misuses generated records. mypy --strict must reject every marked line; the errors
it reports are the golden file expected_mypy.txt (regenerate with UPDATE_GOLDENS=1)."""

from __future__ import annotations

import datetime
import decimal
import uuid

from datacontracts import customer_payments, orders

UTC = datetime.UTC
item = orders.OrderLineItem(sku="AB-1", qty=1, price=decimal.Decimal("1.00"))
order = orders.Order(
    order_id=uuid.uuid4(),
    customer_email="ada@example.com",
    placed_at=datetime.datetime(2024, 1, 1, tzinfo=UTC),
    total=decimal.Decimal("1.00"),
    quantity=1,
    notes=None,
    items=[item],
    shipping=orders.Pickup(store_id="s-1"),
)

wrong_type = orders.OrderLineItem(sku="AB-1", qty="two", price=decimal.Decimal("1"))  # error: str is not int
missing = orders.OrderLineItem(sku="AB-1", qty=1)  # error: price is required
unknown = orders.Pickup(store_id="s", colour="red")  # error: no such field
positional = orders.Pickup("s-1")  # error: fields are keyword-only
item.qty = 2  # error: records are frozen
same = orders.Status.PENDING == "pending"  # error: an enum never equals a str
status: orders.Status = "pending"  # error: a str is not the enum
kind = orders.Pickup(store_id="s").kind  # error: the tag is not an attribute
notes: str = order.notes  # error: may be None
ship: datetime.date = order.ship_date  # error: may be UNSET
last4 = customer_payments.Payment().card.last4  # error: card may be UNSET
cents: str = customer_payments.Payment().amount_cents  # error: int
bad_enum = orders.Order(
    order_id=uuid.uuid4(),
    customer_email="ada@example.com",
    placed_at=datetime.datetime(2024, 1, 1, tzinfo=UTC),
    total=decimal.Decimal("1.00"),
    quantity=1,
    notes=None,
    items=[item],
    shipping=orders.Pickup(store_id="s-1"),
    status="pending",  # error: status takes the enum, not its value
)
renamed = (order.customer_email_, order.datetime_, order.grosse)  # fine: renamed attributes exist
keyword = order.class_.upper()  # fine
