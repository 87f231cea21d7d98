"""Generate the example contracts' records and ports modules into a folder, and protoc's classes."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from codegen.config import Config
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.emitters.python_ports import PortsOptions, PythonPortsEmitter
from codegen.formatting import format_python
from codegen.pipeline import compile_inputs

ROOT = Path(__file__).resolve().parents[2]


def generate(out: Path, package: str, wire: str = "auto", contracts: Path = ROOT / "contracts") -> None:
    compiled = compile_inputs(Config(inputs=(contracts,), output=out, proto_paths=(), emit=("python",)))
    assert not compiled.diagnostics.has_errors
    files = PythonModelsEmitter().generate(compiled.contracts, PythonOptions(package=package))
    files += PythonPortsEmitter().generate(compiled.contracts, PortsOptions(package=package, wire=wire))
    for f in format_python(files):
        path = out / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.content)


def import_from(folder: Path, module: str) -> ModuleType:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(module)


def protoc_classes(out: Path) -> ModuleType:
    """orders_pb2 as the official protoc (grpcio-tools) generates it."""
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"
    out.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        f"-I{ROOT / 'contracts'}",
        f"-I{ROOT / 'codegen' / 'proto'}",
        f"-I{include}",
        f"--python_out={out}",
        "orders/orders.proto",
        "orders/common/address.proto",
        "contract/v1/options.proto",
    ]
    assert protoc.main(args) == 0
    return import_from(out, "orders.orders_pb2")
