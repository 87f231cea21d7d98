"""CloudEvents 1.0 attributes in binary content mode: the payload is the record itself, the event's
attributes travel as message headers (``ce-`` prefix, as the NATS and HTTP bindings spell them; the
Kafka transport rewrites them to ``ce_`` as the Kafka binding requires)."""

from __future__ import annotations

import datetime
import itertools
import os
import uuid

from contract_runtime.ports._types import Port

SPECVERSION = "1.0"
# Extension headers every message carries besides the CloudEvents attributes.
CONTRACT_NAME = "contract-name"
CONTRACT_VERSION = "contract-version"
JSON = "application/json"
PROTOBUF = "application/x-protobuf"
# Other spellings of our content types that producers of other runtimes send.
_SAME_AS = {"application/protobuf": PROTOBUF, "application/vnd.google.protobuf": PROTOBUF}


def media_type(content_type: str) -> str:
    """The media type a content-type header names, as our codecs spell it: parameters and case do not
    change it ('Application/JSON; charset=utf-8' is JSON), nor the registered 'application/protobuf'."""
    base = content_type.split(";", 1)[0].strip().lower()
    return _SAME_AS.get(base, base)


def event_type(port: Port) -> str:
    """'orders.v1.OrderPlaced': the contract, its major version and the record. A consumer routes on it."""
    return f"{port.contract}.v{port.major}.{port.record}"


def dataschema(port: Port) -> str:
    return f"urn:contract:{port.contract}:{port.version}"


def default_source(port: Port) -> str:
    return os.environ.get("CONTRACT_PORTS_SOURCE") or f"urn:contract-producer:{port.contract}"


def base_headers(port: Port, content_type: str, source: str) -> dict[str, str]:
    """The attributes shared by every message of one producer; ``stamp`` adds the per-message ones."""
    return {
        "ce-specversion": SPECVERSION,
        "ce-type": event_type(port),
        "ce-source": source,
        "ce-dataschema": dataschema(port),
        "content-type": content_type,
        CONTRACT_NAME: port.contract,
        CONTRACT_VERSION: port.version,
    }


class EventIds:
    """CloudEvents ids unique per source: a random 64-bit prefix per producer and a counter. As unique as
    a uuid4 per message for de-duplication, at a fraction of its cost (no random bytes per message)."""

    def __init__(self) -> None:
        self._prefix = uuid.uuid4().hex[:16]
        self._count = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._count):016x}"


def stamp(base: dict[str, str], key: str | None, now: str, event_id: str) -> dict[str, str]:
    """The per-message attributes: the id, the time, and the key as the CloudEvents ``subject``."""
    headers = base.copy()
    headers["ce-id"] = event_id
    headers["ce-time"] = now
    if key is not None:
        headers["ce-subject"] = key
    return headers


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def major_of(version: str) -> int | None:
    head = version.split(".", 1)[0]
    # ASCII digits only: str.isdigit() also admits '²', which int() refuses (a header anyone can send
    # must not raise out of the reader).
    return int(head) if head.isascii() and head.isdigit() else None
