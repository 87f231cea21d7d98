"""The usage snippets shown in the docs run as written against freshly generated record classes, and
the example payloads decode into those classes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from codegen import ir
from codegen.emitters.docs_model import ViewBuilder
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.emitters.python_ports import PortsOptions, PythonPortsEmitter
from codegen.emitters.python_warehouse import PythonWarehouseEmitter, WarehouseOptions
from tests.docs.conftest import ROOT, write_tree

RUNNER = """
import runpy, sys
for path in sys.argv[1:]:
    runpy.run_path(path, run_name="__main__")
    print("ran", path)
"""


def test_snippets_run_against_generated_code(contracts: tuple[ir.Contract, ...], tmp_path: Path) -> None:
    generated = PythonModelsEmitter().generate(contracts, PythonOptions())
    generated += PythonPortsEmitter().generate(contracts, PortsOptions())
    generated += PythonWarehouseEmitter().generate(contracts, WarehouseOptions())
    write_tree({f.path: f.content for f in generated}, tmp_path)
    views = ViewBuilder(contracts, "datacontracts", None).views()
    assert all(v.usage.tested_example for v in views), [v.name for v in views if not v.usage.tested_example]
    paths = []
    for v in views:
        snippet = tmp_path / "snippets" / f"{v.slug}.py"
        snippet.parent.mkdir(exist_ok=True)
        # The snippet as shown, then a check that it agrees with the page's example payload.
        check = f"\nassert contract_runtime.decode_json({v.example_json!r}, type(record)) == record\n"
        snippet.write_text(v.usage.snippet + check, encoding="utf-8")
        paths.append(str(snippet))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "python"), str(ROOT / "runtime" / "src")])}
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, *paths], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ran ") == len(views)
    assert sum("_warehouse import" in v.usage.snippet for v in views) >= 2  # customers, orders: table ports


def test_reader_only_snippet_when_no_example(tmp_path: Path) -> None:
    from tests.docs.conftest import hostile_contract

    view = ViewBuilder([hostile_contract()], "datacontracts", None).views()[0]
    assert not view.usage.tested_example
    compile(view.usage.snippet, "snippet.py", "exec")  # valid Python even without an example
    assert "def read(message: bytes) -> Evil:" in view.usage.snippet
    assert json.dumps(None) == "null"
