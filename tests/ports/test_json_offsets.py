"""The JSON wire keeps a datetime's instant when its UTC offset has seconds (a historical zone's local mean
time: Europe/Berlin before 1893 is +00:53:28). msgspec writes offsets in whole minutes and dropped the
seconds, and the codec's validating decode read the shifted value back without complaint: a producer sent
a datetime 28 s off. RFC 3339 offsets cannot carry seconds, so such a datetime is written at its instant
in UTC and reads back equal (``==``); a whole-minute offset is written as before, byte for byte.

The contracts are written to a temporary folder, compiled, and their records and ports modules generated
and imported, as a user's would be."""

from __future__ import annotations

import datetime
import json
import operator
import zoneinfo
from types import ModuleType
from typing import Any

import msgspec
import pytest
from contract_runtime._stamps import stamp_readers
from contract_runtime.ports import ContractViolation

from tests.ports.generated import generate, import_from

pytestmark = pytest.mark.slow

PACKAGE = "gen_json_offsets"
UTC = datetime.UTC
LMT = datetime.timezone(datetime.timedelta(minutes=53, seconds=28))  # Europe/Berlin's LMT, as zoneinfo gives it
WEST = datetime.timezone(-datetime.timedelta(minutes=25, seconds=21))  # Dublin Mean Time: a negative one
INDIA = datetime.timezone(datetime.timedelta(hours=5, minutes=30))  # whole minutes: written as it is
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
STAMP = {"type": "string", "format": "date-time"}


def _contract(title: str, properties: dict[str, Any], required: list[str], defs: dict[str, Any] | None = None) -> str:
    name = title.lower()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "x-contract": {
            "name": name,
            "version": "1.0.0",
            "owner": {"team": "t"},
            "ports": [{"name": f"{name}-events", "stream": {"subject": f"{name}.v1", "key_fields": ["id"]}}],
        },
        "$defs": defs or {},
        "properties": {"id": {"type": "string"}, **properties},
        "required": ["id", *required],
    }
    return json.dumps(schema)


INNER = {"type": "object", "properties": {"at": STAMP, "label": {"type": "string"}}, "required": ["at"]}
NODE = {
    "type": "object",
    "properties": {"at": STAMP, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
}
CONTRACTS = {
    # one datetime field, nullable and optional: tested inline
    "ping.schema.json": _contract("Ping", {"at": {"type": ["string", "null"], "format": "date-time"}}, []),
    # datetime fields of the record itself, required, nullable and optional (UNSET)
    "flat.schema.json": _contract(
        "Flat", {"at": STAMP, "maybe": {"type": ["string", "null"], "format": "date-time"}, "later": STAMP}, ["at"]
    ),
    # datetimes inside values: a record, a list, a map, a tuple, a union of records, a recursive record
    "deep.schema.json": _contract(
        "Deep",
        {
            "inner": {"$ref": "#/$defs/Inner"},
            "stamps": {"type": "array", "items": STAMP},
            "by_name": {"type": "object", "additionalProperties": STAMP},
            "pair": {"type": "array", "prefixItems": [STAMP, {"type": "string"}], "items": False},
            "event": {
                "oneOf": [{"$ref": "#/$defs/Opened"}, {"$ref": "#/$defs/Closed"}],
                "discriminator": {"propertyName": "kind"},
            },
            "tree": {"$ref": "#/$defs/Node"},
        },
        [],
        {
            "Inner": INNER,
            "Node": NODE,
            "Opened": {
                "type": "object",
                "properties": {"kind": {"const": "opened"}, "at": STAMP},
                "required": ["kind"],
            },
            "Closed": {"type": "object", "properties": {"kind": {"const": "closed"}}, "required": ["kind"]},
        },
    ),
    "plain.schema.json": _contract(
        "Plain", {"n": {"type": "integer"}, "day": {"type": "string", "format": "date"}}, []
    ),
}


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    folder = tmp_path_factory.mktemp("offsets")
    (folder / "contracts").mkdir()
    for name, text in CONTRACTS.items():
        (folder / "contracts" / name).write_text(text, encoding="utf-8")
    generate(folder / "out", PACKAGE, wire="json", contracts=folder / "contracts")
    python = folder / "out" / "python"
    names = ("ping", "flat", "deep", "plain")
    return {
        **{n: import_from(python, f"{PACKAGE}.{n}") for n in names},
        **{f"{n}_ports": import_from(python, f"{PACKAGE}.{n}_ports") for n in names},
    }


def _codec(gen: dict[str, ModuleType], name: str) -> Any:
    return getattr(gen[f"{name}_ports"], f"{name.upper()}_EVENTS_CODEC")


def _deep(m: ModuleType, at: datetime.datetime) -> Any:
    """A Deep record holding ``at`` at every depth, next to a UTC datetime that must stay as it is."""
    now = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    return m.Deep(
        id="d1",
        inner=m.Inner(at=at, label="x"),
        stamps=[now, at],
        by_name={"a": at, "b": now},
        pair=(at, "p"),
        event=m.Opened(at=at),
        tree=m.Node(at=now, children=[m.Node(children=[m.Node(at=at)])]),
    )


def _in_utc(record: Any) -> Any:
    """``record`` with every datetime whose offset has seconds in UTC, built by hand (the expected value)."""
    if isinstance(record, datetime.datetime):
        offset = record.utcoffset()
        return record.astimezone(UTC) if offset is not None and offset % datetime.timedelta(minutes=1) else record
    if isinstance(record, msgspec.Struct):
        return msgspec.structs.replace(record, **{f: _in_utc(getattr(record, f)) for f in record.__struct_fields__})
    if isinstance(record, list | tuple):
        return type(record)(map(_in_utc, record))
    if isinstance(record, dict):
        return {k: _in_utc(v) for k, v in record.items()}
    return record


SECOND_OFFSETS = [
    pytest.param(datetime.datetime(1890, 1, 1, 12, 0, tzinfo=LMT), id="plus-00:53:28"),
    pytest.param(datetime.datetime(1880, 6, 1, 23, 59, 59, 123456, tzinfo=WEST), id="minus-00:25:21"),
    pytest.param(datetime.datetime(1890, 1, 1, 12, 0, tzinfo=BERLIN), id="zoneinfo-berlin-lmt"),
]


@pytest.mark.parametrize("at", SECOND_OFFSETS)
def test_top_level_datetimes_are_written_at_their_instant(gen: dict[str, ModuleType], at: datetime.datetime) -> None:
    ping, flat = _codec(gen, "ping"), _codec(gen, "flat")
    data = ping.encode(gen["ping"].Ping(id="p1", at=at))
    instant = at.astimezone(UTC)
    assert json.loads(data)["at"] == instant.isoformat().replace("+00:00", "Z")
    back = ping.decode(data).at
    assert back == at and back.tzinfo is UTC
    for empty in (gen["ping"].Ping(id="p2"), gen["ping"].Ping(id="p3", at=None)):  # UNSET, None
        assert ping.decode(ping.encode(empty)) == empty
    for record in (
        gen["flat"].Flat(id="f1", at=at, maybe=at, later=at),
        gen["flat"].Flat(id="f2", at=at, maybe=None),  # null, and an absent field
        gen["flat"].Flat(id="f3", at=instant, maybe=at),  # the first is exact, the second is not
    ):
        data = flat.encode(record)
        assert data == msgspec.json.encode(_in_utc(record))  # only the datetimes changed, to the instant
        assert flat.decode(data) == record


@pytest.mark.parametrize("at", SECOND_OFFSETS)
def test_nested_datetimes_are_written_at_their_instant(gen: dict[str, ModuleType], at: datetime.datetime) -> None:
    """In a record, a list, a map value, a tuple, a union member and a recursive record."""
    codec, record = _codec(gen, "deep"), _deep(gen["deep"], at)
    data = codec.encode(record)
    assert data == msgspec.json.encode(_in_utc(record))
    text = json.loads(data)
    stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert text["inner"]["at"] == text["stamps"][1] == text["by_name"]["a"] == text["pair"][0] == stamp
    assert text["event"]["at"] == text["tree"]["children"][0]["children"][0]["at"] == stamp
    assert codec.decode(data) == record  # every datetime equal to the original


def test_whole_minute_offsets_are_written_as_before(gen: dict[str, ModuleType]) -> None:
    """+05:30 and a zone's whole-minute offset: the bytes msgspec writes, as the codec wrote them before."""
    for at in (datetime.datetime(2024, 5, 1, 12, 30, tzinfo=INDIA), datetime.datetime(2024, 5, 1, tzinfo=BERLIN)):
        for name, record in (
            ("ping", gen["ping"].Ping(id="p1", at=at)),
            ("flat", gen["flat"].Flat(id="f1", at=at, maybe=at, later=at)),
            ("deep", _deep(gen["deep"], at)),
        ):
            data = _codec(gen, name).encode(record)
            assert data == msgspec.json.encode(record)
            assert _codec(gen, name).decode(data) == record
    assert b'"2024-05-01T12:30:00+05:30"' in _codec(gen, "ping").encode(
        gen["ping"].Ping(id="p1", at=datetime.datetime(2024, 5, 1, 12, 30, tzinfo=INDIA))
    )


def test_a_fixed_zone_met_before_does_not_hide_an_offset_with_seconds(gen: dict[str, ModuleType]) -> None:
    """The codec remembers the last fixed whole-minute zone it met (passed by identity from then on); any
    other zone is still looked at."""
    codec, ping = _codec(gen, "ping"), gen["ping"].Ping
    india = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=INDIA)
    lmt = datetime.datetime(1890, 1, 1, 12, 0, tzinfo=LMT)
    for at in (india, india, lmt, india, lmt):
        data = codec.encode(ping(id="p", at=at))
        assert data == msgspec.json.encode(ping(id="p", at=_in_utc(at)))
        assert codec.decode(data).at == at


def test_a_batch_is_written_at_the_instants(gen: dict[str, ModuleType]) -> None:
    """``publish_many`` encodes each record through the codec: the batch path is the same."""
    at = datetime.datetime(1890, 1, 1, 12, 0, tzinfo=LMT)
    producer = gen["flat_ports"].AsyncFlatProducer(None)  # prepare() needs no transport
    records = [gen["flat"].Flat(id=f"f{i}", at=at if i % 2 else at.astimezone(UTC)) for i in range(4)]
    messages = producer.prepare(records)
    assert [json.loads(m.data)["at"] for m in messages] == ["1890-01-01T11:06:32Z"] * 4


def test_an_instant_outside_years_1_to_9999_in_utc_is_a_violation(gen: dict[str, ModuleType]) -> None:
    """Year 1 at +00:53:28 is before 0001-01-01T00:00Z: no datetime holds its instant in UTC. msgspec would
    have written it 28 s off; nothing is sent instead."""
    codec = _codec(gen, "ping")
    with pytest.raises(ContractViolation) as info:
        codec.encode(gen["ping"].Ping(id="p1", at=datetime.datetime(1, 1, 1, 0, 0, tzinfo=LMT)))
    assert info.value.rule == "type"
    assert "0001-01-01T00:00:00+00:53:28" in str(info.value)
    ok = datetime.datetime(1, 1, 1, 1, 0, tzinfo=LMT)  # after it: fine
    assert codec.decode(codec.encode(gen["ping"].Ping(id="p1", at=ok))).at == ok


def test_how_each_type_is_read(gen: dict[str, ModuleType]) -> None:
    """No datetime: nothing to read. One datetime field: tested inline. Several, or deeper: the record read
    back is compared with the record, and its datetimes found along the paths to them when they differ."""
    plain, ping, flat, deep = (getattr(gen[n], n.title()) for n in ("plain", "ping", "flat", "deep"))
    assert stamp_readers(plain) == (None, None)
    lone, find = stamp_readers(ping)
    assert isinstance(lone, operator.attrgetter) and find is None
    for several in (flat, deep):
        lone, find = stamp_readers(several)
        assert lone is None and find is not None
    codec = _codec(gen, "plain")
    record = plain(id="x", n=1, day=datetime.date(1890, 1, 1))
    assert codec.decode(codec.encode(record)) == record
