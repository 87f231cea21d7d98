"""Differential run against `buf breaking`: random .proto files, each changed at random, judged by both tools.

A file is drawn as a small model (messages with scalar, enum, message, map and oneof fields, nested types,
reserved ranges, proto2 defaults and extension ranges, enums, services, file options), rendered to text, then
changed by one to three mutations drawn from the kinds buf's WIRE, WIRE_JSON, FILE and PACKAGE rules look at.
A change protoc refuses is drawn again. Every file of a batch has its own package, so a batch of many files
is one comparison per category for each tool, and the findings are compared as (file, rule) pairs.

    python -m tests.compat.proto_fuzz --batches 20 --files 40 --seed 1

prints each disagreement with both files. The test suite runs a few seeded batches
(tests/compat/test_proto_fuzz.py); longer runs are for hunting.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# -- the model ------------------------------------------------------------------------------------------

INTEGERS = ["int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"]
SCALARS = [*INTEGERS, "bool", "string", "bytes", "float", "double"]
MAP_KEYS = [*INTEGERS, "bool", "string"]
PACKABLE = [s for s in SCALARS if s not in ("string", "bytes")]
WELL_KNOWN = {
    "google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
    "google.protobuf.Duration": "google/protobuf/duration.proto",
    "google.protobuf.Int64Value": "google/protobuf/wrappers.proto",
    "google.protobuf.StringValue": "google/protobuf/wrappers.proto",
    "google.protobuf.BoolValue": "google/protobuf/wrappers.proto",
    "google.protobuf.Struct": "google/protobuf/struct.proto",
    "google.protobuf.Value": "google/protobuf/struct.proto",
    "google.protobuf.Any": "google/protobuf/any.proto",
    "google.protobuf.Empty": "google/protobuf/empty.proto",
    "google.protobuf.FieldMask": "google/protobuf/field_mask.proto",
}
FILE_OPTIONS = {
    "go_package": ['"example.com/a;a"', '"example.com/b;b"'],
    "java_package": ['"com.example.a"', '"com.example.b"'],
    "java_outer_classname": ['"OuterA"', '"OuterB"'],
    "java_multiple_files": ["true", "false"],
    "optimize_for": ["SPEED", "CODE_SIZE", "LITE_RUNTIME"],
    "cc_enable_arenas": ["true", "false"],
    "csharp_namespace": ['"Example.A"', '"Example.B"'],
    "objc_class_prefix": ['"EXA"', '"EXB"'],
    "php_namespace": ['"Example\\\\A"', '"Example\\\\B"'],
    "ruby_package": ['"Example::A"', '"Example::B"'],
    "swift_prefix": ['"ExA"', '"ExB"'],
    "java_string_check_utf8": ["true", "false"],
    "cc_generic_services": ["true", "false"],
    "java_generic_services": ["true", "false"],
    "py_generic_services": ["true", "false"],
}


@dataclass
class Field:
    name: str
    number: int
    type: str  # a scalar, or a message or enum named relative to the file's package
    label: str = ""  # "", "optional", "repeated", "required"
    key: str | None = None  # set for a map field: map<key, type>
    oneof: str | None = None
    options: dict[str, str] = field(default_factory=dict)  # json_name, packed, jstype, ctype, default
    group: list[Field] | None = None  # proto2 `group`: its body's fields (type is "group")


@dataclass
class EnumValue:
    name: str
    number: int


@dataclass
class Enum:
    name: str
    values: list[EnumValue]
    allow_alias: bool = False
    reserved_numbers: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)
    closed: bool = False  # editions only: `option features.enum_type = CLOSED`


@dataclass
class Message:
    name: str
    fields: list[Field] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    reserved_numbers: list[int] = field(default_factory=list)
    reserved_names: list[str] = field(default_factory=list)
    extension_ranges: list[tuple[int, int]] = field(default_factory=list)  # proto2 only
    reserved_to_max: int | None = None  # `reserved N to max;`
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Rpc:
    name: str
    request: str
    response: str
    client_streaming: bool = False
    server_streaming: bool = False
    idempotency: str | None = None


@dataclass
class Service:
    name: str
    rpcs: list[Rpc]


@dataclass
class ProtoFile:
    path: str
    syntax: str
    package: str
    options: dict[str, str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # files of the same batch this one imports
    extensions: list[tuple[str, Field]] = field(default_factory=list)  # (extended message, field); not proto3
    companion: ProtoFile | None = None  # a second file of the package, for types moved between files

    def files(self) -> list[ProtoFile]:
        return [self] if self.companion is None else [self, self.companion]


# -- walking the model ----------------------------------------------------------------------------------


def all_messages(f: ProtoFile) -> Iterator[tuple[str, Message]]:
    """Every message with its name relative to the package (Outer.Inner)."""

    def walk(prefix: str, messages: list[Message]) -> Iterator[tuple[str, Message]]:
        for m in messages:
            yield prefix + m.name, m
            yield from walk(prefix + m.name + ".", m.messages)

    yield from walk("", f.messages)


def all_enums(f: ProtoFile) -> Iterator[tuple[str, Enum, list[Enum]]]:
    """Every enum with its relative name and the list that holds it."""
    for e in f.enums:
        yield e.name, e, f.enums
    for name, m in all_messages(f):
        for e in m.enums:
            yield f"{name}.{e.name}", e, m.enums


def all_fields(f: ProtoFile) -> Iterator[tuple[Message, Field]]:
    for _, m in all_messages(f):
        for fl in m.fields:
            yield m, fl


def referenced(f: ProtoFile) -> set[str]:
    used = {fl.type for _, fl in all_fields(f)} | {fl.type for _, fl in f.extensions}
    for s in f.services:
        for r in s.rpcs:
            used |= {r.request, r.response}
    return used


# -- rendering ------------------------------------------------------------------------------------------


def _ranges(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers))


def _field_line(f: ProtoFile, fl: Field) -> str:
    options = dict(fl.options)
    label = fl.label
    if f.syntax == "editions":
        # Presence is a feature: explicit by default, so `optional` is spelled by saying nothing.
        if label == "required":
            options["features.field_presence"] = "LEGACY_REQUIRED"
        elif label == "" and fl.oneof is None and fl.key is None and _scalar_or_enum(f, fl.type):
            options["features.field_presence"] = "IMPLICIT"
        label = "repeated" if label == "repeated" else ""
    elif f.syntax == "proto2" and not label and fl.oneof is None:
        label = "optional"
    shown = ", ".join(f"{k} = {v}" for k, v in sorted(options.items()))
    suffix = f" [{shown}]" if shown else ""
    if fl.key is not None:
        return f"map<{fl.key}, {fl.type}> {fl.name} = {fl.number}{suffix};"
    return f"{label + ' ' if label else ''}{fl.type} {fl.name} = {fl.number}{suffix};"


def _field_lines(f: ProtoFile, fl: Field, indent: str) -> list[str]:
    if fl.type != "group" or fl.group is None:
        return [indent + _field_line(f, fl)]
    # The group's type is its field name capitalized; the field is that name in lower case.
    label = fl.label or ("" if fl.oneof is not None else "optional")
    head = f"{indent}{label + ' ' if label else ''}group {fl.name.capitalize()} = {fl.number} {{"
    return [head, *(f"{indent}  {_field_line(f, inner)}" for inner in fl.group), f"{indent}}}"]


def _scalar_or_enum(f: ProtoFile, type_: str) -> bool:
    return type_ in SCALARS or type_ in {n for n, _, _ in all_enums(f)}


def _enum_lines(e: Enum, indent: str) -> list[str]:
    out = [f"{indent}enum {e.name} {{"]
    if e.closed:
        out.append(f"{indent}  option features.enum_type = CLOSED;")
    if e.allow_alias:
        out.append(f"{indent}  option allow_alias = true;")
    out += [f"{indent}  {v.name} = {v.number};" for v in e.values]
    if e.reserved_numbers:
        out.append(f"{indent}  reserved {_ranges(e.reserved_numbers)};")
    if e.reserved_names:
        out.append(f"{indent}  reserved {', '.join(json.dumps(n) for n in sorted(e.reserved_names))};")
    return [*out, f"{indent}}}"]


def _message_lines(f: ProtoFile, m: Message, indent: str) -> list[str]:
    out = [f"{indent}message {m.name} {{"]
    inner = indent + "  "
    out += [f"{inner}option {k} = {v};" for k, v in sorted(m.options.items())]
    for e in m.enums:
        out += _enum_lines(e, inner)
    for nested in m.messages:
        out += _message_lines(f, nested, inner)
    oneofs: dict[str, list[Field]] = {}
    for fl in m.fields:
        if fl.oneof is None:
            out += _field_lines(f, fl, inner)
        else:
            oneofs.setdefault(fl.oneof, []).append(fl)
    for name, members in oneofs.items():
        out.append(f"{inner}oneof {name} {{")
        out += [line for fl in members for line in _field_lines(f, fl, inner + "  ")]
        out.append(f"{inner}}}")
    if m.reserved_numbers:
        out.append(f"{inner}reserved {_ranges(m.reserved_numbers)};")
    if m.reserved_names:
        out.append(f"{inner}reserved {', '.join(json.dumps(n) for n in sorted(m.reserved_names))};")
    if m.reserved_to_max is not None:
        out.append(f"{inner}reserved {m.reserved_to_max} to max;")
    for lo, hi in m.extension_ranges:
        out.append(f"{inner}extensions {lo} to {hi};")
    return [*out, f"{indent}}}"]


def render(f: ProtoFile) -> str:
    head = 'edition = "2023";' if f.syntax == "editions" else f'syntax = "{f.syntax}";'
    out = [head, "", f"package {f.package};", ""]
    used = {fl.type for _, fl in all_fields(f)} | {fl.type for _, fl in f.extensions}
    imports = sorted({WELL_KNOWN[t] for t in used if t in WELL_KNOWN} | set(f.imports))
    out += [*(f'import "{i}";' for i in imports), ""] if imports else []
    out += [f"option {k} = {v};" for k, v in sorted(f.options.items())]
    for e in f.enums:
        out += ["", *_enum_lines(e, "")]
    for m in f.messages:
        out += ["", *_message_lines(f, m, "")]
    for extendee, fl in f.extensions:
        out += ["", f"extend {extendee} {{", f"  {_field_line(f, fl)}", "}"]
    for s in f.services:
        out += ["", f"service {s.name} {{"]
        for r in s.rpcs:
            req = f"{'stream ' if r.client_streaming else ''}{r.request}"
            resp = f"{'stream ' if r.server_streaming else ''}{r.response}"
            body = f" {{ option idempotency_level = {r.idempotency}; }}" if r.idempotency else ";"
            out.append(f"  rpc {r.name}({req}) returns ({resp}){body}")
        out.append("}")
    return "\n".join(out) + "\n"


# -- drawing a file -------------------------------------------------------------------------------------


class Drawer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counter = 0

    def ident(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def enum(self, syntax: str) -> Enum:
        name = self.ident("E")
        count = self.rng.randint(1, 4)
        upper = name.upper()
        values = [EnumValue(f"{upper}_V{i}", i) for i in range(count)]
        e = Enum(name, values)
        if self.rng.random() < 0.2:
            e.reserved_numbers = [count + 5]
            e.reserved_names = [f"{upper}_OLD"]
        return e

    def scalar_field(self, syntax: str, number: int) -> Field:
        rng = self.rng
        fl = Field(self.ident("f_"), number, rng.choice(SCALARS))
        roll = rng.random()
        if roll < 0.2:
            fl.label = "repeated"
        elif roll < 0.35:
            fl.label = "optional"
        elif syntax != "proto3" and roll < 0.4:
            fl.label = "required"
        if rng.random() < 0.1:
            fl.options["json_name"] = json.dumps(self.ident("j"))
        if syntax != "proto3" and fl.label in ("optional", "required") and rng.random() < 0.15:
            fl.options["default"] = _default_for(fl.type, rng)
        if fl.type in ("int64", "uint64", "sint64", "fixed64", "sfixed64") and rng.random() < 0.15:
            fl.options["jstype"] = rng.choice(["JS_STRING", "JS_NUMBER"])
        if fl.label == "repeated" and fl.type in PACKABLE and rng.random() < 0.2:
            if syntax == "editions":
                fl.options["features.repeated_field_encoding"] = "EXPANDED"
            else:
                fl.options["packed"] = "true" if syntax == "proto2" else "false"
        return fl

    def message(self, f: ProtoFile, depth: int = 0) -> Message:
        rng = self.rng
        m = Message(self.ident("M"))
        if depth == 0 and rng.random() < 0.3:
            m.enums.append(self.enum(f.syntax))
        if depth == 0 and rng.random() < 0.3:
            m.messages.append(self.message(f, depth + 1))
        numbers = iter(range(1, 100))
        for _ in range(rng.randint(1, 6)):
            m.fields.append(self.scalar_field(f.syntax, next(numbers)))
        targets = [n for n, _ in all_messages(f)] + [e.name for e in f.enums]
        targets += [f"{m.name}.{e.name}" for e in m.enums] + [f"{m.name}.{x.name}" for x in m.messages]
        if f.companion is not None:
            targets += [x.name for x in f.companion.messages]
        if rng.random() < 0.4:
            targets.append(rng.choice(sorted(WELL_KNOWN)))
        if targets and rng.random() < 0.6:
            fl = Field(self.ident("f_"), next(numbers), rng.choice(targets))
            if rng.random() < 0.3:
                fl.label = "repeated"
            m.fields.append(fl)
        if rng.random() < 0.25:
            value = rng.choice([*SCALARS[:-2], *targets]) if targets else "string"
            if value in ("float", "double"):
                value = "string"
            m.fields.append(Field(self.ident("f_"), next(numbers), value, key=rng.choice(MAP_KEYS)))
        if rng.random() < 0.3:
            oneof = self.ident("choice_")
            for _ in range(rng.randint(1, 3)):
                fl = self.scalar_field(f.syntax, next(numbers))
                fl.label = ""
                fl.options.pop("default", None)
                fl.options.pop("packed", None)
                fl.oneof = oneof
                m.fields.append(fl)
        if f.syntax == "proto2" and rng.random() < 0.15:
            body = [self.scalar_field("proto2", n) for n in range(1, rng.randint(2, 3))]
            for inner in body:
                inner.label = "optional" if inner.label in ("", "required") else inner.label
            label = rng.choice(["optional", "repeated"])
            m.fields.append(Field(self.ident("grp"), next(numbers), "group", label, group=body))
        if rng.random() < 0.2:
            m.reserved_numbers = [150 + rng.randint(0, 9)]
            m.reserved_names = [self.ident("gone_")]
        if f.syntax != "proto3" and rng.random() < 0.25:
            m.extension_ranges = [(1000, 1999)]
        if rng.random() < 0.1:
            m.reserved_to_max = 500 + rng.randint(0, 9) * 100
        if rng.random() < 0.05:
            m.options["no_standard_descriptor_accessor"] = "true"
        return m

    def file(self, index: int) -> ProtoFile:
        rng = self.rng
        roll = rng.random()
        syntax = "proto2" if roll < 0.25 else "editions" if roll < 0.4 else "proto3"
        f = ProtoFile(f"p{index}/f{index}.proto", syntax, f"fz.p{index}")
        if rng.random() < 0.25:
            companion = ProtoFile(f"p{index}/g{index}.proto", syntax, f.package)
            companion.messages.append(self.message(companion))
            f.companion, f.imports = companion, [companion.path]
        for option in rng.sample(sorted(FILE_OPTIONS), rng.randint(0, 3)):
            if not (syntax == "editions" and option == "java_string_check_utf8"):
                f.options[option] = rng.choice(FILE_OPTIONS[option])
        for _ in range(rng.randint(0, 2)):
            f.enums.append(self.enum(syntax))
        for _ in range(rng.randint(1, 4)):
            f.messages.append(self.message(f))
        extendable = [n for n, m in all_messages(f) if m.extension_ranges]
        for number in range(1000, 1000 + (rng.randint(0, 2) if extendable else 0)):
            ext = self.scalar_field(syntax, number)
            ext.label = rng.choice(["optional", "repeated"])
            ext.options.pop("packed", None)
            ext.options.pop("features.repeated_field_encoding", None)
            f.extensions.append((rng.choice(extendable), ext))
        if rng.random() < 0.3:
            names = [n for n, _ in all_messages(f)]
            rpcs = [Rpc(self.ident("Call"), rng.choice(names), rng.choice(names)) for _ in range(rng.randint(1, 3))]
            f.services.append(Service(self.ident("Svc"), rpcs))
        return f


def _default_for(type_: str, rng: random.Random) -> str:
    if type_ == "bool":
        return rng.choice(["true", "false"])
    if type_ in ("string", "bytes"):
        return json.dumps(rng.choice(["a", "b"]))
    if type_ in ("float", "double"):
        return rng.choice(["1.5", "2.5"])
    return str(rng.randint(1, 3))


# -- mutations ------------------------------------------------------------------------------------------

Mutation = Callable[[ProtoFile, random.Random, Drawer], str | None]  # returns a label, or None if not applicable
MUTATIONS: dict[str, Mutation] = {}


def mutation(fn: Mutation) -> Mutation:
    MUTATIONS[fn.__name__] = fn
    return fn


def _pick_field(
    f: ProtoFile, rng: random.Random, ok: Callable[[Field], bool] = lambda _: True
) -> tuple[Message, Field] | None:
    found = [(m, fl) for m, fl in all_fields(f) if ok(fl)]
    return rng.choice(found) if found else None


def _free_number(m: Message, rng: random.Random) -> int:
    taken = {fl.number for fl in m.fields} | set(m.reserved_numbers)
    return rng.choice([n for n in range(1, 200) if n not in taken])


@mutation
def delete_field(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng)
    if picked is None:
        return None
    m, fl = picked
    m.fields.remove(fl)
    how = rng.choice(["plain", "number", "name", "both"])
    if how in ("number", "both"):
        m.reserved_numbers.append(fl.number)
    if how in ("name", "both"):
        m.reserved_names.append(fl.name)
    return f"delete_field({how})"


@mutation
def add_field(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    messages = [m for _, m in all_messages(f)]
    if not messages:
        return None
    m = rng.choice(messages)
    fl = d.scalar_field(f.syntax, _free_number(m, rng))
    m.fields.append(fl)
    return "add_field"


@mutation
def rename_field(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng)
    if picked is None:
        return None
    picked[1].name = d.ident("renamed_")
    return "rename_field"


@mutation
def renumber_field(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng)
    if picked is None:
        return None
    m, fl = picked
    fl.number = _free_number(m, rng)
    return "renumber_field"


@mutation
def swap_field_numbers(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    candidates = [m for _, m in all_messages(f) if len(m.fields) >= 2]
    if not candidates:
        return None
    a, b = rng.sample(rng.choice(candidates).fields, 2)
    a.number, b.number = b.number, a.number
    return "swap_field_numbers"


@mutation
def change_field_type(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng)
    if picked is None:
        return None
    _, fl = picked
    choices = list(SCALARS) + [n for n, _ in all_messages(f)] + [n for n, _, _ in all_enums(f)] + sorted(WELL_KNOWN)
    if fl.key is not None:
        choices = [c for c in choices if c not in ("float", "double")] or ["string"]
    fl.type, fl.group = rng.choice([c for c in choices if c != fl.type]), None
    fl.options.pop("default", None)
    fl.options.pop("jstype", None)
    if fl.type not in PACKABLE:
        fl.options.pop("packed", None)
    return f"change_field_type({fl.type})"


@mutation
def change_label(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng, lambda fl: fl.key is None and fl.oneof is None)
    if picked is None:
        return None
    _, fl = picked
    labels = ["", "optional", "repeated"] + (["required"] if f.syntax != "proto3" else [])
    fl.label = rng.choice([x for x in labels if x != fl.label])
    if fl.label == "repeated":
        fl.options.pop("default", None)
    else:
        fl.options.pop("packed", None)
    return f"change_label({fl.label or 'implicit'})"


@mutation
def map_to_repeated(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng, lambda fl: fl.key is not None)
    if picked is None:
        return None
    picked[1].key = None
    picked[1].label = "repeated"
    return "map_to_repeated"


@mutation
def change_map_key(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng, lambda fl: fl.key is not None)
    if picked is None:
        return None
    picked[1].key = rng.choice([k for k in MAP_KEYS if k != picked[1].key])
    return "change_map_key"


@mutation
def set_json_name(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng)
    if picked is None:
        return None
    fl = picked[1]
    if "json_name" in fl.options and rng.random() < 0.5:
        del fl.options["json_name"]
    else:
        fl.options["json_name"] = json.dumps(d.ident("j"))
    return "set_json_name"


@mutation
def field_options(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng, lambda fl: fl.key is None)
    if picked is None:
        return None
    fl = picked[1]
    option = rng.choice(["jstype", "packed", "ctype", "default", "deprecated", "features"])
    if option in fl.options:
        del fl.options[option]
    elif option == "jstype" and fl.type in ("int64", "uint64", "sint64", "fixed64", "sfixed64"):
        fl.options["jstype"] = rng.choice(["JS_STRING", "JS_NUMBER", "JS_NORMAL"])
    elif option == "packed" and fl.label == "repeated" and fl.type in PACKABLE and f.syntax != "editions":
        fl.options["packed"] = rng.choice(["true", "false"])
    elif option == "ctype" and fl.type in ("string", "bytes") and f.syntax != "proto3":
        fl.options["ctype"] = rng.choice(["CORD", "STRING_PIECE", "STRING"])
    elif option == "default" and f.syntax != "proto3" and fl.label != "repeated" and fl.type in SCALARS:
        fl.options["default"] = _default_for(fl.type, rng)
    elif option == "deprecated":
        fl.options["deprecated"] = "true"
    elif option == "features" and f.syntax == "editions":
        name, values = rng.choice(
            [
                ("features.utf8_validation", ["NONE", "VERIFY"]),
                ("features.repeated_field_encoding", ["EXPANDED", "PACKED"]),
                ("features.field_presence", ["EXPLICIT", "IMPLICIT"]),
            ]
        )
        if name == "features.field_presence":
            fl.label = rng.choice(["", "optional"])  # presence is spelled by the label, see _field_line
        else:
            fl.options[name] = rng.choice(values)
    else:
        return None
    return f"field_options({option})"


@mutation
def oneof_membership(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng, lambda fl: fl.key is None and fl.label != "repeated")
    if picked is None:
        return None
    m, fl = picked
    if fl.oneof is not None:
        fl.oneof = None if rng.random() < 0.5 else d.ident("choice_")
    else:
        existing = sorted({x.oneof for x in m.fields if x.oneof})
        fl.oneof = rng.choice(existing) if existing and rng.random() < 0.5 else d.ident("choice_")
        fl.label = ""
        fl.options.pop("default", None)
    return "oneof_membership"


@mutation
def rename_oneof(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    picked = _pick_field(f, rng, lambda fl: fl.oneof is not None)
    if picked is None:
        return None
    m, fl = picked
    old, new = fl.oneof, d.ident("choice_")
    for x in m.fields:
        if x.oneof == old:
            x.oneof = new
    return "rename_oneof"


@mutation
def drop_reserved(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    holders: list[Message | Enum] = [m for _, m in all_messages(f)] + [e for _, e, _ in all_enums(f)]
    holders = [
        h
        for h in holders
        if h.reserved_numbers or h.reserved_names or (isinstance(h, Message) and h.reserved_to_max is not None)
    ]
    if not holders:
        return None
    h = rng.choice(holders)
    kinds = [k for k, held in (("numbers", h.reserved_numbers), ("names", h.reserved_names)) if held]
    if isinstance(h, Message) and h.reserved_to_max is not None:
        kinds.append("to max")
    kind = rng.choice(kinds)
    if kind == "numbers":
        h.reserved_numbers.pop()
    elif kind == "names":
        h.reserved_names.pop()
    elif isinstance(h, Message) and h.reserved_to_max is not None:
        h.reserved_to_max = None if rng.random() < 0.5 else h.reserved_to_max + 50
    return f"drop_reserved({kind})"


def _enum_pick(f: ProtoFile, rng: random.Random) -> Enum | None:
    enums = [e for _, e, _ in all_enums(f)]
    return rng.choice(enums) if enums else None


@mutation
def delete_enum_value(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    e = _enum_pick(f, rng)
    if e is None or len(e.values) < 2:
        return None
    v = rng.choice(e.values[1:])
    e.values.remove(v)
    how = rng.choice(["plain", "number", "name"])
    if how == "number":
        e.reserved_numbers.append(v.number)
    elif how == "name":
        e.reserved_names.append(v.name)
    return f"delete_enum_value({how})"


@mutation
def rename_enum_value(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    e = _enum_pick(f, rng)
    if e is None:
        return None
    rng.choice(e.values).name = d.ident(f"{e.name.upper()}_R")
    return "rename_enum_value"


@mutation
def renumber_enum_value(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    e = _enum_pick(f, rng)
    if e is None or len(e.values) < 2:
        return None
    v = rng.choice(e.values[1:])
    taken = {x.number for x in e.values} | set(e.reserved_numbers)
    v.number = rng.choice([n for n in range(1, 40) if n not in taken])
    return "renumber_enum_value"


@mutation
def add_enum_alias(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    e = _enum_pick(f, rng)
    if e is None:
        return None
    e.allow_alias = True
    e.values.append(EnumValue(d.ident(f"{e.name.upper()}_A"), rng.choice(e.values).number))
    return "add_enum_alias"


@mutation
def add_enum_value(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    e = _enum_pick(f, rng)
    if e is None:
        return None
    taken = {x.number for x in e.values} | set(e.reserved_numbers)
    e.values.append(EnumValue(d.ident(f"{e.name.upper()}_N"), rng.choice([n for n in range(1, 40) if n not in taken])))
    return "add_enum_value"


@mutation
def delete_enum(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    used = referenced(f)
    choices = [(n, e, holder) for n, e, holder in all_enums(f) if n not in used]
    if not choices:
        return None
    _, e, holder = rng.choice(choices)
    holder.remove(e)
    return "delete_enum"


@mutation
def delete_message(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    used = referenced(f)
    choices = []
    for name, m in all_messages(f):
        inner = {n for n, _ in all_messages(ProtoFile("", "", "", messages=[m]))}
        inner |= {n for n, _, _ in all_enums(ProtoFile("", "", "", messages=[m]))}
        prefix = name.rsplit(".", 1)[0] + "." if "." in name else ""
        if not ({prefix + n for n in inner} & used):
            choices.append(name)
    if not choices:
        return None
    name = rng.choice(choices)
    parent = f.messages
    if "." in name:
        parent = dict(all_messages(f))[name.rsplit(".", 1)[0]].messages
    parent[:] = [m for m in parent if m.name != name.rsplit(".", 1)[-1]]
    return "delete_message"


@mutation
def rename_message(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    tops = [m for m in f.messages if not m.messages and not m.enums]
    if not tops:
        return None
    m = rng.choice(tops)
    old, m.name = m.name, d.ident("M")
    for _, fl in all_fields(f):
        if fl.type == old:
            fl.type = m.name
    for s in f.services:
        for r in s.rpcs:
            r.request = m.name if r.request == old else r.request
            r.response = m.name if r.response == old else r.response
    return "rename_message"


@mutation
def change_package(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    f.package += ".v2"
    return "change_package"


@mutation
def change_file_option(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    option = rng.choice(sorted(FILE_OPTIONS))
    if f.syntax == "editions" and option == "java_string_check_utf8":
        return None
    values = [v for v in FILE_OPTIONS[option] if v != f.options.get(option)]
    if option in f.options and rng.random() < 0.4:
        del f.options[option]
    else:
        f.options[option] = rng.choice(values)
    return f"change_file_option({option})"


@mutation
def change_syntax(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    if f.syntax == "proto3":
        f.syntax = "proto2"
        for _, fl in all_fields(f):
            if fl.label == "repeated" and fl.type in PACKABLE and "packed" not in fl.options:
                fl.options["packed"] = "true" if rng.random() < 0.5 else "false"
                if fl.options["packed"] == "false":
                    del fl.options["packed"]
        return "proto3_to_proto2"
    was, f.syntax = f.syntax, "proto3"
    for _, e, _ in all_enums(f):
        e.closed = False
    f.extensions = []
    for _, m in all_messages(f):
        m.extension_ranges = []
    for _, fl in all_fields(f):
        fl.options.pop("default", None)
        fl.options.pop("ctype", None)
        if fl.label == "required" or (fl.label == "" and fl.oneof is None and rng.random() < 0.5):
            fl.label = "optional"
        for feature in [k for k in fl.options if k.startswith("features.")]:
            del fl.options[feature]
    return f"{was}_to_proto3"


@mutation
def to_editions(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    """proto2 or proto3 to edition 2023, keeping what the file meant; now and then one meaning is lost."""
    if f.syntax == "editions":
        return None
    was, careless = f.syntax, rng.random() < 0.3
    for g in f.files():
        g.syntax = "editions"
        g.options.pop("java_string_check_utf8", None)  # refused in editions by buf's compiler (not protoc)
        for _, e, _ in all_enums(g):
            e.closed = was == "proto2" and not (careless and rng.random() < 0.5)
        for _, fl in all_fields(g):
            if was == "proto2" and fl.label == "" and fl.oneof is None:
                fl.label = "optional"
            packed = fl.options.pop("packed", None)
            if fl.label == "repeated" and fl.type in PACKABLE:
                expanded = packed == "false" if was == "proto3" else packed != "true"
                if expanded and not (careless and rng.random() < 0.5):
                    fl.options["features.repeated_field_encoding"] = "EXPANDED"
            if was == "proto2" and fl.type == "string" and not (careless and rng.random() < 0.5):
                fl.options["features.utf8_validation"] = "NONE"
    return f"to_editions(from {was}{', careless' if careless else ''})"


@mutation
def enum_closedness(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    e = _enum_pick(f, rng)
    if e is None or f.syntax != "editions":
        return None
    e.closed = not e.closed
    return "enum_closedness"


@mutation
def move_between_files(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    other = f.companion
    if other is None:
        return None
    source, target = (f, other) if rng.random() < 0.6 else (other, f)
    if not source.messages:
        return None
    m = rng.choice(source.messages)
    source.messages.remove(m)
    target.messages.append(m)
    if target is other and rng.random() < 0.5:
        other.imports = [f.path]  # a moved message may use the main file's types
        f.imports = []
    return "move_between_files"


@mutation
def companion_file(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    if f.companion is None:
        return None
    if rng.random() < 0.5:
        f.companion, f.imports = None, []
        return "companion_file(deleted)"
    f.companion.path = f.companion.path.replace("/g", "/h")
    f.imports = [f.companion.path]
    return "companion_file(renamed)"


@mutation
def group_change(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    """A group becomes a message field of the same fields (other bytes on the wire), or its body changes."""
    picked = _pick_field(f, rng, lambda fl: fl.group is not None)
    if picked is None:
        return None
    _, fl = picked
    assert fl.group is not None
    if rng.random() < 0.5:
        twin = Message(d.ident("M"), fields=fl.group)
        f.messages.append(twin)
        fl.type, fl.group = twin.name, None
        return "group_change(to message)"
    inner = rng.choice(fl.group)
    inner.type = rng.choice([t for t in SCALARS if t != inner.type])
    inner.options.clear()
    return "group_change(body retyped)"


@mutation
def extension_change(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    if not f.extensions:
        return None
    extendee, ext = rng.choice(f.extensions)
    kind = rng.choice(["delete", "renumber", "retype", "rename", "relabel"])
    if kind == "delete":
        f.extensions.remove((extendee, ext))
    elif kind == "renumber":
        ext.number = rng.randint(1000, 1999)
    elif kind == "retype":
        ext.type = rng.choice([t for t in SCALARS if t != ext.type])
        ext.options.pop("default", None)
        ext.options.pop("jstype", None)
    elif kind == "rename":
        ext.name = d.ident("ext_")
    else:
        ext.label = "repeated" if ext.label != "repeated" else "optional"
        ext.options.pop("default", None)
    return f"extension_change({kind})"


@mutation
def unnest_message(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    """A nested message moved to the file's top level: a new full name, the same shape."""
    nested = [(outer, m) for outer in f.messages for m in outer.messages if not m.messages and not m.enums]
    if not nested:
        return None
    outer, m = rng.choice(nested)
    outer.messages.remove(m)
    f.messages.append(m)
    old, new = f"{outer.name}.{m.name}", m.name
    for _, fl in all_fields(f):
        fl.type = new if fl.type == old else fl.type
    for service in f.services:
        for r in service.rpcs:
            r.request, r.response = (new if t == old else t for t in (r.request, r.response))
    return "unnest_message"


@mutation
def file_features(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    """Edition features set for the whole file (presence stays per field, see _field_line)."""
    if f.syntax != "editions":
        return None
    name, value = rng.choice(
        [
            ("features.json_format", "LEGACY_BEST_EFFORT"),
            ("features.enum_type", "CLOSED"),
            ("features.utf8_validation", "NONE"),
            ("features.repeated_field_encoding", "EXPANDED"),
        ]
    )
    if f.options.pop(name, None) is None:
        f.options[name] = value
    return f"file_features({name})"


@mutation
def message_extension_range(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    if f.syntax != "proto2":
        return None
    messages = [m for _, m in all_messages(f)]
    if not messages:
        return None
    m = rng.choice(messages)
    m.extension_ranges = [] if m.extension_ranges else [(1000, 1999)]
    return "message_extension_range"


@mutation
def message_option(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    messages = [m for _, m in all_messages(f)]
    if not messages:
        return None
    m = rng.choice(messages)
    if m.options:
        m.options.clear()
    else:
        m.options["no_standard_descriptor_accessor"] = "true"
    return "message_option"


@mutation
def service_change(f: ProtoFile, rng: random.Random, d: Drawer) -> str | None:
    if not f.services:
        return None
    s = rng.choice(f.services)
    r = rng.choice(s.rpcs)
    names = [n for n, _ in all_messages(f)]
    if not names:
        return None
    kind = rng.choice(["delete_rpc", "delete_service", "request", "response", "client", "server", "idempotency"])
    if kind == "delete_rpc":
        s.rpcs.remove(r)
        if not s.rpcs:
            f.services.remove(s)
    elif kind == "delete_service":
        f.services.remove(s)
    elif kind == "request":
        r.request = rng.choice(names)
    elif kind == "response":
        r.response = rng.choice(names)
    elif kind == "client":
        r.client_streaming = not r.client_streaming
    elif kind == "server":
        r.server_streaming = not r.server_streaming
    else:
        levels = [None, "NO_SIDE_EFFECTS", "IDEMPOTENT", "IDEMPOTENCY_UNKNOWN"]
        r.idempotency = rng.choice([x for x in levels if x != r.idempotency])
    return f"service_change({kind})"


def mutate(f: ProtoFile, rng: random.Random, d: Drawer) -> tuple[ProtoFile, list[str]]:
    changed = copy.deepcopy(f)
    labels: list[str] = []
    while len(labels) < rng.choice([1, 1, 2, 3]):
        label = MUTATIONS[rng.choice(sorted(MUTATIONS))](changed, rng, d)
        if label:
            labels.append(label)
    return changed, labels


# -- judging --------------------------------------------------------------------------------------------

CATEGORIES = ("WIRE", "WIRE_JSON", "FILE", "PACKAGE")


def protoc_accepts(f: ProtoFile) -> bool:
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        for g in f.files():
            Path(tmp, g.path).parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, g.path).write_text(render(g), encoding="utf-8")
        out = Path(tmp, "out.pb")
        args = ["protoc", f"-I{tmp}", f"-I{well_known}", f"--descriptor_set_out={out}", *(g.path for g in f.files())]
        saved = os.dup(2)  # protoc reports on file descriptor 2; a refused draw is expected, not news
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 2)
                return bool(protoc.main(args) == 0)
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _text(f: ProtoFile) -> str:
    return "".join(f"// {g.path}\n{render(g)}" for g in f.files())


def draw_pair(drawer: Drawer, index: int) -> tuple[ProtoFile, ProtoFile, list[str]]:
    """A valid package (a file, sometimes with a companion) and a valid change of it."""
    rng = drawer.rng
    while True:
        base = drawer.file(index)
        if protoc_accepts(base):
            break
    for _ in range(30):
        changed, labels = mutate(base, rng, drawer)
        if _text(changed) != _text(base) and protoc_accepts(changed):
            return base, changed, labels
    return base, base, ["none"]


Judged = set[tuple[str, str, str]]  # (file, rule, message)


def buf_findings(buf: str, root: Path, category: str) -> Judged:
    for side in ("previous", "current"):
        (root / side / "buf.yaml").write_text(f"version: v2\nbreaking:\n  use:\n    - {category}\n")
    result = subprocess.run(
        [buf, "breaking", "current", "--against", "previous", "--error-format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 100):
        raise RuntimeError(result.stderr)
    found: Judged = set()
    for line in result.stdout.splitlines():
        item = json.loads(line)
        rule, message = item["type"], item["message"]
        if rule == "COMPILE":
            raise RuntimeError(f"buf refused a file protoc accepted: {item}")
        if "path" in item:
            found.add((item["path"].removeprefix("current/"), rule, message))
        elif match := re.search(r'file "([^"]+)" was deleted', message):
            found.add((match.group(1), rule, message))
        elif match := re.search(r'package "fz\.p(\d+)[."]', message):
            # a package deleted: every file of a batch has its own package, fz.pN in pN/fN.proto
            found.add((f"p{match.group(1)}/f{match.group(1)}.proto", rule, message))
        else:
            # buf counts the well-known types a file imports as part of their package (google.protobuf),
            # so one imported no more reads as deleted; they are not the batch's files, and not compared
            assert 'package "google.protobuf"' in message, item
    return found


def our_findings(root: Path) -> dict[str, Judged]:
    from codegen.compat import Category, check
    from codegen.compat.sources import compile_current
    from codegen.config import Config

    with contextlib.chdir(root):
        sides = []
        for side in ("previous", "current"):
            loaded = compile_current(Config(inputs=(Path(side),), output=Path("unused"), proto_paths=(), emit=()))
            errors = [diag.format() for diag in loaded.diagnostics if diag.is_error]
            if errors:
                raise RuntimeError("\n".join(errors))
            sides.append(loaded.contracts)
        result: dict[str, Judged] = {}
        for category in CATEGORIES:
            findings = check(sides[0], sides[1], categories=[Category(category)])
            result[category] = {(f.location.path.split("/", 1)[1], f.rule, f.message) for f in findings if f.is_error}
        return result


# Where we differ from buf on purpose (docs/breaking-changes.md says why): each excuse sees one file's pair
# and one finding that only one side made, and says whether the difference is the deliberate one.
FIELD_LEVEL = re.compile(r"FIELD_|MESSAGE_SAME_REQUIRED_FIELDS")


def excused(side: str, rule: str, message: str, ours: set[str], previous: ProtoFile, current: ProtoFile) -> bool:
    # A field that keeps its name under a new number is reported once as renumbered (FIELD_SAME_NUMBER);
    # buf pairs by number, so it sees a deletion, and compares whatever field now holds the old number.
    if "FIELD_SAME_NUMBER" in ours and FIELD_LEVEL.match(rule):
        return True
    # buf's MESSAGE_SAME_REQUIRED_FIELDS reads proto2's `required` label only, not editions' LEGACY_REQUIRED:
    # it misses a field made required in editions, and takes `required` turned LEGACY_REQUIRED for a change.
    if rule == "MESSAGE_SAME_REQUIRED_FIELDS" and "editions" in (previous.syntax, current.syntax):
        return True
    # A map's entry message is synthetic: renaming or deleting the map field, or turning it into a repeated
    # field, deletes no message that code or data names, and two entries of the same key and value types
    # are the same type. buf compares the entries as messages.
    if side == "buf" and re.search(r'Entry"', message):
        return True
    # buf says nothing of the last enum or message deleted from a package (its per-package index then has
    # no entry to compare); a deletion is one all the same.
    # buf (v1.75) reports no PACKAGE_EXTENSION_NO_DELETE, though its documentation gives the rule
    # EXTENSION_NO_DELETE's effect within a package (tests/compat/test_fixtures.py, EXTENSION_IN_PACKAGE).
    if side == "ours" and rule == "PACKAGE_EXTENSION_NO_DELETE":
        return True
    left = [g for g in current.files() if g.package == previous.package]
    if side == "ours" and rule == "PACKAGE_ENUM_NO_DELETE":
        return not any(list(all_enums(g)) for g in left)
    return side == "ours" and rule == "PACKAGE_MESSAGE_NO_DELETE" and not any(g.messages for g in left)


@dataclass
class Disagreement:
    path: str
    category: str
    only_ours: set[str]
    only_buf: set[str]
    labels: list[str]
    previous: str
    current: str

    def show(self) -> str:
        return (
            f"== {self.path} {self.category} after {', '.join(self.labels)}\n"
            f"only ours: {sorted(self.only_ours)}\nonly buf: {sorted(self.only_buf)}\n"
            f"-- previous\n{self.previous}-- current\n{self.current}"
        )


DELETIONS = re.compile(r"\w*_NO_DELETE\w*$")


def by_package(found: Judged, main: dict[str, str]) -> Judged:
    """A deletion is placed by buf in a current file (where the package, or the type that lost a field,
    oneof or value, now is), and by us where the deleted thing was declared, in the previous version (the
    better place to look). The two differ when a type moved between files: deletions count for the
    package's main file."""
    return {(main.get(p, p) if DELETIONS.match(r) else p, r, m) for p, r, m in found}


def compare(
    path: str, ours: Judged, theirs: Judged, buf_rules: frozenset[str], pair: tuple[ProtoFile, ProtoFile]
) -> tuple[set[str], set[str]]:
    """Rules only we report, and rules only buf reports, for one file, after the deliberate differences."""
    mine = {(r, m) for p, r, m in ours if p == path}
    all_ours = {r for r, _ in mine}
    package = {g.path for side in pair for g in side.files()}
    in_package = {r for p, r, _ in ours if p in package}  # a message that moved is judged in its new file
    mine = {(r, m) for r, m in mine if r in buf_rules}
    bufs = {(r, m) for p, r, m in theirs if p == path}
    only_ours = {r for r, m in mine if r not in {x for x, _ in bufs} and not excused("ours", r, m, in_package, *pair)}
    only_buf = {r for r, m in bufs if r not in all_ours and not excused("buf", r, m, in_package, *pair)}
    return only_ours, only_buf


def run_batch(
    buf: str, seed: int, files: int, buf_rules: frozenset[str], keep: Path | None = None
) -> list[Disagreement]:
    """One batch; ``keep``: leave its previous/ and current/ folders there, to run either tool by hand."""
    rng = random.Random(seed)
    drawer = Drawer(rng)
    pairs: dict[str, tuple[ProtoFile, ProtoFile, list[str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = keep / str(seed) if keep is not None else Path(tmp)
        for i in range(files):
            base, changed, labels = draw_pair(drawer, i)
            pairs[base.path] = (base, changed, labels)
            for side, model in (("previous", base), ("current", changed)):
                for g in model.files():
                    target = root / side / g.path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(render(g), encoding="utf-8")
        main = {g.path: path for path, (a, b, _) in pairs.items() for g in a.files() + b.files()}
        ours = {category: by_package(found, main) for category, found in our_findings(root).items()}
        out = []
        for category in CATEGORIES:
            theirs = by_package(buf_findings(buf, root, category), main)
            for base, changed, labels in pairs.values():
                for path in sorted({g.path for g in base.files() + changed.files()}):
                    only_ours, only_buf = compare(path, ours[category], theirs, buf_rules, (base, changed))
                    if only_ours or only_buf:
                        shown = Disagreement(path, category, only_ours, only_buf, labels, _text(base), _text(changed))
                        out.append(shown)
        return out


def main() -> int:
    from tests.compat.conftest import buf_binary, buf_rule_ids

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=5, help="disagreements printed in full")
    parser.add_argument("--keep", type=Path, help="leave each batch's folders under this directory")
    args = parser.parse_args()
    buf = buf_binary()
    if buf is None:
        print("the buf binary is missing (pip install buf-bin)", file=sys.stderr)
        return 2
    rules = buf_rule_ids(buf)
    total: list[Disagreement] = []
    for batch in range(args.batches):
        found = run_batch(buf, args.seed + batch, args.files, rules, args.keep)
        total += found
        print(f"batch {args.seed + batch}: {args.files} pairs, {len(found)} disagreements", flush=True)
    for d in total[: args.show]:
        print(d.show())
    for d in total:
        print(f"{d.path} {d.category} {', '.join(d.labels)}: ours {sorted(d.only_ours)}, buf {sorted(d.only_buf)}")
    kinds: dict[str, int] = {}
    for d in total:
        for rule in sorted(d.only_ours):
            kinds[f"only ours {d.category} {rule}"] = kinds.get(f"only ours {d.category} {rule}", 0) + 1
        for rule in sorted(d.only_buf):
            kinds[f"only buf {d.category} {rule}"] = kinds.get(f"only buf {d.category} {rule}", 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"{count:5d}  {kind}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
