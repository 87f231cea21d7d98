"""Whatever bytes arrive, a generated codec's ``decode`` returns a record of its type or raises
ContractViolation: the reader dead-letters on ContractViolation, so any other exception would stop the
reader (or, caught too broadly, hide a bug). Inputs: valid messages with bytes flipped, cut short or
spliced, and random bytes, for the JSON and the protobuf wire. And whatever a record holds, ``encode``
returns bytes or raises ContractViolation naming the field."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from contract_runtime.ports import ContractViolation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ports.generated import generate, import_from
from tests.ports.test_generated import sample

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[ModuleType, ModuleType]]:
    folder = tmp_path_factory.mktemp("fuzz")
    generate(folder / "pb", "fuzz_pb")
    generate(folder / "js", "fuzz_js", wire="json")
    return {
        wire: (
            import_from(folder / wire / "python", f"fuzz_{wire}.orders"),
            import_from(folder / wire / "python", f"fuzz_{wire}.orders_ports"),
        )
        for wire in ("pb", "js")
    }


@st.composite
def damaged(draw: st.DrawFn, valid: bytes) -> bytes:
    """A valid message with a few bytes changed, removed or inserted, or cut short."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        how = draw(st.sampled_from(["flip", "drop", "insert", "cut"]))
        if how == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "drop" and data:
            del data[at]
        elif how == "insert":
            data.insert(at, draw(st.integers(0, 255)))
        else:
            del data[at:]
    return bytes(data)


def decodes_or_violates(codec: Any, record_type: type, data: bytes) -> None:
    try:
        record = codec.decode(data)
    except ContractViolation as exc:
        assert exc.rule, "a violation names its rule"
        return
    assert type(record) is record_type


@pytest.mark.parametrize("wire", ["pb", "js"])
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_messages_decode_or_raise_contract_violation(
    modules: dict[str, tuple[ModuleType, ModuleType]], wire: str, data: st.DataObject
) -> None:
    m, ports = modules[wire]
    codec = ports.ORDER_EVENTS_CODEC
    valid = codec.encode(sample(m, data.draw(st.integers(1, 10**6))))
    decodes_or_violates(codec, m.OrderPlaced, data.draw(damaged(valid)))


@pytest.mark.parametrize("wire", ["pb", "js"])
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_random_bytes_decode_or_raise_contract_violation(
    modules: dict[str, tuple[ModuleType, ModuleType]], wire: str, raw: bytes
) -> None:
    m, ports = modules[wire]
    decodes_or_violates(ports.ORDER_EVENTS_CODEC, m.OrderPlaced, raw)


def test_the_damage_reaches_both_outcomes(modules: dict[str, tuple[ModuleType, ModuleType]]) -> None:
    """Not vacuous: some damaged protobuf messages still decode (a flipped bit in a string) and some
    do not."""
    m, ports = modules["pb"]
    codec = ports.ORDER_EVENTS_CODEC
    valid = codec.encode(sample(m))
    outcomes = set()
    for at in range(len(valid)):
        data = bytearray(valid)
        data[at] ^= 0x01
        try:
            codec.decode(bytes(data))
            outcomes.add("decoded")
        except ContractViolation:
            outcomes.add("violation")
    assert outcomes == {"decoded", "violation"}


@pytest.mark.parametrize("wire", ["pb", "js"])
@pytest.mark.parametrize("field", ["customer_id", "items", "attributes", "total_amount", "placed_at", "card"])
@pytest.mark.parametrize(("value", "below"), [(object(), ""), ([object()], "[0]"), ({"k": object()}, "['k']")])
def test_values_no_wire_can_carry_are_violations_at_their_path(
    modules: dict[str, tuple[ModuleType, ModuleType]], wire: str, field: str, value: object, below: str
) -> None:
    m, ports = modules[wire]
    with pytest.raises(ContractViolation) as info:
        ports.ORDER_EVENTS_CODEC.encode(sample(m, 1, **{field: value}))
    assert (info.value.path, info.value.rule) == (f"$.{field}{below}", "type")
