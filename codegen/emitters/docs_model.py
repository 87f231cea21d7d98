"""View models shared by the documentation emitters (HTML catalog, Markdown).

Every decision about what a page shows is made here; the templates only lay the values out. Text
from a contract stays raw in these models: each template escapes it for its own syntax (HTML
autoescape, the ``md_text`` filter), so a hostile description can never become markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

import msgspec

from codegen import ir
from codegen.emitters.docs_example import Example, example_payload
from codegen.emitters.docs_schema import SchemaBuilder, definition_keys, enum_wire_value
from codegen.emitters.package import PackageOptions, dist_name
from codegen.metadata import versioned_table_name

# -- changelog input ---------------------------------------------------------------------------------


class ChangeNote(msgspec.Struct, frozen=True):
    """One finding of the breaking-change detector, or an addition, as the docs show it."""

    rule: str  # the detector's stable rule id; "" for an addition, which no rule reports
    message: str
    breaking: bool
    where: str = ""  # path:line:col in the current version


class VersionChanges(msgspec.Struct, frozen=True):
    previous: str  # the earlier version compared against
    current: str
    notes: tuple[ChangeNote, ...]


# Given a contract, the comparisons with its earlier versions (newest first), or None when unknown.
History = Callable[[ir.Contract], Sequence[VersionChanges] | None]


# -- file names --------------------------------------------------------------------------------------

_SLUG_UNSAFE = re.compile(r"[^a-z0-9._-]+")
RESERVED_SLUGS = frozenset({"index", "readme", "assets"})


def slugs(contracts: Sequence[ir.Contract]) -> list[str]:
    """A file-name stem per contract: its name, '.v<major>' when several majors are given, made safe
    for any file system and URL, and unique (case-insensitively)."""
    majors: dict[str, set[int]] = {}
    for c in contracts:
        majors.setdefault(c.name, set()).add(c.major)
    taken: set[str] = set(RESERVED_SLUGS)
    out: list[str] = []
    for c in contracts:
        base = _SLUG_UNSAFE.sub("-", c.name.lower()).strip("-.") or "contract"
        if len(majors[c.name]) > 1:
            base = f"{base}.v{c.major}"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        out.append(slug)
    return out


def port_slug(port: ir.Port) -> str:
    return _SLUG_UNSAFE.sub("-", port.name.lower()).strip("-.") or "port"


# -- views ---------------------------------------------------------------------------------------


class TypePart(msgspec.Struct, frozen=True):
    text: str
    href: str | None = None  # an anchor on the same page for records and enums


class FieldView(msgspec.Struct, frozen=True):
    name: str
    type_parts: tuple[TypePart, ...]
    required: bool
    constraints: tuple[str, ...]
    description: str
    pii: bool
    classification: str | None
    deprecated: bool
    examples: tuple[str, ...]  # JSON text
    default: str | None  # JSON text
    oneof: str | None

    @property
    def type_text(self) -> str:
        return "".join(p.text for p in self.type_parts)


class RecordView(msgspec.Struct, frozen=True):
    anchor: str
    id: str
    name: str
    description: str
    deprecated: bool
    open: bool
    is_root: bool
    fields: tuple[FieldView, ...]
    oneofs: tuple[str, ...]  # "payment: card, bank_transfer"


class EnumValueView(msgspec.Struct, frozen=True):
    name: str
    wire: str  # JSON text
    number: int | None
    description: str
    deprecated: bool


class EnumView(msgspec.Struct, frozen=True):
    anchor: str
    id: str
    name: str
    description: str
    values: tuple[EnumValueView, ...]


class PortView(msgspec.Struct, frozen=True):
    kind: str  # "stream" | "table"
    name: str
    address: str  # subject or table
    record_name: str
    record_anchor: str
    key_fields: tuple[str, ...]
    details: tuple[tuple[str, str], ...]  # (label, value)
    asyncapi_file: str | None  # relative to the output root, for stream ports


class Usage(msgspec.Struct, frozen=True):
    install: str  # a shell line
    dist: str
    generate: str  # the command that generates the modules into a repository
    module: str  # dotted import path of the generated module
    snippet: str  # Python source, executed by the tests
    tested_example: bool  # the snippet builds the example payload (else a generic reader)


class ContractView(msgspec.Struct, frozen=True):
    slug: str
    name: str
    title: str
    version: str
    description: str
    owner_team: str | None
    owner_contact: str | None
    contact_href: str | None
    compatibility: str
    tags: tuple[str, ...]
    language: str
    source_path: str
    dialect: str
    slo: tuple[tuple[str, str], ...]
    ports: tuple[PortView, ...]
    records: tuple[RecordView, ...]
    enums: tuple[EnumView, ...]
    example: Example
    example_json: str | None
    usage: Usage
    changes: tuple[VersionChanges, ...] | None
    schema_json: str
    field_count: int
    pii_fields: int
    root_name: str
    search_text: str = ""

    @property
    def port_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.ports)


def pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def contact_href(contact: str) -> str | None:
    """A link only for what is plainly an address: never a javascript: or data: URL."""
    text = contact.strip()
    if re.fullmatch(r"[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}", text):
        return "mailto:" + text
    if re.fullmatch(r"https?://[^\s<>\"']+", text):
        return text
    return None


def slo_rows(slo: ir.ServiceLevels) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []
    if slo.freshness:
        rows.append(("Freshness", f"{slo.freshness} ({describe_duration(slo.freshness)})"))
    if slo.availability is not None:
        rows.append(("Availability", percent(slo.availability)))
    if slo.completeness is not None:
        rows.append(("Completeness", percent(slo.completeness)))
    return tuple(rows)


def percent(fraction: float) -> str:
    return f"{fraction * 100:.4f}".rstrip("0").rstrip(".") + " %"


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def describe_duration(text: str) -> str:
    """'PT15M' -> 'within 15 minutes'; other ISO-8601 spellings are shown as written."""
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        return text
    units = ("day", "hour", "minute", "second")
    parts = [f"{int(n)} {u}{'' if int(n) == 1 else 's'}" for n, u in zip(m.groups(), units, strict=True) if n]
    return "within " + ", ".join(parts)


class ViewBuilder:
    """Builds the view of each contract of one run."""

    def __init__(self, contracts: Sequence[ir.Contract], package: str, history: History | None) -> None:
        self.contracts = list(contracts)
        self.package = package
        self.history = history
        self.slugs = slugs(contracts)

    def views(self) -> list[ContractView]:
        from codegen.emitters.docs_usage import usages

        examples: list[Example] = []
        schemas: list[dict[str, object]] = []
        for c in self.contracts:
            schemas.append(SchemaBuilder(c).document())
            examples.append(example_payload(c, schemas[-1]))
        uses = usages(self.contracts, examples, self.package)
        return [
            self.contract_view(c, slug, ex, schema, use)
            for c, slug, ex, schema, use in zip(self.contracts, self.slugs, examples, schemas, uses, strict=True)
        ]

    def contract_view(
        self, c: ir.Contract, slug: str, example: Example, schema: dict[str, object], usage: Usage
    ) -> ContractView:
        keys = definition_keys(c)
        records = tuple(record_view(c, r, keys) for r in c.records)
        changes = self.history(c) if self.history else None
        view = ContractView(
            slug=slug,
            name=c.name,
            title=c.title or c.name,
            version=c.version,
            description=c.description,
            owner_team=c.owner.team if c.owner else None,
            owner_contact=(c.owner.contact or None) if c.owner else None,
            contact_href=contact_href(c.owner.contact) if c.owner and c.owner.contact else None,
            compatibility=c.compatibility.value,
            tags=c.tags,
            language="Protocol Buffers" if c.source.language is ir.SchemaLanguage.PROTOBUF else "JSON Schema",
            source_path=c.source.path,
            dialect=c.source.dialect,
            slo=slo_rows(c.slo),
            ports=tuple(port_view(c, slug, p, keys) for p in c.ports),
            records=records,
            enums=tuple(enum_view(c, e, keys) for e in c.enums),
            example=example,
            example_json=pretty_json(example.payload) if example.valid else None,
            usage=usage,
            changes=tuple(changes) if changes is not None else None,
            schema_json=pretty_json(schema),
            field_count=sum(len(r.fields) for r in records),
            pii_fields=sum(1 for r in records for f in r.fields if f.pii),
            root_name=c.record(c.root).name,
        )
        return _with_search_text(view)


def _with_search_text(v: ContractView) -> ContractView:
    words = [v.name, v.title, v.owner_team or "", *v.tags]
    words += [w for p in v.ports for w in (p.name, p.address, p.kind)]
    text = " ".join(" ".join(words).lower().split())
    return msgspec.structs.replace(v, search_text=text)


def anchor(prefix: str, key: str) -> str:
    return f"{prefix}-{key}"


def record_view(c: ir.Contract, r: ir.Record, keys: dict[str, str]) -> RecordView:
    return RecordView(
        anchor=anchor("record", keys[r.id]),
        id=r.id,
        name=r.name,
        description=r.description,
        deprecated=r.deprecated,
        open=r.open,
        is_root=r.id == c.root,
        fields=tuple(field_view(c, f, keys) for f in r.fields),
        oneofs=tuple(f"{o.name}: {', '.join(o.fields)}" for o in r.oneofs),
    )


def field_view(c: ir.Contract, f: ir.Field, keys: dict[str, str]) -> FieldView:
    required = f.required
    return FieldView(
        name=f.name,
        type_parts=tuple(_merge(type_parts(c, f.type, keys))),
        required=required,
        constraints=tuple(constraint_notes(f.type)),
        description=f.description,
        pii=f.pii,
        classification=f.classification,
        deprecated=f.deprecated,
        examples=tuple(json.dumps(e, ensure_ascii=False) for e in f.examples),
        default=json.dumps(f.default, ensure_ascii=False) if f.has_default and not required else None,
        oneof=f.oneof,
    )


def _merge(parts: list[TypePart]) -> list[TypePart]:
    """Adjacent plain text joined, so templates emit few spans."""
    out: list[TypePart] = []
    for p in parts:
        if out and p.href is None and out[-1].href is None:
            out[-1] = TypePart(out[-1].text + p.text)
        else:
            out.append(p)
    return out


def type_parts(c: ir.Contract, t: ir.Type, keys: dict[str, str]) -> list[TypePart]:
    if isinstance(t, ir.ScalarType):
        return [TypePart(scalar_text(t))]
    if isinstance(t, ir.RecordType):
        return [TypePart(c.record(t.ref).name, "#" + anchor("record", keys[t.ref]))]
    if isinstance(t, ir.EnumType):
        return [TypePart(c.enum(t.ref).name, "#" + anchor("enum", keys[t.ref]))]
    if isinstance(t, ir.ArrayType):
        return [TypePart("array of " if not t.unique_items else "set of "), *type_parts(c, t.items, keys)]
    if isinstance(t, ir.TupleType):
        return _joined(c, "tuple (", t.items, ", ", ")", keys)
    if isinstance(t, ir.MapType):
        return [TypePart(f"map {scalar_text(t.key)} → "), *type_parts(c, t.value, keys)]
    if isinstance(t, ir.UnionType):
        return _joined(c, "", t.variants, " | ", "", keys)
    if isinstance(t, ir.NullableType):
        return [*type_parts(c, t.inner, keys), TypePart(" | null")]
    if isinstance(t, ir.LiteralType):
        return [TypePart(f"constant {json.dumps(t.value, ensure_ascii=False)}")]
    return [TypePart("any JSON value")]


def _joined(
    c: ir.Contract, start: str, items: tuple[ir.Type, ...], sep: str, end: str, keys: dict[str, str]
) -> list[TypePart]:
    parts = [TypePart(start)]
    for i, item in enumerate(items):
        if i:
            parts.append(TypePart(sep))
        parts.extend(type_parts(c, item, keys))
    parts.append(TypePart(end))
    return [p for p in parts if p.text]


def scalar_text(t: ir.ScalarType) -> str:
    text = t.kind.value
    if t.kind is ir.Scalar.DECIMAL and t.precision is not None:
        text += f"({t.precision}, {t.scale or 0})"
    if t.format and t.format != t.kind.value:
        text += f" ({t.format})"
    return text


def constraint_notes(t: ir.Type) -> list[str]:
    """Readable constraints of a field's type, outermost first."""
    if isinstance(t, ir.NullableType):
        return constraint_notes(t.inner)
    if isinstance(t, ir.ArrayType):
        notes = []
        if t.min_items is not None:
            notes.append(f"at least {t.min_items} item{'' if t.min_items == 1 else 's'}")
        if t.max_items is not None:
            notes.append(f"at most {t.max_items} item{'' if t.max_items == 1 else 's'}")
        if t.unique_items:
            notes.append("items unique")
        return notes + [f"each: {n}" for n in constraint_notes(t.items)]
    if not isinstance(t, ir.ScalarType):
        return []
    c = t.constraints
    pairs = (
        ("min length", c.min_length),
        ("max length", c.max_length),
        ("pattern", c.pattern),
        ("≥", c.minimum),
        ("≤", c.maximum),
        (">", c.exclusive_minimum),
        ("<", c.exclusive_maximum),
        ("multiple of", c.multiple_of),
    )
    return [f"{label} {_num(v)}" for label, v in pairs if v is not None]


def _num(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def enum_view(c: ir.Contract, e: ir.Enum, keys: dict[str, str]) -> EnumView:
    values = tuple(
        EnumValueView(
            name=v.name,
            wire=json.dumps(enum_wire_value(c, v), ensure_ascii=False),
            number=v.number,
            description=v.description,
            deprecated=v.deprecated,
        )
        for v in e.values
    )
    return EnumView(anchor("enum", keys[e.id]), e.id, e.name, e.description, values)


def port_view(c: ir.Contract, slug: str, p: ir.Port, keys: dict[str, str]) -> PortView:
    record_name = c.record(p.record).name if any(r.id == p.record for r in c.records) else p.record
    record_anchor = "#" + anchor("record", keys[p.record]) if p.record in keys else ""
    if isinstance(p, ir.StreamPort):
        details: tuple[tuple[str, str], ...] = (("retention", p.retention),) if p.retention else ()
        return PortView(
            "stream", p.name, p.subject, record_name, record_anchor, p.key_fields, details, asyncapi_path(slug, p)
        )
    layout = (("partitioned by", p.partition_by), ("clustered by", p.cluster_by))
    details = tuple((label, ", ".join(cols)) for label, cols in layout if cols)
    table = versioned_table_name(p.table, c.major)
    return PortView("table", p.name, table, record_name, record_anchor, p.key_fields, details, None)


def asyncapi_path(slug: str, port: ir.StreamPort) -> str:
    return f"asyncapi/{slug}.{port_slug(port)}.json"


def install_line(c: ir.Contract) -> tuple[str, str]:
    dist = dist_name(c, PackageOptions())
    return f'pip install "{dist}>={c.major},<{c.major + 1}"', dist
