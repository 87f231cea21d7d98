"""The one registry of emitters. ``generate`` looks emitters up here by name."""

from __future__ import annotations

from typing import Any

from codegen.emitters.base import Emitter, OutputFile

__all__ = ["Emitter", "OutputFile", "registry"]


def registry() -> dict[str, Emitter[Any]]:
    # Imported here so that `contract-codegen lint` never pays for templates and formatters.
    from codegen.emitters.ir_json import IrJsonEmitter
    from codegen.emitters.package import PackageEmitter
    from codegen.emitters.python_models import PythonModelsEmitter

    emitters: list[Emitter[Any]] = [IrJsonEmitter(), PythonModelsEmitter(), PackageEmitter()]
    return {e.name: e for e in emitters}
