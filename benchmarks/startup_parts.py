"""Where one `breaking` run on a contract pair spends its time, part by part, in a fresh process.

``python -m benchmarks.startup_parts CURRENT PREVIOUS`` imports the compiler's dependencies in groups (each
group timed after the ones before it are loaded, so a module shared by two groups counts once, in the
first), then runs ``breaking CURRENT --against PREVIOUS`` in process with protoc and the frontend timed. It
prints one JSON object of milliseconds; ``breaking_speed`` runs it several times and prints medians.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from typing import Any

# Each group is imported after the ones above it; the compiler's own modules come last.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("standard library (typing, enum, re, inspect, pathlib, tempfile, json)", (
        "typing", "enum", "re", "inspect", "pathlib", "tempfile", "json",
    )),
    ("click", ("click",)),
    ("msgspec and tomllib", ("msgspec", "msgspec.json", "msgspec.structs", "tomllib")),
    ("the protobuf runtime (descriptor_pb2, descriptor pool, json_format)", (
        "google.protobuf.descriptor_pb2", "google.protobuf.descriptor_pool", "google.protobuf.json_format",
    )),
    ("protoc as a library (grpc_tools)", ("grpc_tools.protoc",)),
    ("the compiler's own modules (IR, CLI, rules, pipeline, protobuf frontend)", (
        "codegen.ir", "codegen.cli", "codegen.cli_breaking", "codegen.compat", "codegen.compat.sources",
        "codegen.pipeline", "codegen.frontends.protobuf",
    )),
]  # fmt: skip


def _timed(owner: Any, name: str, into: list[float]) -> None:
    """Replace ``owner.name`` by a wrapper adding each call's seconds to ``into``."""
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - start)

    setattr(owner, name, wrapper)


def measure(current: str, previous: str) -> dict[str, float]:
    import importlib

    parts: dict[str, float] = {}
    for label, modules in GROUPS:
        start = time.perf_counter()
        for m in modules:
            importlib.import_module(m)
        parts[label] = time.perf_counter() - start
    from codegen import cli
    from codegen.frontends import protobuf

    protoc: list[float] = []
    frontend: list[float] = []
    _timed(protobuf, "run_protoc", protoc)
    _timed(protobuf, "load_protobuf", frontend)
    start = time.perf_counter()
    with contextlib.suppress(SystemExit):
        cli.main(["breaking", current, "--against", previous, "--category", "WIRE_JSON"], standalone_mode=False)
    total = time.perf_counter() - start
    parts["protoc, one run per version"] = sum(protoc)
    parts["reading the descriptors into the IR, both versions"] = sum(frontend) - sum(protoc)
    parts["the rest of the command (loading inputs and config, the rules, output)"] = total - sum(frontend)
    return {k: v * 1000 for k, v in parts.items()}


if __name__ == "__main__":
    parts = measure(sys.argv[1], sys.argv[2])
    import json  # after measuring: json is one of the standard library modules timed

    # The findings go to stdout as the command prints them; the JSON is the last line.
    print(json.dumps(parts))
