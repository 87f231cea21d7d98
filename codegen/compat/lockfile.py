"""contracts.lock.json: what the compiler last compiled, committed beside the contracts.

Per contract name, a history of versions, each with its IR as the ir-json emitter writes it. A later
`breaking --against contracts.lock.json` (or the compiler's version check) reads it back into IR values.
Writing merges: a version already in the lock is replaced, a new one appended, so *_TRANSITIVE modes
can check every earlier version. Output is byte-stable (sorted keys, two-space indent, trailing newline).

The ir-json emitter is imported by the functions that read or write a lock, so that `breaking` against
a directory or a git ref never loads it for this module.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from codegen import ir
from codegen.compat.versions_order import version_key
from codegen.diagnostics import Location

LOCK_FORMAT = 2
# Format 1 predates the protobuf features the IR now resolves per element (UTF-8 validation, closed enums,
# JSON support); those locks are read with the values their syntax gave, as the compiler then derived them.
READABLE_FORMATS = (1, 2)
LOCK_NAME = "contracts.lock.json"
_NODES: dict[str, type[Any]] = {
    name: obj for name, obj in vars(ir).items() if isinstance(obj, type) and issubclass(obj, msgspec.Struct)
}
_NODES["Location"] = Location
# Fields holding contract JSON values, kept as they are (a default may itself be an object or list).
_RAW_FIELDS = frozenset({"default", "examples"})


class LockError(Exception):
    """The lock file cannot be read or is not one."""


def write_lock(contracts: Sequence[ir.Contract], path: Path) -> None:
    """Record ``contracts`` in the lock at ``path``, keeping the other versions already there."""
    from codegen.emitters.ir_json import to_jsonable

    history: dict[str, dict[str, ir.Contract]] = {}
    if path.exists():
        for c in read_lock(path):
            history.setdefault(c.name, {})[c.version] = c
    for c in contracts:
        history.setdefault(c.name, {})[c.version] = c
    doc = {
        "lock_format": LOCK_FORMAT,
        "@generated": "by contract-codegen: what it last compiled. Commit it; do not edit.",
        "contracts": {
            name: [
                {"version": v, "ir": to_jsonable(c)}
                for v, c in sorted(versions.items(), key=lambda item: version_key(item[0]))
            ]
            for name, versions in sorted(history.items())
        },
    }
    body = msgspec.json.format(msgspec.json.encode(doc, order="sorted"), indent=2) + b"\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(body)
    tmp.replace(path)


def read_lock(path: Path) -> list[ir.Contract]:
    """Every version of every contract in the lock, as IR values."""
    try:
        doc = msgspec.json.decode(path.read_bytes())
    except (OSError, msgspec.DecodeError) as exc:
        raise LockError(f"cannot read lock file {path}: {exc}") from None
    if (
        not isinstance(doc, dict)
        or doc.get("lock_format") not in READABLE_FORMATS
        or not isinstance(doc.get("contracts"), dict)
    ):
        raise LockError(f"{path} is not a contracts lock file (format {LOCK_FORMAT})")
    out: list[ir.Contract] = []
    try:
        for entries in doc["contracts"].values():
            for entry in entries:
                node = from_jsonable(entry["ir"])
                if not isinstance(node, ir.Contract):
                    raise LockError(f"{path}: entry is not a contract")
                out.append(node if doc["lock_format"] >= 2 else _syntax_features(node))
    except (KeyError, TypeError, ValueError) as exc:
        raise LockError(f"{path}: malformed entry: {exc}") from None
    return out


def _syntax_features(contract: ir.Contract) -> ir.Contract:
    """A format-1 protobuf contract with the features of its syntax filled in (proto2 or proto3)."""
    if contract.source.language is not ir.SchemaLanguage.PROTOBUF:
        return contract
    proto2 = contract.source.dialect == "proto2"

    def field(f: ir.Field) -> ir.Field:
        if f.proto is None or f.proto.proto_type != "string":
            return f
        return msgspec.structs.replace(
            f, proto=msgspec.structs.replace(f.proto, utf8_validation="NONE" if proto2 else "VERIFY")
        )

    records = tuple(
        msgspec.structs.replace(r, json_best_effort=proto2, fields=tuple(field(f) for f in r.fields))
        for r in contract.records
    )
    enums = tuple(msgspec.structs.replace(e, closed=proto2, json_best_effort=proto2) for e in contract.enums)
    return msgspec.structs.replace(contract, records=records, enums=enums)


def from_jsonable(data: object) -> object:
    """The inverse of ``to_jsonable``: tagged objects back to IR structs, lists to tuples."""
    if isinstance(data, dict) and "$kind" in data:
        cls = _NODES.get(str(data["$kind"]))
        if cls is None:
            raise ValueError(f"unknown IR node {data['$kind']!r}")
        kwargs: dict[str, object] = {}
        hints = _hints(cls)
        for name in cls.__struct_fields__:
            if name not in data:
                continue  # a lock written before the field existed: its default applies
            kwargs[name] = _field_value(name, data[name], hints[name])
        return cls(**kwargs)
    if isinstance(data, list):
        return tuple(from_jsonable(x) for x in data)
    return data


def _field_value(name: str, value: object, hint: object) -> object:
    if name in _RAW_FIELDS:
        return tuple(value) if isinstance(value, list) and name == "examples" else value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(value, list):
        return tuple(from_jsonable(x) for x in value)
    return from_jsonable(value)


_HINTS: dict[type[Any], dict[str, object]] = {}


def _hints(cls: type[Any]) -> dict[str, object]:
    """Field annotations, resolved once per class (a plain enum annotation is all that is converted)."""
    if cls not in _HINTS:
        _HINTS[cls] = dict(typing.get_type_hints(cls, vars(ir)))
    return _HINTS[cls]


LATER_PROTO_FACTS = ("default_set", "type_name", "field")


def fingerprint(contract: ir.Contract) -> object:
    """The contract with every location and source path left out: what 'changed' means for versioning."""
    from codegen.emitters.ir_json import to_jsonable

    return _strip(to_jsonable(contract))


def _strip(node: object) -> object:
    if isinstance(node, dict):
        if node.get("$kind") == "Location":
            return None
        if node.get("$kind") == "Source":
            return {k: _strip(v) for k, v in node.items() if k not in ("path", "files", "package_location")}
        if node.get("$kind") in ("ProtoField", "ProtoExtension"):
            # Facts kept for the breaking-change rules, later than some lock files: a change in them alone is
            # a changed type or default, which those rules report; an upgraded compiler is no change.
            return {k: _strip(v) for k, v in node.items() if k not in LATER_PROTO_FACTS}
        return {k: _strip(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip(x) for x in node]
    return node


def contracts_by_name(contracts: Iterable[ir.Contract]) -> dict[str, list[ir.Contract]]:
    out: dict[str, list[ir.Contract]] = {}
    for c in contracts:
        out.setdefault(c.name, []).append(c)
    return out
