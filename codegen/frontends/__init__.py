"""Frontends: one per schema language, each parsing with the real tool and lowering into the IR.

``load`` takes the input files (already expanded from folders) and returns one ``ir.Contract`` per
contract. A file that no contract metadata marks as a contract and that another input imports or
references is a *library*: its types are compiled into the contracts that use it, and it is not a
contract of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from codegen import ir
from codegen.diagnostics import Diagnostics, Location, display_path

PROTO_SUFFIXES = (".proto",)
JSON_SUFFIXES = (".json",)


def is_input(path: Path) -> bool:
    return path.suffix in PROTO_SUFFIXES or path.name.endswith(JSON_SUFFIXES)


def load(
    files: Sequence[Path], proto_paths: Sequence[Path], diags: Diagnostics, schemas: bool = False
) -> list[ir.Contract]:
    """``schemas``: compiled to compare versions, where a plain file is a schema, not a contract.
    ``proto_paths``: the import roots of .proto files, and the folders plain JSON Schemas are named under."""
    proto_files = [f for f in files if f.suffix in PROTO_SUFFIXES]
    json_files = [f for f in files if f.name.endswith(JSON_SUFFIXES)]
    for f in files:
        if f not in proto_files and f not in json_files:
            diags.report(Location(display_path(f)), "E003", f"cannot compile {f.name}: expected a .proto or .json file")
    contracts: list[ir.Contract] = []
    if proto_files:
        from codegen.frontends.protobuf import load_protobuf

        contracts.extend(load_protobuf(proto_files, proto_paths, diags, schemas))
    if json_files:
        from codegen.frontends.jsonschema import load_jsonschema

        contracts.extend(load_jsonschema(json_files, diags, schemas, proto_paths))
    return sorted(contracts, key=lambda c: (c.name, c.version))
