from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from codegen import ir
from codegen.emitters.base import OutputFile
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.formatting import format_python
from tests.python.fixtures import ALL


def generate(contracts: Sequence[ir.Contract], package: str = "datacontracts") -> list[OutputFile]:
    return format_python(PythonModelsEmitter().generate(contracts, PythonOptions(package=package)))


def write(files: Sequence[OutputFile], root: Path) -> Path:
    for f in files:
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
    return root / "python"


class Generated:
    """The fixture contracts generated, formatted, written and imported."""

    def __init__(self, root: Path, package: str) -> None:
        self.root = root
        self.package = package

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    package = "gen_fixture_records"
    root = write(generate(ALL, package), tmp_path_factory.mktemp("records"))
    sys.path.insert(0, str(root))
    try:
        yield Generated(root, package)
    finally:
        sys.path.remove(str(root))
