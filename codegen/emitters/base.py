"""The emitter interface. Every emitter is a pure function of the IR and its own options: it returns
files as (relative path, bytes) and never touches the disk (the writer does that)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Generic, TypeVar

import msgspec

from codegen import ir

GENERATED_MARK = "@generated"


class OutputFile(msgspec.Struct, frozen=True, order=True):
    path: str  # POSIX path relative to the output root
    content: bytes


class NoOptions(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


OptionsT = TypeVar("OptionsT", bound=msgspec.Struct)


class Emitter(Generic[OptionsT]):
    """Subclass, set ``name``, ``description`` and ``options_type``, implement ``generate``."""

    name: ClassVar[str]
    description: ClassVar[str]
    options_type: ClassVar[type[msgspec.Struct]] = NoOptions

    def parse_options(self, raw: Mapping[str, object]) -> OptionsT:
        """Each emitter validates its own options strictly; unknown keys are errors."""
        return msgspec.convert(dict(raw), self.options_type)  # type: ignore[return-value]

    def generate(self, contracts: Sequence[ir.Contract], options: OptionsT) -> list[OutputFile]:
        raise NotImplementedError
