"""A crash fuzzer for the frontends: mutated contracts must give exit 0 or located diagnostics (exit 2).

The project's promise: every contract error prints as ``path:line:col: CODE message``, exits 2 and
writes nothing. This module mutates the example contracts and small seeds of its own (JSON Schema:
values of other kinds, JSON Schema and x- keywords at random places; protobuf: the contract and
field options' values, mostly keeping the file parseable) and runs ``generate`` and ``lint`` in
process through click's CliRunner (every third case with every emitter but `package` and `migrations`).
A finding is an escaped exception, another exit code, an unlocated diagnostic or warning line, output on
disk after an error, or generated records (and ports modules) that do not import.

    python -m tests.frontends.frontend_fuzz --cases 2000 --seed 1 [--keep DIR] [--kind json|proto]
    python -m tests.frontends.frontend_fuzz --seed 1 --dump N --keep DIR   # case N again, e.g. after protoc
                                                                          # aborted the process (see --keep)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from codegen.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
FIXTURES = Path(__file__).resolve().parent

DIAG_LINE = re.compile(r"^[^:\n]+:\d+:\d+: [EW]\d{3} ")
Json = object  # any JSON value (dicts, lists, str, int, float, bool, None)

# ---------------------------------------------------------------------------------------------- seeds

_SMALL_JSON: list[dict[str, object]] = [
    {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Thing",
        "type": "object",
        "x-contract": {
            "name": "things",
            "version": "1.0.0",
            "owner": {"team": "t", "contact": "t@example.com"},
            "ports": [{"name": "things", "stream": {"subject": "things.v1", "key_fields": ["id"]}}],
        },
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "amount": {"type": "string", "x-decimal": {"precision": 10, "scale": 2}},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "kind": {"enum": ["a", "b"]},
            "child": {"$ref": "#/$defs/Child"},
        },
        "required": ["id"],
        "additionalProperties": False,
        "$defs": {
            "Child": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]}
        },
    },
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Plain",
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": ["number", "null"]}},
    },
    {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Shape",
        "x-contract": {"name": "shapes", "version": "0.1.0"},
        "type": "object",
        "properties": {
            "shape": {
                "oneOf": [{"$ref": "#/$defs/Circle"}, {"$ref": "#/$defs/Square"}],
                "discriminator": {"propertyName": "kind"},
            }
        },
        "required": ["shape"],
        "$defs": {
            "Circle": {
                "type": "object",
                "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}},
                "required": ["kind", "r"],
            },
            "Square": {
                "type": "object",
                "properties": {"kind": {"const": "square"}, "side": {"type": "number"}},
                "required": ["kind", "side"],
            },
        },
    },
]

_SMALL_PROTO = [
    """syntax = "proto3";
package fuzz.v1;
import "contract/v1/options.proto";
import "google/protobuf/timestamp.proto";
option (contract.v1.contract) = {
  name: "things"
  version: "1.0.0"
  owner { team: "t" contact: "t@example.com" }
  slo { freshness: "PT5M" availability: 0.99 }
  record: "Thing"
  ports { name: "things" stream { subject: "things.v1" key_fields: "id" retention: "P1D" } }
  ports { name: "things-table" table { table: "x.things" key_fields: "id" partition_by: "day" } }
};
// A thing.
message Thing {
  string id = 1 [(contract.v1.field) = { format: "uuid" }];
  string amount = 2 [(contract.v1.field) = { decimal { precision: 10 scale: 2 } }];
  repeated string tags = 3 [(contract.v1.field) = { constraints { max_items: 3 min_items: 0 } }];
  string day = 4 [(contract.v1.field) = { format: "date" examples: ["2024-01-01"] }];
  int64 n = 5 [(contract.v1.field) = { constraints { minimum: 0 maximum: 10 } }];
  google.protobuf.Timestamp at = 6;
  Child child = 7;
  map<string, int32> counts = 8;
  oneof choice { string s = 9; int32 i = 10; }
}
message Child { optional string name = 1 [(contract.v1.field) = { pii: true classification: "restricted" }]; }
""",
    """syntax = "proto3";
package plain.v1;
message Plain { string a = 1; repeated int32 b = 2; }
""",
]


def seeds_json() -> list[str]:
    """The small JSON Schema seeds of this module, as text."""
    return [json.dumps(doc, indent=2) for doc in _SMALL_JSON]


@dataclass
class Seed:
    kind: str  # "json" or "proto"
    files: dict[str, str]  # relative path -> text
    target: str  # the file mutated


def seeds() -> list[Seed]:
    out: list[Seed] = []

    def read(*paths: Path, base: Path) -> dict[str, str]:
        return {p.relative_to(base).as_posix(): p.read_text() for p in paths}

    out.append(
        Seed(
            "json",
            read(CONTRACTS / "customers/customers.schema.json", base=CONTRACTS),
            "customers/customers.schema.json",
        )
    )
    out.append(
        Seed("json", read(CONTRACTS / "catalog/catalog.schema.json", base=CONTRACTS), "catalog/catalog.schema.json")
    )
    pay = read(
        CONTRACTS / "payments/payments.schema.json", CONTRACTS / "shared/definitions.schema.json", base=CONTRACTS
    )
    out.append(Seed("json", pay, "payments/payments.schema.json"))
    out.append(Seed("json", pay, "shared/definitions.schema.json"))
    for p in sorted((FIXTURES / "json_fixtures").glob("*.json")):
        out.append(Seed("json", {p.name: p.read_text()}, p.name))
    for i, doc in enumerate(_SMALL_JSON):
        name = f"small{i}.schema.json"
        out.append(Seed("json", {name: json.dumps(doc, indent=2)}, name))
    orders = read(CONTRACTS / "orders/orders.proto", CONTRACTS / "orders/common/address.proto", base=CONTRACTS)
    out.append(Seed("proto", orders, "orders/orders.proto"))
    out.append(Seed("proto", orders, "orders/common/address.proto"))
    for p in sorted((FIXTURES / "proto_fixtures").glob("*.proto")):
        out.append(Seed("proto", {p.name: p.read_text()}, p.name))
    for i, text in enumerate(_SMALL_PROTO):
        out.append(Seed("proto", {f"small{i}.proto": text}, f"small{i}.proto"))
    return out


# ------------------------------------------------------------------------------------ JSON mutations

_STRINGS = [
    "",
    " ",
    "x",
    "NaN",
    "Infinity",
    "-0",
    "1e400",
    "ü𝔘\u0000",
    "$",
    "#",
    "#/",
    "a/b",
    "..",
    "%",
    "\\",
    "(",
    "[",
    "*",
    "uuid",
    "date",
    "date-time",
    "email",
    "PT5M",
    "P",
    "P1X",
    "1.0",
    "1.0.0",
    "v1",
    "01.2.3",
    "1.0.0-rc.1",
    "string",
    "integer",
    "object",
    "null",
    "array",
    "number",
    "boolean",
    "x" * 300,
    "class",
    "None",
    "__init__",
    "1abc",
    "a-b",
    "a b",
    "customer_id",
    "order_id",
    "id",
    "n",
    "kind",
    "BACKWARD",
    "FULL",
    "nope",
    "a\ud800b",
    "http://[::1",
    "#/%zz",
    "urn:x",
    "a\nb",
    'q"',
    "b\\s",
    "$ref",
]
_NUMBERS: list[object] = [
    0,
    -1,
    1,
    2,
    10**30,
    -(10**30),
    2**63,
    2**64,
    0.5,
    -0.0,
    1e308,
    -1e308,
    1.5e-300,
    3.14,
    7,
    float("inf"),
    float("nan"),
    10**400,
]
# Keywords whose value is a number (a bound or a count); the fuzzer draws numbers of every size for them.
_NUMERIC_KEYWORDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
)
_KEYWORDS = [
    "type",
    "enum",
    "const",
    "items",
    "prefixItems",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "$ref",
    "$defs",
    "definitions",
    "format",
    "pattern",
    *_NUMERIC_KEYWORDS[:-1],
    "uniqueItems",
    "contentEncoding",
    "contentMediaType",
    "default",
    "discriminator",
    "title",
    "description",
    "examples",
    "if",
    "then",
    "else",
    "dependentRequired",
    "$id",
    "$anchor",
    "$schema",
    "minProperties",
    "propertyNames",
    "unevaluatedProperties",
    "nullable",
    "readOnly",
    "x-contract",
    "x-pii",
    "x-decimal",
    "x-classification",
    "x-enum-names",
    "x-unknown",
]
_TYPES = ["string", "integer", "number", "boolean", "object", "array", "null"]


def _scalar(rng: random.Random) -> Json:
    r = rng.random()
    if r < 0.45:
        return rng.choice(_STRINGS)
    if r < 0.8:
        return rng.choice(_NUMBERS)
    if r < 0.9:
        return rng.choice([True, False])
    return None


def _small_value(rng: random.Random, depth: int = 0) -> Json:
    r = rng.random()
    if depth > 2 or r < 0.55:
        return _scalar(rng)
    if r < 0.75:
        return [_small_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(_KEYWORDS + _STRINGS[:10]): _small_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def _schema_value(rng: random.Random, depth: int = 0) -> dict[str, Json]:
    t = rng.choice(_TYPES)
    s: dict[str, Json] = {"type": t}
    if t == "object" and depth < 2:
        s["properties"] = {rng.choice(_STRINGS[40:]): _schema_value(rng, depth + 1) for _ in range(rng.randint(0, 2))}
    if t == "array" and depth < 2:
        s["items"] = _schema_value(rng, depth + 1)
    return s


def _keyword_value(rng: random.Random, key: str, defs: list[str]) -> Json:
    """A value for ``key``: plausible half the time, a value of the wrong kind otherwise."""
    if rng.random() < 0.12:
        return _small_value(rng)
    if key == "type":
        return rng.choice([rng.choice(_TYPES), rng.sample(_TYPES, rng.randint(0, 3)), "nope"])
    if key in ("enum", "examples"):
        return [_scalar(rng) for _ in range(rng.randint(0, 4))]
    if key in ("const", "default", "examples") and rng.random() < 0.05:  # deep: generated code writes it recursively
        depth = rng.choice([50, 97, 98, 150, 400])
        deep: Json = []
        for _ in range(depth):
            deep = [deep]
        return deep
    if key in ("const", "default"):
        return rng.choice([_scalar(rng), [], {}, [1, "a"], {"a": 1}])
    if key in ("items", "not", "additionalProperties", "propertyNames", "unevaluatedProperties", "if", "then", "else"):
        return rng.choice([_schema_value(rng), True, False, {}])
    if key == "prefixItems":
        return [_schema_value(rng) for _ in range(rng.randint(0, 3))]
    if key in ("properties", "patternProperties", "$defs", "definitions"):
        names = ["^[a-z]+$", "(", "x", "id", "a b", "", "class"] if key == "patternProperties" else _STRINGS[40:]
        return {rng.choice(names): _schema_value(rng) for _ in range(rng.randint(0, 3))}
    if key == "required":
        return [rng.choice(_STRINGS[40:]) for _ in range(rng.randint(0, 3))]
    if key in ("allOf", "anyOf", "oneOf"):
        opts: list[Json] = [_schema_value(rng) for _ in range(rng.randint(0, 3))]
        if defs and rng.random() < 0.5:
            opts.append({"$ref": f"#/$defs/{rng.choice(defs)}"})
        return opts
    if key == "$ref":
        return rng.choice(
            [
                "#/$defs/Missing",
                "#",
                "#/properties",
                "missing.json",
                "#/$defs/",
                "other.schema.json#/x",
                "#/definitions/Nope",
                "http://example.com/x.json",
                *[f"#/$defs/{d}" for d in defs],
            ]
        )
    if key in _NUMERIC_KEYWORDS:
        return rng.choice([0, -1, -5, 10**20, 2**64, 0.0, 0.1, 1e308, -1e-308, 3, 1.5, "5", True])
    if key == "pattern":
        return rng.choice(
            [
                "(",
                "[a-",
                "^a+$",
                "(?P<x>a)",
                "\\p{L}",
                "(?<=a)b",
                "a{2,1}",
                "\\",
                "*",
                "(?i)a",
                "\\d+",
                "a{4294967296}",
                "(" * 300 + "a" + ")" * 300,
            ]
        )
    if key == "format":
        return rng.choice(["uuid", "date", "date-time", "time", "email", "uri", "ipv4", "duration", "nope", "", 5])
    if key == "contentEncoding":
        return rng.choice(["base64", "base16", "nope", "", 1])
    if key == "discriminator":
        return rng.choice(
            [
                {"propertyName": "kind"},
                {"propertyName": 5},
                {},
                "kind",
                {"propertyName": "", "mapping": {"a": "#/$defs/Missing"}},
                {"propertyName": "kind", "mapping": 3},
            ]
        )
    if key == "x-contract":
        return _x_contract(rng)
    if key == "x-decimal":
        return rng.choice(
            [
                {"precision": 10, "scale": 2},
                {"precision": 0, "scale": 0},
                {"precision": -1},
                {"precision": 2, "scale": 5},
                {"precision": 10**9, "scale": 1},
                True,
                "10,2",
                [10, 2],
                {"precision": "10", "scale": 2},
                {"scale": 2},
                {"precision": 5, "scale": 2, "x": 1},
            ]
        )
    if key in ("x-pii",):
        return rng.choice([True, False, "yes", 1, None, {}])
    if key == "x-classification":
        return rng.choice(["internal", "confidential", "restricted", "public", "secret", 5, ""])
    if key == "x-enum-names":
        return rng.choice([["A", "B"], {"a": "A"}, [1, 2], "A", [], ["class", "class"]])
    return _small_value(rng)


def _x_contract(rng: random.Random) -> Json:
    base: dict[str, Json] = {"name": "things", "version": "1.0.0"}
    choices: list[Callable[[], None]] = [
        lambda: base.update(name=rng.choice(["", "a b", "1x", "Things", 5, None, "x" * 200, "class", "things"])),
        lambda: base.update(
            version=rng.choice(["1", "1.0", "v1.0.0", "", "1.0.0-", "01.0.0", 1.0, "99999999999999999999.0.0"])
        ),
        lambda: base.update(owner=rng.choice([{"team": "t"}, "t", {"team": 5, "contact": []}, {}, None])),
        lambda: base.update(
            slo=rng.choice(
                [
                    {"freshness": "P"},
                    {"freshness": "PT5M", "availability": 2},
                    {"availability": -1},
                    {"completeness": "x"},
                    [],
                    {"x": 1},
                ]
            )
        ),
        lambda: base.update(
            ports=rng.choice(
                [
                    [],
                    {},
                    [{}],
                    [{"name": "p"}],
                    [{"name": "p", "stream": {"subject": "", "key_fields": ["nope"]}}],
                    [{"name": "p", "table": {"table": "a.b", "key_fields": "id"}}],
                    [{"name": "p", "table": {"table": "", "partition_by": ["nope"]}}],
                    [{"name": "p", "stream": {"subject": "s.v9"}, "record": "Nope"}],
                    [{"name": "p", "stream": {"subject": "s", "retention": "1 day"}}],
                    [{"name": "p", "stream": {}, "table": {}}],
                    [{"name": "p", "stream": {"subject": "s"}}, {"name": "p", "stream": {"subject": "s"}}],
                ]
            )
        ),
        lambda: base.update(compatibility=rng.choice(["NONE", "FULL", "nope", 1, ""])),
        lambda: base.update(tags=rng.choice([[], "x", [1], [""], ["a", "a"]])),
        lambda: base.update(unknown_key=1),
        lambda: base.update(description=rng.choice([5, "", None, "ü"])),
    ]
    for _ in range(rng.randint(1, 3)):
        rng.choice(choices)()
    if rng.random() < 0.1:
        return rng.choice([[], "x", 5, None, {}])
    return base


def _nodes(doc: Json, path: tuple[object, ...] = ()) -> Iterator[tuple[tuple[object, ...], Json]]:
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _nodes(v, (*path, i))


def _set(doc: Json, path: tuple[object, ...], value: Json) -> Json:
    if not path:
        return value
    parent = doc
    for p in path[:-1]:
        parent = parent[p]  # type: ignore[index]
    parent[path[-1]] = value  # type: ignore[index]
    return doc


def mutate_json(text: str, rng: random.Random) -> str:
    if rng.random() < 0.03:  # a few broken files
        cut = rng.randint(0, max(0, len(text) - 1))
        return text[:cut] + rng.choice(["", "}", ",", "\u0000", "]]", "{"]) + text[cut + 1 :]
    doc: Json = json.loads(text)
    defs = list(doc.get("$defs", {}) or doc.get("definitions", {})) if isinstance(doc, dict) else []
    for _ in range(rng.randint(1, 4)):
        nodes = list(_nodes(doc))
        objects = [(p, n) for p, n in nodes if isinstance(n, dict)]
        op = rng.random()
        if op < 0.15:  # replace a value with one of another kind (mostly stopped by the meta-schema: E010)
            path, old = rng.choice(nodes[1:] or nodes)
            new: Json
            if isinstance(old, dict):
                new = rng.choice([[old], [], "x", 5, None, {}])
            elif isinstance(old, list):
                new = rng.choice([{"a": old}, {}, "x", 0, old[:1], old * 2, [*old, _scalar(rng)]])
            else:
                new = _small_value(rng)
            doc = _set(doc, path, new)
        elif op < 0.9 and objects:  # insert a keyword at a random object
            path, node = rng.choice(objects)
            key = rng.choice(_KEYWORDS)
            assert isinstance(node, dict)
            node[key] = _keyword_value(rng, key, defs)
        elif objects:  # delete a key
            path, node = rng.choice(objects)
            assert isinstance(node, dict)
            if node:
                del node[rng.choice(list(node))]
        if rng.random() < 0.05 and isinstance(doc, dict):  # a cycle
            doc.setdefault("$defs", {})
            if isinstance(doc["$defs"], dict):
                doc["$defs"]["A"] = {"$ref": "#/$defs/B"}
                doc["$defs"]["B"] = rng.choice([{"$ref": "#/$defs/A"}, {"allOf": [{"$ref": "#/$defs/A"}]}])
                if isinstance(doc.get("properties"), dict):
                    doc["properties"]["cyc"] = {"$ref": "#/$defs/A"}
    return json.dumps(doc, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5)


# ----------------------------------------------------------------------------------- proto mutations

_PROTO_VALUES = [
    '""',
    '"x"',
    '"1"',
    '"1.0"',
    '"v1.0.0"',
    '"1.0.0"',
    '"P"',
    '"PT5M"',
    '"5 minutes"',
    '"P1X"',
    "0",
    "-1",
    "1.5",
    "1e400",
    "nan",
    "inf",
    "true",
    "false",
    '"ü𝔘"',
    '"nope"',
    '"a b"',
    '"class"',
    "18446744073709551615",
    "-9223372036854775808",
    '"order_id"',
    '"id"',
    '"missing_field"',
    '"Nope"',
    "[]",
    '["a", "a"]',
    "{}",
    '"\\x00"',
    '"\\xff"',
    '"\\377"',
    '"\\ud800"',
    '"\\xc3\\xa9"',
    '"' + "x" * 300 + '"',
    '"uuid"',
    '"date"',
    '"date-time"',
    '"email"',
    '"FULL"',
    '"base64"',
]
_CONTRACT_KEYS = ["name", "version", "description", "compatibility", "tags", "record", "nope", "owner", "slo", "ports"]
_FIELD_SNIPPETS = [
    "pii: true",
    'pii: "yes"',
    'classification: "secret"',
    'classification: ""',
    'format: "uuid"',
    'format: "date"',
    'format: "date-time"',
    'format: "email"',
    'format: "nope"',
    'format: ""',
    'examples: ["x"]',
    'examples: ["1", "2"]',
    'examples: ["\\"x\\""]',
    "decimal { precision: 10 scale: 2 }",
    "decimal { precision: 0 scale: 0 }",
    "decimal { precision: 2 scale: 5 }",
    "decimal { precision: 4000000000 scale: 1 }",
    "decimal { }",
    "constraints { min_length: 5 max_length: 1 }",
    'constraints { pattern: "(" }',
    'constraints { pattern: "^a+$" }',
    'constraints { pattern: "(?<=a)b" }',
    'constraints { pattern: "a{4294967296}" }',
    'constraints { pattern: "" }',
    "constraints { minimum: 5 maximum: 1 }",
    "constraints { multiple_of: 0 }",
    "constraints { multiple_of: -1 }",
    "constraints { multiple_of: nan }",
    "constraints { minimum: inf }",
    "constraints { exclusive_minimum: 1 exclusive_maximum: 1 }",
    "constraints { min_items: 3 max_items: 1 }",
    "constraints { unique_items: true }",
    "constraints { min_length: 18446744073709551615 }",
    "constraints { maximum: 1e308 minimum: -1e308 }",
    "nope: 1",
    "constraints { nope: 1 }",
    'examples: ["' + "[" * 150 + "]" * 150 + '"]',
    'examples: ["raw \udcff byte"]',
]
_PROTO_TYPES = [
    "string",
    "int32",
    "int64",
    "uint64",
    "bool",
    "bytes",
    "double",
    "float",
    "sint32",
    "fixed64",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.Any",
    "google.protobuf.Struct",
    "google.protobuf.StringValue",
    "map<string, string>",
    "map<int64, bytes>",
]


_QUOTE = '"'


def _proto_value(rng: random.Random, old: str) -> str:
    """A value of the old one's kind (string, number, bool, list) nine times in ten, else any value."""
    if rng.random() < 0.1:
        return rng.choice(_PROTO_VALUES)
    if old.startswith('"'):
        return rng.choice([v for v in _PROTO_VALUES if v.startswith('"')])
    if old.startswith("["):
        return rng.choice(["[]", '["a", "a"]', '[""]', '["missing_field"]', '["id", "order_id"]', '["\\"x\\""]'])
    if old in ("true", "false"):
        return rng.choice(["true", "false"])
    return rng.choice(["0", "-1", "1", "1.5", "1e308", "-1e308", "nan", "inf", "2", "18446744073709551615", "-0"])


def mutate_proto(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        opt_lines = [i for i, ln in enumerate(lines) if re.search(r"^\s+\w+: ", ln) or re.search(r"\w+ \{", ln)]
        field_lines = [
            i for i, ln in enumerate(lines) if re.match(r"^\s+(repeated |optional )?[\w.<>, ]+ \w+ = \d+", ln)
        ]
        if op < 0.3 and opt_lines:  # replace the value of a text-format key, mostly with one of its type
            i = rng.choice(opt_lines)
            lines[i] = re.sub(
                r"(\w+): (\"[^\"]*\"|[\w.+-]+|\[[^\]]*\])",
                lambda m: f"{m.group(1)}: {_proto_value(rng, m.group(2))}",
                lines[i],
                count=1,
            )
        elif op < 0.45:  # add a key to the contract option
            idx = next((i for i, ln in enumerate(lines) if "option (contract.v1.contract)" in ln), None)
            if idx is not None:
                key = rng.choice(_CONTRACT_KEYS)
                if key == "owner":
                    val = rng.choice(["owner { }", 'owner { team: "" }', "owner { team: 5 }", 'owner { nope: "x" }'])
                elif key == "slo":
                    val = rng.choice(
                        [
                            'slo { freshness: "P" }',
                            "slo { availability: 2 }",
                            "slo { completeness: -1 }",
                            'slo { freshness: "1h" }',
                            "slo { availability: nan }",
                        ]
                    )
                elif key == "ports":
                    val = rng.choice(
                        [
                            'ports { name: "p" }',
                            'ports { name: "" stream { subject: "" } }',
                            'ports { name: "p" stream { subject: "s.v9" key_fields: "missing" } }',
                            'ports { name: "p" table { table: "a.b" partition_by: "missing" cluster_by: "" } }',
                            'ports { name: "p" stream { subject: "s" retention: "P" } }',
                            'ports { name: "p" record: "Nope" stream { subject: "s" } }',
                            'ports { name: "p" record: "" table { table: "" } }',
                            'ports { name: "order-events" stream { subject: "dup" } }',
                            'ports { name: "p" stream { subject: "s" key_fields: "" } }',
                            'ports { name: "p" table { table: "t" key_fields: "items" } }',
                        ]
                    )
                elif key == "tags":
                    val = f"tags: {_proto_value(rng, '[')}"
                else:
                    val = f"{key}: {_proto_value(rng, _QUOTE)}"
                dup = [j for j in range(idx + 1, len(lines)) if lines[j].strip().startswith(f"{key}:")]
                if dup and key not in ("tags", "ports") and rng.random() < 0.9:  # not a protoc error (set twice)
                    lines[dup[0]] = "  " + val
                else:
                    lines.insert(idx + 1, "  " + val)
        elif op < 0.7 and field_lines:  # add or replace a field option
            i = rng.choice(field_lines)
            ln = lines[i]
            opt = " ".join(rng.sample(_FIELD_SNIPPETS, rng.randint(1, 2)))
            if "[(contract.v1.field)" in ln and ln.rstrip().endswith("];"):
                lines[i] = re.sub(r"\[\(contract\.v1\.field\) = \{.*\}\];", f"[(contract.v1.field) = {{ {opt} }}];", ln)
            elif ln.rstrip().endswith(";") and "[" not in ln:
                lines[i] = ln.rstrip()[:-1] + f" [(contract.v1.field) = {{ {opt} }}];"
        elif op < 0.8 and field_lines:  # change a field's type
            i = rng.choice(field_lines)
            lines[i] = re.sub(
                r"^(\s+)(repeated |optional )?[\w.<>, ]+? (\w+ = \d+)",
                lambda m: (
                    f"{m.group(1)}{rng.choice(['', 'repeated ', 'optional '])}{rng.choice(_PROTO_TYPES)} {m.group(3)}"
                ),
                lines[i],
                count=1,
            )
        elif op < 0.87:  # a message option
            idx = next((i for i, ln in enumerate(lines) if ln.startswith("message ")), None)
            if idx is not None:
                lines.insert(
                    idx + 1,
                    rng.choice(
                        [
                            '  option (contract.v1.message) = { description: "" };',
                            "  option (contract.v1.message) = { description: 5 };",
                            '  option (contract.v1.message) = { nope: "x" };',
                            "  option deprecated = true;",
                            "  reserved 100 to max;",
                            "  extensions 100 to 200;",
                        ]
                    ),
                )
        elif op < 0.95:  # file-level oddities
            lines.insert(
                rng.randint(0, len(lines)),
                rng.choice(
                    [
                        "message Empty {}",
                        "enum E { E_UNSPECIFIED = 0; }",
                        "message class { string def = 1; }",
                        'option (contract.v1.contract) = { name: "dup" };',
                        'import "missing.proto";',
                        "service S { rpc M(Empty) returns (Empty); }",
                        'option (contract.v1.contract).name = "x";',
                        "message Rec { Rec self = 1; repeated Rec kids = 2; }",
                        "message Ext { extensions 10 to 20; }",
                        "// a comment that is not UTF-8: \udcff\udcfe",
                    ]
                ),
            )
        elif op < 0.97:  # break the syntax (rarely: protoc owns that)
            i = rng.randint(0, max(0, len(lines) - 1))
            lines[i] = rng.choice(["", lines[i] + " {", lines[i].replace(";", ""), lines[i].replace("}", ""), "}}"])
    return _fix_imports("\n".join(lines), rng)


_WKT = {"Timestamp": "timestamp", "Duration": "duration", "Any": "any", "Struct": "struct", "StringValue": "wrappers"}


def _fix_imports(text: str, rng: random.Random) -> str:
    """Import what the mutations started to use (mostly: an unresolved name is protoc's E020, not ours)."""
    if rng.random() < 0.05:
        return text
    needed = [
        f"google/protobuf/{_WKT[m]}.proto"
        for m in sorted(set(re.findall(r"google\.protobuf\.(\w+)", text)))
        if m in _WKT
    ]
    if "(contract.v1." in text:
        needed.append("contract/v1/options.proto")
    missing = [f'import "{n}";' for n in needed if f'import "{n}";' not in text]
    if not missing:
        return text
    lines = text.split("\n")
    at = next((i + 1 for i, ln in enumerate(lines) if ln.startswith(("syntax", "package", "edition"))), 0)
    return "\n".join([*lines[:at], *missing, *lines[at:]])


# ------------------------------------------------------------------------------------------- running


@dataclass
class Finding:
    case: int
    kind: str
    command: str
    problem: str
    files: dict[str, str] = field(default_factory=dict)
    detail: str = ""

    def signature(self) -> str:
        """What makes two findings the same bug: the problem and the innermost frame of a traceback."""
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)', self.detail)
        inner = [f for f in frames if "/codegen/" in f[0]]
        where = f"{Path(inner[-1][0]).name}:{inner[-1][2]}" if inner else ""
        last = self.detail.strip().splitlines()[-1] if self.detail.strip() else ""
        exc = last.split(":")[0] if inner else ""
        return f"{self.problem.split(':')[0]} {exc} {where}".strip()


def write_case(root: Path, files: dict[str, str]) -> Path:
    contracts = root / "contracts"
    for rel, text in files.items():
        p = contracts / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        try:  # "\udcff" stands for the raw byte 0xff (a file that is not UTF-8) ...
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # ... other lone surrogates are written as such (CESU-8)
            data = text.encode("utf-8", "surrogatepass")
        p.write_bytes(data)
    return contracts


OUTCOMES: Counter[str] = Counter()  # first error code (or "ok") per generate run, to see how deep cases get


# Every emitter that writes from the IR alone (package builds distributions; migrations need a history).
ALL_EMITTERS = (
    "python",
    "python-ports",
    "python-warehouse",
    "ir-json",
    "jsonschema-export",
    "asyncapi",
    "docs-html",
    "docs-md",
    "sql",
    "dbt",
)


def check_case(
    files: dict[str, str], case: int = 0, kind: str = "", emit: tuple[str, ...] = ()
) -> tuple[list[Finding], Path | None, Path]:
    """Run generate and lint on ``files``. Returns findings, the output folder when generate succeeded
    (for the import check; the caller removes ``root``) and the temporary root."""
    root = Path(tempfile.mkdtemp(prefix="ccfuzz-"))
    write_case(root, files)
    findings: list[Finding] = []
    out = root / "out"
    runner = CliRunner()
    ok_out: Path | None = None
    with contextlib.chdir(root):
        emits = [a for e in emit for a in ("--emit", e)]
        for command in (["generate", "contracts", "-o", "out", "--no-lock", "--quiet", *emits], ["lint", "contracts"]):
            name = command[0]
            result = runner.invoke(main, command)
            problem = ""
            detail = ""
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                problem = f"exception: {type(result.exception).__name__}"
                detail = "".join(traceback.format_exception(result.exception))
            elif result.exit_code not in (0, 2):
                problem = f"exit code {result.exit_code}"
                detail = result.output
            elif result.exit_code == 2:
                lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
                bad = [ln for ln in lines[:-1] if not DIAG_LINE.match(ln)]
                if not lines[:-1]:
                    problem = "exit 2 without diagnostics"
                    detail = result.stderr
                elif bad:
                    problem = "unlocated diagnostic: " + re.sub(r"'.*?'|\".*?\"|\d+", "_", bad[0])[:60]
                    detail = result.stderr
                elif name == "generate" and out.exists():
                    problem = "output written after an error"
                elif not any(ln.split(": ", 1)[1].startswith("E") for ln in lines[:-1]):
                    problem = "exit 2 without an error diagnostic"
                    detail = result.stderr
            else:  # exit 0: warnings only, located too (lint ends with a summary line; generate is --quiet)
                lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
                bad = [ln for ln in (lines[:-1] if name == "lint" else lines) if not DIAG_LINE.match(ln)]
                if bad:
                    problem = "unlocated warning: " + re.sub(r"'.*?'|\".*?\"|\d+", "_", bad[0])[:60]
                    detail = result.stderr
                elif name == "generate":
                    ok_out = out
            if name == "generate":
                codes = re.findall(r": (E\d{3}) ", result.stderr)
                OUTCOMES[f"{kind} {codes[0] if codes else result.exit_code}"] += 1
            if problem:
                findings.append(Finding(case, kind, name, problem, files, detail))
    return findings, ok_out, root


_IMPORT_CHECK = r"""
import importlib, json, sys, pathlib, traceback
bad = {}
for out in sys.argv[1:]:
    pkg = pathlib.Path(out) / "python"
    sys.path.insert(0, str(pkg))
    for name in [m for m in list(sys.modules) if m == "datacontracts" or m.startswith("datacontracts.")]:
        del sys.modules[name]
    for mod in sorted(pkg.rglob("*.py")):
        parts = mod.relative_to(pkg).with_suffix("").parts
        if parts[-1] == "__init__" or parts[-1].endswith("_warehouse"):  # writers need database drivers
            continue
        try:
            importlib.import_module(".".join(parts))
        except BaseException:
            bad[out] = traceback.format_exc()
    sys.path.remove(str(pkg))
print(json.dumps(bad))
"""


def import_check(outs: list[Path]) -> dict[str, str]:
    """Import every generated records module, many output folders in one subprocess."""
    if not outs:
        return {}
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK, *map(str, outs)], capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        return {str(o): proc.stderr for o in outs}
    result: dict[str, str] = json.loads(proc.stdout)
    return result


def make_case(rng: random.Random, pool: list[Seed]) -> tuple[str, dict[str, str]]:
    seed = rng.choice(pool)
    files = dict(seed.files)
    mutate = mutate_json if seed.kind == "json" else mutate_proto
    files[seed.target] = mutate(files[seed.target], rng)
    return seed.kind, files


def run(
    cases: int,
    seed: int,
    kind: str | None = None,
    batch: int = 40,
    log: Callable[[str], None] = print,
    keep: Path | None = None,
) -> list[Finding]:
    rng = random.Random(seed)
    pool = [s for s in seeds() if kind is None or s.kind == kind]
    findings: list[Finding] = []
    pending: list[tuple[Path, Path, int, str, dict[str, str]]] = []
    roots: list[Path] = []

    def flush() -> None:
        bad = import_check([p[0] for p in pending])
        record(
            [
                Finding(case, k, "import", "generated records do not import", files, bad[str(out)])
                for out, _root, case, k, files in pending
                if str(out) in bad
            ]
        )
        pending.clear()
        for r in roots:
            shutil.rmtree(r, ignore_errors=True)
        roots.clear()

    seen: set[str] = set()

    def record(got: list[Finding]) -> None:
        findings.extend(got)
        for f in got:  # one case per distinct finding, written as soon as it is found
            sig = f.signature()
            if keep is None or sig in seen:
                continue
            seen.add(sig)
            d = keep / f"{len(seen):03d}-{f.kind}-{f.command}"
            write_case(d, f.files)
            (d / "finding.txt").write_text(f"{sig}\n{f.problem}\n\n{f.detail}")

    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    for case in range(cases):
        k, files = make_case(rng, pool)
        if keep is not None:  # protoc aborting takes this process with it: --dump N writes the case again
            (keep / "current-case").write_text(f"{case}\n")
        emit = ALL_EMITTERS if case % 3 == 2 else ()  # the default emitters (python, ir-json) mostly: faster
        got, ok_out, root = check_case(files, case, k, emit)
        record(got)
        roots.append(root)
        if ok_out is not None:
            pending.append((ok_out, root, case, k, files))
        if len(roots) >= batch:
            flush()
        if (case + 1) % 200 == 0:
            log(f"{case + 1} cases, {len(findings)} findings, {len({f.signature() for f in findings})} distinct")
    flush()
    return findings


def main_cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kind", choices=["json", "proto"])
    parser.add_argument("--keep", type=Path, help="write one case per distinct finding here")
    parser.add_argument("--dump", type=int, metavar="N", help="only write case N of this seed to --keep")
    args = parser.parse_args(argv)
    if args.dump is not None:
        rng = random.Random(args.seed)
        pool = [s for s in seeds() if args.kind is None or s.kind == args.kind]
        for _ in range(args.dump):
            make_case(rng, pool)
        write_case(args.keep or Path("."), make_case(rng, pool)[1])
        return 0
    findings = run(
        args.cases, args.seed, args.kind, keep=args.keep, log=lambda m: print(m, file=sys.stderr, flush=True)
    )
    by_sig: dict[str, list[Finding]] = {}
    for f in findings:
        by_sig.setdefault(f.signature(), []).append(f)
    print(f"{args.cases} cases (seed {args.seed}): {len(findings)} findings, {len(by_sig)} distinct")
    print("  outcomes of generate: " + ", ".join(f"{k}: {n}" for k, n in sorted(OUTCOMES.items())))
    for sig, fs in sorted(by_sig.items(), key=lambda kv: -len(kv[1])):
        first = fs[0]
        print(f"  {len(fs):4d}x {sig}  (first: case {first.case}, {first.kind}, {first.command})")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main_cli())
