"""Straight-line protobuf converters for the python-ports emitter.

For every record of a protobuf contract, ``_wire_fill_<Record>(message, record)`` writes the record into
a message of the embedded descriptor in place (sub-messages and ``add()`` on repeated messages, several
times cheaper than constructing each message from keyword arguments), and ``_wire_read_<Record>(message)``
reads a message into the dict that ``msgspec.convert`` validates into the record. Generated rather than
interpreted at run time: one function call per record instead of one per field.
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence

import msgspec


class WireField(msgspec.Struct, frozen=True):
    attr: str  # attribute of the record class
    name: str  # protobuf field name, also the record's wire name
    kind: str  # plain | uuid | decimal | date | time | datetime | duration | enum | record
    shape: str  # one (implicit presence) | opt (explicit presence) | list | map
    ref: object  # record: the record's class name; enum: ((name, number), ...)


class WireRecord(msgspec.Struct, frozen=True):
    class_name: str
    fields: tuple[WireField, ...]


def fill_name(class_name: str) -> str:
    return f"_wire_fill_{class_name}"


def read_name(class_name: str) -> str:
    return f"_wire_read_{class_name}"


def _get(obj: str, name: str) -> str:
    return f"{obj}.{name}" if name.isidentifier() and not keyword.iskeyword(name) else f"getattr({obj}, {name!r})"


class WireWriter:
    def __init__(self) -> None:
        self.enums: dict[object, int] = {}  # enum ref -> index of its two lookup tables

    def enum_index(self, ref: object) -> int:
        return self.enums.setdefault(ref, len(self.enums))

    def to_wire(self, f: WireField, v: str) -> str:
        if f.kind in ("uuid", "decimal"):
            return f"str({v})"
        if f.kind in ("date", "time"):
            return f"{v}.isoformat()"
        if f.kind == "enum":
            return f"_WIRE_ENUM_{self.enum_index(f.ref)}_NUMBERS[{v}.value]"
        return v

    def from_wire(self, f: WireField, v: str) -> str:
        if f.kind == "datetime":
            return f"ports.timestamp_datetime({v})"
        if f.kind == "duration":
            return f"{v}.ToTimedelta()"
        if f.kind == "enum":
            table = f"_WIRE_ENUM_{self.enum_index(f.ref)}_NAMES"
            return f"{table}.get({v}, {v})"  # an unknown number fails validation and is dead-lettered
        if f.kind == "record":
            return f"{read_name(str(f.ref))}({v})"
        return v  # strings and numbers: msgspec.convert parses and checks them

    def fill_lines(self, f: WireField) -> list[str]:
        value = f"r.{f.attr}"
        target = _get("m", f.name)
        if f.kind == "record":
            fill = fill_name(str(f.ref))
            if f.shape == "list":
                return [f"for item in {value}:", f"    {fill}({target}.add(), item)"]
            if f.shape == "map":
                return [f"for key, item in {value}.items():", f"    {fill}({target}[key], item)"]
            body = [f"{target}.SetInParent()", f"{fill}({target}, {value})"]  # present even if all defaults
        elif f.kind in ("datetime", "duration"):
            method = "FromDatetime" if f.kind == "datetime" else "FromTimedelta"
            if f.shape == "list":
                return [f"for item in {value}:", f"    {target}.add().{method}(item)"]
            if f.shape == "map":
                return [f"for key, item in {value}.items():", f"    {target}[key].{method}(item)"]
            body = [f"{target}.{method}({value})"]
        elif f.shape == "list":
            items = value if f.kind == "plain" else f"[{self.to_wire(f, 'item')} for item in {value}]"
            return [f"{target}.extend({items})"]
        elif f.shape == "map":
            converted = f"{{key: {self.to_wire(f, 'item')} for key, item in {value}.items()}}"
            return [f"{target}.update({value if f.kind == 'plain' else converted})"]
        elif f.name.isidentifier() and not keyword.iskeyword(f.name):
            body = [f"m.{f.name} = {self.to_wire(f, value)}"]
        else:
            body = [f"setattr(m, {f.name!r}, {self.to_wire(f, value)})"]
        if f.shape == "opt":
            return [f"if {value} is not None:"] + [f"    {line}" for line in body]
        return body

    def read_entry(self, f: WireField) -> str:
        source = _get("m", f.name)
        if f.shape == "list":
            return f"[{self.from_wire(f, 'item')} for item in {source}]" if f.kind != "plain" else f"list({source})"
        if f.shape == "map":
            if f.kind == "plain":
                return f"dict({source})"
            return f"{{key: {self.from_wire(f, 'item')} for key, item in {source}.items()}}"
        return self.from_wire(f, source)

    def functions(self, r: WireRecord) -> str:
        fill = [line for f in r.fields for line in self.fill_lines(f)] or ["pass"]
        lines = [f"def {fill_name(r.class_name)}(m: typing.Any, r: {r.class_name}) -> None:\n"]
        lines += [f"    {line}\n" for line in fill]
        lines.append(f"\n\ndef {read_name(r.class_name)}(m: typing.Any) -> dict[str, typing.Any]:\n")
        always = [f for f in r.fields if f.shape != "opt"]
        lines.append("    out: dict[str, typing.Any] = {\n")
        lines += [f"        {f.name!r}: {self.read_entry(f)},\n" for f in always]
        lines.append("    }\n")
        for f in r.fields:
            if f.shape == "opt":
                lines.append(f"    if m.HasField({f.name!r}):\n")
                lines.append(f"        out[{f.name!r}] = {self.read_entry(f)}\n")
        lines.append("    return out\n")
        return "".join(lines)

    def tables(self) -> str:
        out: list[str] = []
        for ref, i in self.enums.items():
            pairs = tuple(ref) if isinstance(ref, tuple) else ()
            numbers = ", ".join(f"{name!r}: {number!r}" for name, number in pairs)
            names = ", ".join(f"{number!r}: {name!r}" for name, number in pairs)  # an alias: the last name
            out.append(f"_WIRE_ENUM_{i}_NUMBERS: typing.Final[dict[str, int]] = {{{numbers}}}\n")
            out.append(f"_WIRE_ENUM_{i}_NAMES: typing.Final[dict[int, str]] = {{{names}}}\n")
        return "".join(out)


def wire_module_code(records: Sequence[WireRecord]) -> str:
    """The converter functions of every record, then the enum tables they use."""
    writer = WireWriter()
    functions = "\n\n".join(writer.functions(r) for r in records)
    return writer.tables() + "\n\n" + functions
