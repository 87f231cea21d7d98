"""The ir-json emitter: the IR of each contract as stable, indented JSON (for goldens and debugging)."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import msgspec

from codegen import ir
from codegen.emitters.base import Emitter, NoOptions, OutputFile

_PLAIN = (str, int, float, bool, type(None))


def to_jsonable(node: object) -> object:
    """Structs become objects tagged with their node kind, so unions in the IR stay unambiguous.
    (Every `generate` records the whole IR in the lock file through this: it is kept fast.)"""
    if isinstance(node, enum.Enum):
        return node.value
    if isinstance(node, _PLAIN):
        return node
    if isinstance(node, msgspec.Struct):
        out: dict[str, object] = {"$kind": type(node).__name__}
        for name in node.__struct_fields__:
            out[name] = to_jsonable(getattr(node, name))
        return out
    if isinstance(node, (list, tuple)):
        return [to_jsonable(x) for x in node]
    if isinstance(node, dict):
        return {str(k): to_jsonable(v) for k, v in node.items()}
    return node


class IrJsonEmitter(Emitter[NoOptions]):
    name = "ir-json"
    description = "the compiler's IR of every contract as JSON (goldens, debugging, other tools)"

    def generate(self, contracts: Sequence[ir.Contract], options: NoOptions) -> list[OutputFile]:
        files = []
        majors: dict[str, set[int]] = {}
        for c in contracts:
            majors.setdefault(c.name, set()).add(c.major)
        for c in contracts:
            doc = {"@generated": f"by contract-codegen from {c.source.path}. DO NOT EDIT.", "contract": to_jsonable(c)}
            body = msgspec.json.format(msgspec.json.encode(doc, order="sorted"), indent=2) + b"\n"
            # several major versions of one contract in one run: one file each, as the other emitters do
            stem = f"{c.name}.v{c.major}" if len(majors[c.name]) > 1 else c.name
            files.append(OutputFile(f"ir/{stem}.json", body))
        return files
