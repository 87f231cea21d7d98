"""Small contracts a warehouse test writes, compiled into records and table writers and imported, as a
user's would be."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from codegen.config import Config
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.emitters.python_warehouse import PythonWarehouseEmitter, WarehouseOptions
from codegen.formatting import format_python
from codegen.pipeline import compile_inputs
from tests.python.conftest import write


def generated_modules(root: Path, sources: dict[str, str], package: str) -> Iterator[dict[str, ModuleType]]:
    """The records and warehouse modules of ``sources`` (file name -> text), by module name; a generator for
    a fixture: the modules are forgotten after it."""
    contracts = root / "contracts"
    contracts.mkdir()
    for name, text in sources.items():
        (contracts / name).write_text(text, encoding="utf-8")
    compiled = compile_inputs(Config(inputs=(contracts,), output=root, proto_paths=(), emit=("python",)))
    assert not compiled.diagnostics.has_errors, compiled.diagnostics
    files = PythonModelsEmitter().generate(compiled.contracts, PythonOptions(package=package))
    files += PythonWarehouseEmitter().generate(compiled.contracts, WarehouseOptions(package=package))
    folder = write(format_python(files), root / "out")
    sys.path.insert(0, str(folder))
    names = sorted(Path(f.path).stem for f in files if f.path.endswith(".py") and not f.path.endswith("__init__.py"))
    try:
        yield {n: importlib.import_module(f"{package}.{n}") for n in names}
    finally:
        sys.path.remove(str(folder))
        for n in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[n]
