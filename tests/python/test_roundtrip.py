"""Property: every valid document decodes to a record that encodes and decodes to an equal record."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import contract_runtime
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import ir
from codegen.emitters.python_models import ModuleBuilder
from tests.python.conftest import Generated
from tests.python.fixtures import ALL
from tests.python.strategies import Strategies

CASES = [(c, r.id) for c in ALL for r in c.records]


def record_class(generated: Generated, contract: ir.Contract, record_id: str) -> tuple[ModuleType, Any]:
    module = generated.module(
        {"orders": "orders", "customer-payments": "customer_payments", "tree": "tree"}[contract.name]
    )
    return module, getattr(module, ModuleBuilder(contract).class_names[record_id])


def check_round_trip(cls: Any, document: dict[str, Any]) -> None:
    record = msgspec.json.decode(msgspec.json.encode(document), type=cls)
    assert msgspec.json.decode(msgspec.json.encode(record), type=cls) == record
    assert contract_runtime.validate(record) is record
    assert msgspec.convert(msgspec.to_builtins(record), cls) == record


@pytest.mark.parametrize(("contract", "record_id"), CASES, ids=[f"{c.name}:{r}" for c, r in CASES])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_valid_documents_round_trip(
    generated: Generated, contract: ir.Contract, record_id: str, data: st.DataObject
) -> None:
    _, cls = record_class(generated, contract, record_id)
    check_round_trip(cls, data.draw(Strategies(contract).record(record_id)))
