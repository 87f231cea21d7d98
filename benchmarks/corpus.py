"""A deterministic corpus of equivalent contracts in JSON Schema 2020-12 and proto3.

``write_corpus(root, n, seed)`` draws N contracts from a seeded ``random.Random`` into a small
language-neutral model, then renders each twice:

- ``root/jsonschema/<name>.schema.json``: ``x-contract`` metadata, 5-40 fields, ``$ref``s into the
  library file ``root/jsonschema/shared.schema.json`` (only ``$defs``, no metadata);
- ``root/proto/bench/<name>.proto``: the same record as proto3 with ``(contract.v1.contract)`` and
  ``(contract.v1.field)`` options, importing ``bench/shared.proto``. protoc needs
  ``-I root/proto -I codegen/proto`` (see ``proto_include_paths``).

``check_corpus`` is the smoke check that keeps the inputs honest: every JSON Schema passes its
meta-schema and its ``$ref``s resolve, and protoc compiles every .proto file.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import REPO_ROOT

DEFAULT_SEED = 20240501
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SHARED_SCHEMA = "shared.schema.json"
SHARED_PROTO = "bench/shared.proto"
SHARED_PACKAGE = "bench.shared.v1"
OPTIONS_ROOT = REPO_ROOT / "codegen" / "proto"

ENTITIES = (
    "Shipment", "Invoice", "Payment", "Customer", "Booking", "Parcel", "Refund", "Subscription", "Ticket", "Order",
    "Device", "Reading", "Session", "Claim", "Policy", "Listing", "Review", "Transfer", "Account", "Delivery",
)  # fmt: skip
QUALIFIERS = (
    "source", "target", "primary", "billing", "last", "first", "total", "net", "gross", "external", "internal",
    "parent", "current", "previous", "home", "work", "backup", "expected", "actual", "local",
)  # fmt: skip
NOUNS = (
    "name", "code", "label", "note", "reference", "count", "amount", "score", "rate", "flag", "state", "region",
    "channel", "tag", "window", "quota", "limit", "origin", "detail", "metric",
)  # fmt: skip
ENUM_VALUES = ("pending", "active", "suspended", "closed", "draft", "archived", "failed", "done", "queued")
STRING_FORMATS = ("uuid", "email", "date", "date-time", "uri")
# Patterns free of backslashes and quotes, so they read the same in JSON and in protobuf text format.
PATTERNS = ("^[A-Z]{3}$", "^[a-z0-9-]+$", "^[A-Z]{2}-[0-9]{4}$", "^[0-9]{5}$")
SHARED_DEFS = ("Address", "Money", "GeoPoint", "Audit")

# (kind, weight) for root fields; nested records use only the scalar kinds and shared refs.
ROOT_KINDS = (
    ("string", 30), ("integer", 14), ("number", 10), ("boolean", 8), ("enum", 10),
    ("object", 9), ("array", 7), ("ref", 8), ("ref_array", 4),
)  # fmt: skip
NESTED_KINDS = (("string", 40), ("integer", 20), ("number", 15), ("boolean", 10), ("enum", 10), ("ref", 5))


@dataclass(frozen=True)
class FieldSpec:
    """One field in language-neutral form; ``kind`` selects which of the other attributes apply."""

    name: str
    kind: str
    description: str
    required: bool
    format: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    enum_name: str = ""
    enum_values: tuple[str, ...] = ()
    record: RecordSpec | None = None  # object and array items
    ref: str = ""  # a shared definition
    min_items: int | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class RecordSpec:
    name: str
    description: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class ContractSpec:
    name: str  # contract name, e.g. "shipment-017"
    stem: str  # file stem, e.g. "shipment_017"
    version: str
    team: str
    id_field: str
    record: RecordSpec

    @property
    def package(self) -> str:
        return f"bench.{self.stem.replace('_', '')}.v1"


@dataclass(frozen=True)
class Corpus:
    root: Path
    jsonschema_dir: Path
    proto_dir: Path
    schema_files: tuple[Path, ...]  # contracts then the shared library
    proto_files: tuple[Path, ...]  # contracts then the shared library
    contracts: int

    @property
    def proto_include_paths(self) -> tuple[Path, ...]:
        return (self.proto_dir, OPTIONS_ROOT)


# --------------------------------------------------------------------------------------------- model


@dataclass
class _Draw:
    """Draws a contract from the seeded generator; keeps names unique within one record."""

    rng: random.Random
    used: set[str] = field(default_factory=set)

    def field_name(self) -> str:
        while True:
            name = f"{self.rng.choice(QUALIFIERS)}_{self.rng.choice(NOUNS)}"
            if name not in self.used:
                self.used.add(name)
                return name

    def kind(self, table: tuple[tuple[str, int], ...]) -> str:
        kinds = [kind for kind, _ in table]
        return self.rng.choices(kinds, [weight for _, weight in table])[0]


def _pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _scalar_field(draw: _Draw, name: str, kind: str, owner: str) -> FieldSpec:
    rng = draw.rng
    description = f"The {name.replace('_', ' ')} of the {owner.lower()}."
    required = rng.random() < 0.5
    if kind == "string":
        fmt = rng.choice(STRING_FORMATS) if rng.random() < 0.4 else None
        if fmt is not None:
            return FieldSpec(name, kind, description, required, format=fmt)
        pattern = rng.choice(PATTERNS) if rng.random() < 0.3 else None
        max_length = None if pattern else rng.choice((32, 64, 128, 255))
        return FieldSpec(name, kind, description, required, min_length=1, max_length=max_length, pattern=pattern)
    if kind in ("integer", "number"):
        bounded = rng.random() < 0.6
        maximum = rng.choice((100, 10_000, 1_000_000)) if bounded else None
        return FieldSpec(name, kind, description, required, minimum=0 if bounded else None, maximum=maximum)
    if kind == "enum":
        values = tuple(sorted(rng.sample(ENUM_VALUES, rng.randint(3, 6)), key=ENUM_VALUES.index))
        return FieldSpec(name, kind, description, required, enum_name=_pascal(name), enum_values=values)
    if kind == "ref":
        return FieldSpec(name, kind, description, required, ref=rng.choice(SHARED_DEFS))
    return FieldSpec(name, "boolean", description, required)


def _nested_record(draw: _Draw, name: str, owner: str) -> RecordSpec:
    inner = _Draw(draw.rng)
    fields = tuple(
        _scalar_field(inner, inner.field_name(), inner.kind(NESTED_KINDS), name) for _ in range(draw.rng.randint(2, 6))
    )
    return RecordSpec(name, f"Part of a {owner.lower()}: its {name.lower()}.", fields)


def _root_field(draw: _Draw, entity: str) -> FieldSpec:
    name = draw.field_name()
    kind = draw.kind(ROOT_KINDS)
    description = f"The {name.replace('_', ' ')} of the {entity.lower()}."
    if kind == "object":
        record = _nested_record(draw, _pascal(name), entity)
        return FieldSpec(name, kind, description, draw.rng.random() < 0.5, record=record)
    if kind == "array":
        record = _nested_record(draw, _pascal(name) + "Item", entity)
        max_items = draw.rng.choice((10, 50, 500))
        return FieldSpec(name, kind, description, False, record=record, min_items=0, max_items=max_items)
    if kind == "ref_array":
        ref = draw.rng.choice(SHARED_DEFS)
        return FieldSpec(name, kind, description, False, ref=ref, max_items=draw.rng.choice((5, 20)))
    return _scalar_field(draw, name, kind, entity)


def draw_contract(rng: random.Random, index: int) -> ContractSpec:
    entity = ENTITIES[index % len(ENTITIES)]
    stem = f"{entity.lower()}_{index:03d}"
    id_field = f"{entity.lower()}_id"
    draw = _Draw(rng, {id_field})
    id_spec = FieldSpec(id_field, "string", f"Stable id of the {entity.lower()}.", True, format="uuid")
    fields = (id_spec, *(_root_field(draw, entity) for _ in range(rng.randint(4, 39))))
    record = RecordSpec(f"{entity}{index:03d}", f"A {entity.lower()} as its source system publishes it.", fields)
    return ContractSpec(
        name=stem.replace("_", "-"),
        stem=stem,
        version=f"1.{index % 5}.0",
        team=f"team-{index % 7}",
        id_field=id_field,
        record=record,
    )


def draw_corpus(n: int, seed: int = DEFAULT_SEED) -> list[ContractSpec]:
    rng = random.Random(seed)
    return [draw_contract(rng, i) for i in range(n)]


def shared_records() -> tuple[RecordSpec, ...]:
    """The library's definitions: fixed, so every corpus shares the same ones."""

    def f(name: str, kind: str, required: bool = True, **kw: object) -> FieldSpec:
        return FieldSpec(name, kind, f"The {name.replace('_', ' ')}.", required, **kw)  # type: ignore[arg-type]

    return (
        RecordSpec(
            "Address",
            "A postal address.",
            (
                f("street", "string", min_length=1, max_length=200),
                f("city", "string", min_length=1, max_length=100),
                f("postal_code", "string", False, pattern="^[0-9]{5}$"),
                f("country", "string", pattern="^[A-Z]{2}$"),
            ),
        ),
        RecordSpec(
            "Money",
            "An amount in one currency.",
            (f("amount", "number", minimum=0), f("currency", "string", pattern="^[A-Z]{3}$")),
        ),
        RecordSpec(
            "GeoPoint",
            "A point on the earth.",
            (f("lat", "number", minimum=-90, maximum=90), f("lon", "number", minimum=-180, maximum=180)),
        ),
        RecordSpec(
            "Audit",
            "Who changed a record and when.",
            (
                f("created_at", "string", format="date-time"),
                f("created_by", "string", format="email"),
                f("updated_at", "string", False, format="date-time"),
            ),
        ),
    )


# ------------------------------------------------------------------------------------- JSON Schema


def _json_field(spec: FieldSpec) -> dict[str, object]:
    out: dict[str, object] = {"description": spec.description}
    if spec.kind == "string":
        out["type"] = "string"
        for key, value in (
            ("format", spec.format),
            ("minLength", spec.min_length),
            ("maxLength", spec.max_length),
            ("pattern", spec.pattern),
        ):
            if value is not None:
                out[key] = value
    elif spec.kind in ("integer", "number"):
        out["type"] = spec.kind
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.maximum is not None:
            out["maximum"] = spec.maximum
    elif spec.kind == "boolean":
        out["type"] = "boolean"
    elif spec.kind == "enum":
        out.update({"title": spec.enum_name, "type": "string", "enum": list(spec.enum_values)})
    elif spec.kind == "object":
        assert spec.record is not None
        out.update(_json_record(spec.record))
    elif spec.kind == "array":
        assert spec.record is not None
        out.update({"type": "array", "items": _json_record(spec.record), "minItems": spec.min_items})
        out["maxItems"] = spec.max_items
    elif spec.kind == "ref":
        out["$ref"] = f"{SHARED_SCHEMA}#/$defs/{spec.ref}"
    elif spec.kind == "ref_array":
        out.update({"type": "array", "items": {"$ref": f"{SHARED_SCHEMA}#/$defs/{spec.ref}"}})
        out["maxItems"] = spec.max_items
    return out


def _json_record(record: RecordSpec) -> dict[str, object]:
    return {
        "title": record.name,
        "description": record.description,
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in record.fields if f.required],
        "properties": {f.name: _json_field(f) for f in record.fields},
    }


def contract_schema(contract: ContractSpec) -> dict[str, object]:
    meta = {
        "name": contract.name,
        "version": contract.version,
        "owner": {"team": contract.team, "contact": f"{contract.team}@example.com"},
        "ports": [
            {
                "name": f"{contract.name}-events",
                "stream": {"subject": f"bench.{contract.name}.v1", "key_fields": [contract.id_field]},
            }
        ],
    }
    body = _json_record(contract.record)
    return {"$schema": SCHEMA_DIALECT, "title": body.pop("title"), "x-contract": meta, **body}


def shared_schema() -> dict[str, object]:
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Shared",
        "description": "Definitions shared by every benchmark contract; a library, not a contract.",
        "$defs": {r.name: _json_record(r) for r in shared_records()},
    }


# ------------------------------------------------------------------------------------------ proto3


def _upper(pascal: str) -> str:
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(pascal)).upper()


def _text(value: str) -> str:
    assert '"' not in value and "\\" not in value, value  # the pools never need escaping
    return f'"{value}"'


def _proto_options(spec: FieldSpec) -> str:
    constraints = [
        f"{key}: {value}"
        for key, value in (
            ("min_length", spec.min_length),
            ("max_length", spec.max_length),
            ("minimum", spec.minimum),
            ("maximum", spec.maximum),
            ("min_items", spec.min_items),
            ("max_items", spec.max_items),
        )
        if value is not None
    ]
    if spec.pattern is not None:
        constraints.append(f"pattern: {_text(spec.pattern)}")
    parts = [f"format: {_text(spec.format)}"] if spec.format else []
    if constraints:
        parts.append(f"constraints {{ {' '.join(constraints)} }}")
    return f" [(contract.v1.field) = {{ {' '.join(parts)} }}]" if parts else ""


def _proto_type(spec: FieldSpec, shared_package: str | None) -> str:
    prefix = f"{shared_package}." if shared_package else ""
    if spec.kind in ("ref", "ref_array"):
        return prefix + spec.ref
    if spec.kind == "integer":
        return "int32" if spec.maximum is not None and spec.maximum <= 10_000 else "int64"
    if spec.kind == "enum":
        return spec.enum_name
    if spec.kind in ("object", "array"):
        assert spec.record is not None
        return spec.record.name
    return {"string": "string", "number": "double", "boolean": "bool"}[spec.kind]


def _proto_enum(spec: FieldSpec, indent: str) -> Iterator[str]:
    prefix = _upper(spec.enum_name)
    yield f"{indent}enum {spec.enum_name} {{"
    yield f"{indent}  {prefix}_UNSPECIFIED = 0;"
    for number, value in enumerate(spec.enum_values, start=1):
        yield f"{indent}  {prefix}_{value.upper()} = {number};"
    yield f"{indent}}}"


def _proto_message(record: RecordSpec, indent: str, shared_package: str | None) -> Iterator[str]:
    yield f"{indent}// {record.description}"
    yield f"{indent}message {record.name} {{"
    inner = indent + "  "
    for number, spec in enumerate(record.fields, start=1):
        label = ""
        if spec.kind in ("array", "ref_array"):
            label = "repeated "
        elif not spec.required and spec.kind not in ("object", "ref"):
            label = "optional "  # proto3 presence, as an absent JSON property
        yield f"{inner}// {spec.description}"
        yield f"{inner}{label}{_proto_type(spec, shared_package)} {spec.name} = {number}{_proto_options(spec)};"
    for spec in record.fields:
        if spec.kind == "enum":
            yield from _proto_enum(spec, inner)
        elif spec.record is not None:
            yield ""
            yield from _proto_message(spec.record, inner, shared_package)
    yield f"{indent}}}"


def contract_proto(contract: ContractSpec) -> str:
    uses_shared = any(f.kind in ("ref", "ref_array") for f in _all_fields(contract.record))
    imports = [SHARED_PROTO] if uses_shared else []
    imports.append("contract/v1/options.proto")
    name = contract.name
    lines = [
        "// @generated by benchmarks/corpus.py: a benchmark input, not a real contract.",
        'syntax = "proto3";',
        "",
        f"package {contract.package};",
        "",
        *(f"import {_text(i)};" for i in sorted(imports)),
        "",
        "option (contract.v1.contract) = {",
        f"  name: {_text(name)}",
        f"  version: {_text(contract.version)}",
        f"  owner {{ team: {_text(contract.team)} contact: {_text(contract.team + '@example.com')} }}",
        f"  ports {{ name: {_text(name + '-events')} stream {{ subject: {_text(f'bench.{name}.v1')}"
        f" key_fields: {_text(contract.id_field)} }} }}",
        f"  record: {_text(contract.record.name)}",
        "};",
        "",
        *_proto_message(contract.record, "", SHARED_PACKAGE),
    ]
    return "\n".join(lines) + "\n"


def shared_proto() -> str:
    lines = [
        "// @generated by benchmarks/corpus.py: definitions shared by every benchmark contract (a library).",
        'syntax = "proto3";',
        "",
        f"package {SHARED_PACKAGE};",
        "",
        'import "contract/v1/options.proto";',
    ]
    for record in shared_records():
        lines += ["", *_proto_message(record, "", None)]
    return "\n".join(lines) + "\n"


def _all_fields(record: RecordSpec) -> Iterator[FieldSpec]:
    for spec in record.fields:
        yield spec
        if spec.record is not None:
            yield from _all_fields(spec.record)


# ------------------------------------------------------------------------------------------ writing


def _write_if_changed(path: Path, text: str) -> None:
    """Unchanged files keep their mtime, so re-creating the corpus is itself a no-op for the compiler."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _remove_others(folder: Path, keep: set[Path], pattern: str) -> None:
    for stale in folder.rglob(pattern):
        if stale not in keep:
            stale.unlink()


def _dump_json(doc: dict[str, object]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_corpus(root: Path, n: int = 200, seed: int = DEFAULT_SEED) -> Corpus:
    """Write N contracts in both languages under ``root`` (files from an earlier, larger N are removed)."""
    contracts = draw_corpus(n, seed)
    json_dir, proto_dir = root / "jsonschema", root / "proto"
    schema_files = [json_dir / f"{c.stem}.schema.json" for c in contracts] + [json_dir / SHARED_SCHEMA]
    proto_files = [proto_dir / "bench" / f"{c.stem}.proto" for c in contracts] + [proto_dir / SHARED_PROTO]
    for contract, schema_path, proto_path in zip(contracts, schema_files, proto_files, strict=False):
        _write_if_changed(schema_path, _dump_json(contract_schema(contract)))
        _write_if_changed(proto_path, contract_proto(contract))
    _write_if_changed(schema_files[-1], _dump_json(shared_schema()))
    _write_if_changed(proto_files[-1], shared_proto())
    _remove_others(json_dir, set(schema_files), "*.json")
    _remove_others(proto_dir, set(proto_files), "*.proto")
    return Corpus(root, json_dir, proto_dir, tuple(schema_files), tuple(proto_files), len(contracts))


# ------------------------------------------------------------------------------------ smoke check


def check_schemas(corpus: Corpus) -> list[str]:
    """Problems with the JSON Schemas: meta-schema failures and $refs that do not resolve."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable

    docs = {p: json.loads(p.read_text(encoding="utf-8")) for p in corpus.schema_files}
    registry: Registry = Registry().with_resources(
        (p.resolve().as_uri(), Resource.from_contents(doc)) for p, doc in docs.items()
    )
    problems: list[str] = []
    for path, doc in docs.items():
        try:
            Draft202012Validator.check_schema(doc)
        except SchemaError as exc:
            problems.append(f"{path}: fails the 2020-12 meta-schema: {exc.message}")
        resolver = registry.resolver(base_uri=path.resolve().as_uri())
        for ref in sorted(set(_refs(doc))):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                problems.append(f"{path}: $ref {ref} does not resolve")
    return problems


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def protoc_command(corpus: Corpus, out_flag: str) -> list[str]:
    includes = [f"-I{p}" for p in corpus.proto_include_paths]
    files = [p.relative_to(corpus.proto_dir).as_posix() for p in corpus.proto_files]
    return [sys.executable, "-m", "grpc_tools.protoc", *includes, out_flag, *files]


def check_protos(corpus: Corpus) -> list[str]:
    """protoc's complaints (errors and warnings) about the .proto files; empty when all compile cleanly."""
    with tempfile.TemporaryDirectory(prefix="bench-protoc-") as tmp:
        cmd = protoc_command(corpus, f"--python_out={tmp}")
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    messages = [line for line in result.stderr.splitlines() if line.strip()]
    if result.returncode != 0 and not messages:
        messages.append(f"protoc exited {result.returncode}")
    return messages


def check_corpus(corpus: Corpus) -> list[str]:
    return check_schemas(corpus) + check_protos(corpus)
