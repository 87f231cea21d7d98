"""A Hatch build hook: regenerate from contracts at build time.

In a project's pyproject.toml::

    [build-system]
    requires = ["hatchling", "contract-codegen"]
    build-backend = "hatchling.build"

    [tool.hatch.build.hooks.contract-codegen]
    inputs = ["contracts"]                 # default: ["contracts"]
    output = "src/mypkg/contracts"         # where the python emitter's package lands
    package = "contracts"                  # import name of the generated package (python emitter option)

The hook compiles before hatchling collects files, so the wheel always matches the contracts; a contract
error fails the build with the usual `path:line:col: CODE message` lines.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.plugin import hookimpl

from codegen.config import Config
from codegen.diagnostics import ContractError


class ContractCodegenBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "contract-codegen"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from codegen import pipeline

        root = Path(self.root)
        inputs = tuple(root / p for p in self.config.get("inputs", ["contracts"]))
        output = root / str(self.config.get("output", "src/contracts"))
        package = str(self.config.get("package", output.name))
        cfg = Config(
            inputs=inputs,
            output=output,
            proto_paths=tuple(root / p for p in self.config.get("proto-paths", [])),
            emit=("python",),
            emitter_options={"python": {"package": package}},
        )
        compiled = pipeline.compile_inputs(cfg)
        if compiled.diagnostics.has_errors:
            raise ContractError(compiled.diagnostics.errors())
        files = pipeline.render(compiled.contracts, cfg)
        # The python emitter writes python/<package>/...; the hook places that package at `output`.
        prefix = f"python/{package}/"
        with tempfile.TemporaryDirectory(dir=output.parent if output.parent.exists() else None) as tmp:
            staging = Path(tmp) / package
            for f in files:
                if f.path.startswith(prefix):
                    target = staging / f.path[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(f.content)
            if output.exists():
                shutil.rmtree(output)
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), str(output))


@hookimpl
def hatch_register_build_hook() -> type[BuildHookInterface]:  # type: ignore[type-arg]
    return ContractCodegenBuildHook
