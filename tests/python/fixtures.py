"""Sample contracts built by hand as IR: every type and presence case, hostile names and text.

The frontends are tested elsewhere; here the IR is the input, so each case is exact and small.
"""

from __future__ import annotations

from codegen import ir
from codegen.diagnostics import Location

S = ir.Scalar
HOSTILE = (
    'Ends with quotes """ and \'\'\' and a backslash \\ then {{ jinja }} {% if x %} \r\n\x00 NUL; """; import os #"'
)


def loc(line: int, path: str = "contracts/orders.schema.json") -> Location:
    return Location(path, line, 3)


def scalar(kind: ir.Scalar, **kwargs: object) -> ir.ScalarType:
    constraints = {k: kwargs.pop(k) for k in list(kwargs) if k in ir.Constraints.__struct_fields__}
    return ir.ScalarType(kind, ir.Constraints(**constraints), **kwargs)  # type: ignore[arg-type]


def field(name: str, t: ir.Type, line: int = 1, **kwargs: object) -> ir.Field:
    return ir.Field(name=name, type=t, location=loc(line), **kwargs)  # type: ignore[arg-type]


def record(rid: str, *fields: ir.Field, **kwargs: object) -> ir.Record:
    return ir.Record(id=rid, name=rid.split(".")[-1], fields=fields, location=loc(1), **kwargs)  # type: ignore[arg-type]


def contract(
    name: str, records: tuple[ir.Record, ...], enums: tuple[ir.Enum, ...] = (), **kwargs: object
) -> ir.Contract:
    source = kwargs.pop("source", ir.Source(ir.SchemaLanguage.JSON_SCHEMA, f"contracts/{name}.schema.json", "2020-12"))
    return ir.Contract(
        name=name,
        version=str(kwargs.pop("version", "1.2.0")),
        root=records[0].id,
        records=records,
        enums=enums,
        source=source,  # type: ignore[arg-type]
        location=loc(1),
        **kwargs,  # type: ignore[arg-type]
    )


STATUS = ir.Enum(
    id="Status",
    name="Status",
    values=(
        ir.EnumValue("pending", "pending", loc(2), description="Waiting for payment."),
        ir.EnumValue("in-progress", "in-progress", loc(2)),
        ir.EnumValue("done", "done", loc(2), deprecated=True),
        ir.EnumValue("class", "class", loc(2), description=HOSTILE),
        ir.EnumValue("value", "value", loc(2)),
    ),
    location=loc(2),
    description="Where an order is.",
)
PRIORITY = ir.Enum(
    id="Priority",
    name="Priority",
    values=(ir.EnumValue("1", 1, loc(3)), ir.EnumValue("2", 2, loc(3)), ir.EnumValue("3", 3, loc(3))),
    location=loc(3),
)

LINE_ITEM = record(
    "Order.LineItem",
    field("sku", scalar(S.STRING, pattern=r"^[A-Z]{2}-\d+$"), required=True, description="Stock keeping unit."),
    field("qty", scalar(S.INT32, minimum=1), required=True),
    field("price", scalar(S.DECIMAL, precision=8, scale=2, minimum=0), required=True),
    description="One product in an order.",
)
ADDRESS = record(
    "Customer.address",
    field("street", scalar(S.STRING, min_length=1), required=True),
    field("city", scalar(S.STRING), required=True, description=HOSTILE),
    description=HOSTILE,
)
PICKUP = record(
    "Pickup",
    field("kind", ir.LiteralType("pickup"), required=True),
    field("store_id", scalar(S.STRING), required=True),
)
DELIVERY = record(
    "Delivery",
    field("kind", ir.LiteralType("delivery"), required=True),
    field("address", ir.RecordType("Customer.address"), required=True),
    field("express", scalar(S.BOOL), has_default=True, default=False),
)
ORDER = record(
    "Order",
    field(
        "order_id",
        scalar(S.UUID),
        10,
        required=True,
        description="Unique order id.",
        examples=("7c9e6679-7425-40de-944b-e07fc1f90ae7",),
    ),
    field("customer_email", scalar(S.STRING, format="email"), 11, required=True),
    field("status", ir.EnumType("Status"), 12, has_default=True, default="pending"),
    field("priority", ir.EnumType("Priority"), 13, has_default=True, default=2),
    field("placed_at", scalar(S.DATETIME), 14, required=True),
    field("ship_date", scalar(S.DATE), 15),
    field("total", scalar(S.DECIMAL, precision=10, scale=2, minimum=0), 16, required=True),
    field("quantity", scalar(S.INT32, minimum=1, maximum=1000), 17, required=True),
    field("big", scalar(S.UINT64), 18),
    field("discount", scalar(S.FLOAT64, minimum=0, exclusive_maximum=1), 19, has_default=True, default=0),
    field("notes", ir.NullableType(scalar(S.STRING, max_length=500)), 20, required=True),
    field(
        "tags",
        ir.ArrayType(scalar(S.STRING, min_length=1), max_items=5, unique_items=True),
        21,
        has_default=True,
        default=[],
    ),
    field("items", ir.ArrayType(ir.RecordType("Order.LineItem"), min_items=1), 22, required=True),
    field(
        "attributes", ir.MapType(scalar(S.STRING), scalar(S.STRING)), 23, has_default=True, default={"channel": "web"}
    ),
    field("coords", ir.TupleType((scalar(S.FLOAT64), scalar(S.FLOAT64))), 24),
    field("payload", ir.JsonType(), 25),
    field("schema_version", ir.LiteralType("v1"), 26, has_default=True, default="v1"),
    field(
        "shipping",
        ir.UnionType((ir.RecordType("Pickup"), ir.RecordType("Delivery")), discriminator="kind"),
        27,
        required=True,
    ),
    field("ref", ir.UnionType((scalar(S.STRING), scalar(S.INT64))), 28),
    field("window", scalar(S.DURATION), 29, has_default=True, default="PT1H30M"),
    field("at_time", scalar(S.TIME), 30),
    field("blob", scalar(S.BYTES, max_length=16), 31),
    field("homepage", ir.NullableType(scalar(S.STRING, format="uri")), 32),
    field("server_ip", ir.NullableType(scalar(S.STRING, format="ipv4")), 33, has_default=True, default=None),
    field("code", scalar(S.STRING, pattern="^[A-Z]{3}$"), 34, has_default=True, default="ABC"),
    field("class", scalar(S.STRING), 35, has_default=True, default="economy"),
    field("int", scalar(S.INT64), 36),
    field("größe", scalar(S.FLOAT32), 37),
    field("1st-place", scalar(S.BOOL), 38),
    field("customer-email", scalar(S.STRING), 39),
    field("datetime", scalar(S.DATETIME), 40),
    field("Pickup", scalar(S.STRING), 41),
    field("id", scalar(S.INT64), 42),
    field("名前", scalar(S.STRING), 43),
    field("_private", scalar(S.STRING), 44),
    field("legacy_code", scalar(S.STRING), 45, deprecated=True, description="Old code.", examples=("X1", "Y2")),
    field("unknown_format", scalar(S.STRING, format="color"), 46),
    field(
        "home",
        ir.RecordType("Customer.address"),
        47,
        has_default=True,
        default={"street": "Main St", "city": "Springfield"},
    ),
    field("hosts", ir.ArrayType(scalar(S.STRING, format="hostname")), 48),
    field("rates", ir.MapType(scalar(S.STRING), scalar(S.DECIMAL, scale=4)), 49),
    field("ratio", scalar(S.FLOAT64, multiple_of=0.5), 50),
    field("step", scalar(S.INT64, multiple_of=5, exclusive_minimum=0), 51),
    field("created", scalar(S.DATETIME), 52, has_default=True, default="2024-01-01T00:00:00Z"),
    field("Ünïcode-Nâme", scalar(S.STRING), 53, description=HOSTILE),
    description="A customer's order.\n\nPlaced on the web shop or in a store.",
)
ORDERS = contract(
    "orders",
    (ORDER, LINE_ITEM, ADDRESS, PICKUP, DELIVERY),
    (STATUS, PRIORITY),
    title="Orders",
    description="Every order placed by a customer. " + HOSTILE,
)

PROTO_SOURCE = ir.Source(ir.SchemaLanguage.PROTOBUF, "contracts/payments.proto", "proto3", package="acme.payments.v1")


def proto_field(name: str, t: ir.Type, number: int, proto_type: str, **kwargs: object) -> ir.Field:
    return ir.Field(
        name=name,
        type=t,
        location=loc(number + 5, "contracts/payments.proto"),
        proto=ir.ProtoField(number, proto_type, name),
        **kwargs,  # type: ignore[arg-type]
    )


METHOD = ir.Enum(
    id="Payment.Method",
    name="Method",
    values=(
        ir.EnumValue("METHOD_UNSPECIFIED", "METHOD_UNSPECIFIED", loc(3), number=0),
        ir.EnumValue("METHOD_CARD", "METHOD_CARD", loc(4), number=1),
        ir.EnumValue("METHOD_CASH", "METHOD_CASH", loc(5), number=2),
    ),
    location=loc(2, "contracts/payments.proto"),
    proto_full_name="acme.payments.v1.Payment.Method",
)
CARD = ir.Record(
    id="Payment.Card",
    name="Card",
    fields=(
        proto_field("last4", scalar(S.STRING, max_length=4), 1, "string", has_default=True, default=""),
        proto_field("brand", scalar(S.STRING), 2, "string", has_default=True, default=""),
    ),
    location=loc(20, "contracts/payments.proto"),
)
PAYMENT = ir.Record(
    id="Payment",
    name="Payment",
    fields=(
        proto_field("payment_id", scalar(S.STRING), 1, "string", has_default=True, default=""),
        proto_field("amount_cents", scalar(S.INT64), 2, "int64", has_default=True, default=0),
        proto_field("method", ir.EnumType("Payment.Method"), 3, "enum", has_default=True, default="METHOD_UNSPECIFIED"),
        proto_field("card", ir.RecordType("Payment.Card"), 4, "message", oneof="instrument"),
        proto_field("voucher_code", scalar(S.STRING), 5, "string", oneof="instrument"),
        proto_field("paid_at", scalar(S.DATETIME), 6, "message"),
        proto_field(
            "labels", ir.MapType(scalar(S.STRING), scalar(S.STRING)), 7, "message", has_default=True, default={}
        ),
        proto_field("attempts", ir.ArrayType(scalar(S.UINT32)), 8, "uint32", has_default=True, default=[]),
        proto_field("metadata", ir.JsonType(), 9, "message"),
        proto_field("fee", scalar(S.FLOAT32), 10, "float", has_default=True, default=0),
    ),
    location=loc(10, "contracts/payments.proto"),
    oneofs=(ir.OneOf("instrument", ("card", "voucher_code"), loc(14, "contracts/payments.proto")),),
    proto_full_name="acme.payments.v1.Payment",
)
PAYMENTS = contract("customer-payments", (PAYMENT, CARD), (METHOD,), source=PROTO_SOURCE, version="2.0.0")

TREE = contract(
    "tree",
    (
        record(
            "Node",
            field("value", scalar(S.INT32), required=True),
            field("children", ir.ArrayType(ir.RecordType("Node")), has_default=True, default=[]),
            field("parent", ir.NullableType(ir.RecordType("Node")), has_default=True, default=None),
        ),
        record("Empty"),
    ),
)

ALL = (ORDERS, PAYMENTS, TREE)
