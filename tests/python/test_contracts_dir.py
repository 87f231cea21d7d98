"""The python emitter over the example contracts in contracts/, compiled by the real frontends:
generated, imported, type-checked and round-tripped."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import contract_runtime
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import ir
from codegen.config import Config
from codegen.emitters.python_models import ModuleBuilder, module_names
from codegen.pipeline import compile_inputs
from tests.conftest import ROOT
from tests.mypy_strict import mypy_strict
from tests.python.conftest import generate, write
from tests.python.strategies import Strategies

PACKAGE = "gen_example_contracts"


def compile_examples() -> tuple[ir.Contract, ...]:
    compiled = compile_inputs(Config((ROOT / "contracts",), ROOT / "generated", (), ("python",)))
    errors = compiled.diagnostics.errors()
    assert not errors, "\n".join(d.format() for d in errors)
    return compiled.contracts


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[tuple[ir.Contract, ...], Path]]:
    contracts = compile_examples()
    root = write(generate(contracts, PACKAGE), tmp_path_factory.mktemp("examples"))
    sys.path.insert(0, str(root))
    try:
        yield contracts, root
    finally:
        sys.path.remove(str(root))


def test_examples_import_and_round_trip(examples: tuple[tuple[ir.Contract, ...], Path]) -> None:
    contracts, _ = examples
    names, _ = module_names(contracts)
    cases = []
    for i, contract in enumerate(contracts):
        module = importlib.import_module(f"{PACKAGE}.{names[i]}")
        assert contract.name == module.CONTRACT_NAME and contract.version == module.CONTRACT_VERSION
        class_names = ModuleBuilder(contract).class_names
        cases += [(contract, r.id, getattr(module, class_names[r.id])) for r in contract.records]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def round_trip(data: st.DataObject) -> None:
        contract, record_id, cls = data.draw(st.sampled_from(cases))
        document = data.draw(Strategies(contract).record(record_id))
        record = msgspec.json.decode(msgspec.json.encode(document), type=cls)
        assert msgspec.json.decode(msgspec.json.encode(record), type=cls) == record
        assert contract_runtime.validate(record) is record

    round_trip()


@pytest.mark.slow
def test_examples_pass_mypy_strict(examples: tuple[tuple[ir.Contract, ...], Path]) -> None:
    _, root = examples
    result = mypy_strict(root, PACKAGE)
    assert result.returncode == 0, result.stdout + result.stderr
