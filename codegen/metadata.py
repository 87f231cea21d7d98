"""Contract metadata: one shape for both schema languages.

JSON Schema carries it as the root keyword ``x-contract``; protobuf as the file option
``(contract.v1.contract)`` declared in ``codegen/proto/contract/v1/options.proto``. Both arrive here
as the same plain mapping (protobuf through ``MessageToDict(preserving_proto_field_name=True)``), are
checked strictly (unknown keys are errors, not silently dropped) and become IR values.
"""

from __future__ import annotations

import re

import msgspec

from codegen import ir
from codegen.diagnostics import Diagnostics, Location

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_SUBJECT_VERSION = re.compile(r"\.v[0-9]+$")
CONTRACT_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
# Names become file names (`<name>_warehouse.py`, `<name>.<port>.json`: at most 255 bytes each) and SQL
# identifiers (PostgreSQL keeps 63 characters): a longer name could not be written.
MAX_NAME = 64
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")


class _Spec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class OwnerSpec(_Spec):
    team: str
    contact: str = ""


class SloSpec(_Spec):
    freshness: str | None = None
    availability: float | None = None
    completeness: float | None = None


class StreamSpec(_Spec):
    subject: str
    key_fields: list[str] = []
    retention: str | None = None


class TableSpec(_Spec):
    table: str
    key_fields: list[str] = []
    partition_by: list[str] = []
    cluster_by: list[str] = []


class PortSpec(_Spec):
    name: str
    stream: StreamSpec | None = None
    table: TableSpec | None = None
    record: str | None = None  # defaults to the contract's root record


class ContractSpec(_Spec):
    name: str | None = None
    version: str | None = None
    description: str | None = None
    owner: OwnerSpec | None = None
    slo: SloSpec | None = None
    ports: list[PortSpec] = []
    compatibility: str = "BACKWARD"
    tags: list[str] = []
    record: str | None = None  # protobuf: which message is the contract's root record


class ContractMeta(msgspec.Struct, frozen=True):
    """Metadata checked and converted; ports still name records as the source spelled them."""

    name: str
    version: str
    description: str | None
    owner: ir.Owner | None
    slo: ir.ServiceLevels
    ports: tuple[PortSpec, ...]
    compatibility: ir.Compatibility
    tags: tuple[str, ...]
    record: str | None
    has_metadata: bool


def default_name(stem: str) -> str:
    """A contract name from a title or file name: lowercase, words joined by '-'."""
    base = stem.split(".", 1)[0]
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", base)
    name = "-".join(w.lower() for w in words) or "contract"
    name = name if name[0].isalpha() else f"c-{name}"
    return name[:MAX_NAME].rstrip("-")


def _spec(raw: object, location: Location, diags: Diagnostics) -> ContractSpec:
    """The metadata as a spec; when it is invalid, every bad key is reported (not the first alone) and the
    others are kept, so their own checks below still run."""
    try:
        return msgspec.convert(raw, ContractSpec)
    except msgspec.ValidationError as exc:
        if not isinstance(raw, dict):
            diags.report(location, "E030", f"invalid contract metadata: {exc}")
            return ContractSpec()
    good: dict[str, object] = {}
    for key, value in raw.items():
        try:
            msgspec.convert({key: value}, ContractSpec)
        except msgspec.ValidationError as exc:
            diags.report(location, "E030", f"invalid contract metadata: {exc}")
        else:
            good[key] = value
    try:
        return msgspec.convert(good, ContractSpec)
    except msgspec.ValidationError as exc:  # keys that are only wrong together
        diags.report(location, "E030", f"invalid contract metadata: {exc}")
        return ContractSpec()


def parse_contract_meta(raw: object, location: Location, diags: Diagnostics, fallback_name: str) -> ContractMeta:
    """Check ``raw`` (the x-contract mapping or the protobuf option as a dict; None when absent)."""
    if raw is None:
        diags.report(
            location,
            "W001",
            f"no contract metadata: compiled as '{fallback_name}' version 0.0.0 with no owner, "
            "service levels or ports (add x-contract / option (contract.v1.contract))",
        )
        return ContractMeta(
            name=fallback_name,
            version="0.0.0",
            description=None,
            owner=None,
            slo=ir.ServiceLevels(),
            ports=(),
            compatibility=ir.Compatibility.BACKWARD,
            tags=(),
            record=None,
            has_metadata=False,
        )
    spec = _spec(raw, location, diags)

    name = spec.name or fallback_name
    if not CONTRACT_NAME.match(name):
        diags.report(
            location,
            "E030",
            f"contract name {name!r} must start with a lowercase letter and use only a-z, 0-9, '-', '_'",
        )
    elif len(name) > MAX_NAME:
        too_long = f"contract name {name[:20]}... is {len(name)} characters long (at most {MAX_NAME})"
        diags.report(location, "E030", too_long)
    version = spec.version or "0.0.0"
    if not SEMVER.match(version):
        diags.report(location, "E031", f"version {version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
        version = "0.0.0"
    try:
        compatibility = ir.Compatibility(spec.compatibility.upper())
    except ValueError:
        allowed = ", ".join(c.value for c in ir.Compatibility)
        diags.report(location, "E030", f"compatibility {spec.compatibility!r} is not one of {allowed}")
        compatibility = ir.Compatibility.BACKWARD

    slo = ir.ServiceLevels()
    if spec.slo is not None:
        if spec.slo.freshness is not None and not ISO_DURATION.match(spec.slo.freshness):
            diags.report(
                location, "E030", f"slo.freshness {spec.slo.freshness!r} is not an ISO-8601 duration like 'PT15M'"
            )
        for key in ("availability", "completeness"):
            value = getattr(spec.slo, key)
            if value is not None and not 0.0 <= value <= 1.0:
                diags.report(location, "E030", f"slo.{key} {value} must be a fraction between 0 and 1")
        slo = ir.ServiceLevels(spec.slo.freshness, spec.slo.availability, spec.slo.completeness)

    seen_ports: set[str] = set()
    for port in spec.ports:
        if (port.stream is None) == (port.table is None):
            diags.report(location, "E030", f"port {port.name!r} must have exactly one of 'stream' or 'table'")
        if len(port.name) > MAX_NAME:  # a file name too (asyncapi/<contract>.<port>.json)
            too_long = f"port name {port.name[:20]}... is {len(port.name)} characters long (at most {MAX_NAME})"
            diags.report(location, "E030", too_long)
        if port.table is not None and len(port.table.table) > 2 * MAX_NAME:  # dbt writes a file named after it
            diags.report(
                location,
                "E030",
                f"port {port.name!r}: table {port.table.table[:20]}... is {len(port.table.table)} characters long "
                f"(at most {2 * MAX_NAME})",
            )
        if port.name in seen_ports:
            diags.report(location, "E030", f"port name {port.name!r} is used twice")
        seen_ports.add(port.name)
        if port.stream and port.stream.retention and not ISO_DURATION.match(port.stream.retention):
            diags.report(
                location, "E030", f"port {port.name!r}: retention {port.stream.retention!r} is not an ISO-8601 duration"
            )

    owner = ir.Owner(spec.owner.team, spec.owner.contact) if spec.owner else None
    return ContractMeta(
        name=name,
        version=version,
        description=spec.description,
        owner=owner,
        slo=slo,
        ports=tuple(spec.ports),
        compatibility=compatibility,
        tags=tuple(spec.tags),
        record=spec.record,
        has_metadata=True,
    )


def major_version(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def versioned_subject(subject: str, major: int) -> str:
    """The subject a major version publishes on: a trailing ``.v<N>`` token names the contract's major,
    and major 2 and later append one when the contract spelled none. A major bump thereby opens a new
    stream beside the old, which keeps flowing while consumers move (as tables get ``_v<major>``)."""
    base = _SUBJECT_VERSION.sub("", subject)
    if base == subject and major <= 1:
        return subject
    return f"{base}.v{major}"


def versioned_table_name(table: str, major: int) -> str:
    """Major versions past 1 land in a new table (``orders_v2``): a breaking change never alters in place.
    Applied where a table is named (SQL, writers, docs), not in the IR: locks hold the name as declared."""
    return table if major <= 1 else f"{table}_v{major}"


def resolve_ports(
    meta: ContractMeta, root: str, records: tuple[ir.Record, ...], location: Location, diags: Diagnostics
) -> tuple[ir.Port, ...]:
    """Turn port specs into IR ports, checking that records and key fields exist."""
    by_id = {r.id: r for r in records}
    by_name: dict[str, list[ir.Record]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    ports: list[ir.Port] = []
    for spec in meta.ports:
        record_id = root
        if spec.record is not None:
            if spec.record in by_id:
                record_id = spec.record
            elif len(by_name.get(spec.record, [])) == 1:
                record_id = by_name[spec.record][0].id
            else:
                diags.report(location, "E032", f"port {spec.name!r} names record {spec.record!r}, which does not exist")
                continue
        record = by_id[record_id]
        field_names = {f.name for f in record.fields}
        named: list[tuple[str, str]] = []
        if spec.stream is not None:
            named += [("key", n) for n in spec.stream.key_fields]
        if spec.table is not None:
            named += [("key", n) for n in spec.table.key_fields]
            named += [("partition", n) for n in spec.table.partition_by]
            named += [("cluster", n) for n in spec.table.cluster_by]
        for kind, n in named:
            if n not in field_names:
                message = f"port {spec.name!r}: {kind} field {n!r} is not a field of {record.name}"
                diags.report(location, "E032", message)
        if spec.stream is not None:
            major = major_version(meta.version)
            subject = versioned_subject(spec.stream.subject, major)
            token = _SUBJECT_VERSION.search(spec.stream.subject)
            bad_version = any(d.code == "E031" and d.location == location for d in diags.items)  # now 0.0.0
            if token is not None and int(token.group()[2:]) > major and not bad_version:
                # A lower token is what a major bump leaves behind (rewritten on purpose); a higher one is
                # a subject written ahead of the version, which would publish somewhere else than it says.
                message = (
                    f"port {spec.name!r}: subject {spec.stream.subject!r} names major {token.group()[2:]}, "
                    f"above version {meta.version}: it publishes on {subject!r}"
                )
                diags.report(location, "W005", message)
            ports.append(
                ir.StreamPort(
                    name=spec.name,
                    subject=subject,
                    record=record_id,
                    key_fields=tuple(spec.stream.key_fields),
                    location=location,
                    retention=spec.stream.retention,
                )
            )
        elif spec.table is not None:
            ports.append(
                ir.TablePort(
                    name=spec.name,
                    table=spec.table.table,
                    record=record_id,
                    location=location,
                    key_fields=tuple(spec.table.key_fields),
                    partition_by=tuple(spec.table.partition_by),
                    cluster_by=tuple(spec.table.cluster_by),
                )
            )
    return tuple(ports)


def make_contract(
    meta: ContractMeta,
    *,
    root: str,
    records: tuple[ir.Record, ...],
    enums: tuple[ir.Enum, ...],
    source: ir.Source,
    location: Location,
    diags: Diagnostics,
    title: str = "",
) -> ir.Contract:
    """The contract both frontends build: checked metadata, the lowered types, ports resolved against them."""
    root_record = next(r for r in records if r.id == root)
    return ir.Contract(
        name=meta.name,
        version=meta.version,
        root=root,
        records=records,
        enums=enums,
        source=source,
        location=location,
        title=title,
        description=meta.description or root_record.description,
        owner=meta.owner,
        slo=meta.slo,
        ports=resolve_ports(meta, root, records, location, diags),
        compatibility=meta.compatibility,
        tags=meta.tags,
        has_metadata=meta.has_metadata,
    )


def check_classification(value: str | None, location: Location, diags: Diagnostics) -> str | None:
    if value is None:
        return None
    if value not in CLASSIFICATIONS:
        diags.report(location, "E030", f"classification {value!r} is not one of {', '.join(CLASSIFICATIONS)}")
        return None
    return value
