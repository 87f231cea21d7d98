"""The ir-json emitter writes one file per major version when a run compiles several majors of a contract."""

from __future__ import annotations

from codegen.emitters.base import NoOptions
from codegen.emitters.ir_json import IrJsonEmitter
from tests.python.fixtures import contract, record


def test_one_major_keeps_the_plain_name() -> None:
    paths = [f.path for f in IrJsonEmitter().generate([contract("orders", (record("A"),))], NoOptions())]
    assert paths == ["ir/orders.json"]


def test_several_majors_get_one_file_each() -> None:
    v1 = contract("orders", (record("A"),), version="1.2.1")
    v2 = contract("orders", (record("A"),), version="2.0.0")
    other = contract("customers", (record("A"),))
    paths = [f.path for f in IrJsonEmitter().generate([v1, v2, other], NoOptions())]
    assert paths == ["ir/orders.v1.json", "ir/orders.v2.json", "ir/customers.json"]
