"""The one directional check, ``backward(previous, current)``, and the modes built from it.

BACKWARD: readers on the current version can read data written with the previous one.
FORWARD:  ``backward`` with the arguments swapped (readers on the previous version read current data).
FULL:     both. ``*_TRANSITIVE``: against every earlier version, not only the latest.
Metadata rules (ports, PII, service levels) look forward in time only: they run once per pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from msgspec.structs import replace

from codegen import ir
from codegen.compat import json_rules, meta_rules, proto_file_rules, proto_rules
from codegen.compat.checker import Check
from codegen.compat.findings import Finding, make_finding, unique_sorted
from codegen.compat.packages import package_findings
from codegen.compat.pairing import pair_by
from codegen.compat.proto_file_rules import gone_from_package, name_in_package
from codegen.compat.rules import DEFAULT_CATEGORIES, Category
from codegen.compat.versions_order import version_key

FORWARD_MODES = {ir.Compatibility.FORWARD, ir.Compatibility.FORWARD_TRANSITIVE}
FULL_MODES = {ir.Compatibility.FULL, ir.Compatibility.FULL_TRANSITIVE}
TRANSITIVE_MODES = {
    ir.Compatibility.BACKWARD_TRANSITIVE,
    ir.Compatibility.FORWARD_TRANSITIVE,
    ir.Compatibility.FULL_TRANSITIVE,
}


def backward(previous: ir.Contract, current: ir.Contract, metadata: bool = True) -> list[Finding]:
    """Every way in which ``current`` fails to read what ``previous`` described (all categories)."""
    check = Check(previous, current)
    moved = check.protobuf and previous.source.package != current.source.package
    if moved:
        # Every type the file declares changed its full name. As buf does, this is said once: a type is
        # deleted only if its name within the package is gone, and types are not compared field by field.
        message = f'package changed from "{previous.source.package or ""}" to "{current.source.package or ""}"'
        check.report("FILE_SAME_PACKAGE", current.source.package_location or current.location, message)
    if check.protobuf:
        proto_file_rules.check_file(check, moved)
    if previous.root != current.root and not (moved and _relative(previous) == _relative(current)):
        message = f"root record changed from {previous.root} to {current.root}"
        check.report("CONTRACT_SAME_ROOT", current.location, message)
    _records(check, moved)
    _enums(check, moved)
    if metadata:
        meta_rules.check_contract(check)
    return check.findings


def _relative(contract: ir.Contract) -> str:
    return name_in_package(contract, contract.root)


def _id(node: ir.Record | ir.Enum) -> str:
    return node.id


def _records(check: Check, moved: bool) -> None:
    """Protobuf types pair by full name, as on the wire and in buf; JSON Schema ones by structure.
    ``moved``: the main file's package changed (see ``backward``)."""
    if not check.protobuf:
        json_rules.check_types(check, meta_rules.check_field)
        return
    records = pair_by(check.previous.records, check.current.records, lambda r: r.id)
    deleted = gone_from_package(check, records.deleted, check.current.records, _id) if moved else records.deleted
    for r in deleted:
        check.report_deleted("MESSAGE_NO_DELETE", r.location, f"record {r.id} deleted")
    for a, b in records.paired:
        proto_rules.check_record(check, a, b)
        for fa, fb in pair_by(a.fields, b.fields, lambda f: f.proto.number if f.proto else f.name).paired:
            meta_rules.check_field(check, b, fa, fb)


def _enums(check: Check, moved: bool) -> None:
    if not check.protobuf:
        return  # compared with the records, by structure (json_rules.check_types)
    enums = pair_by(check.previous.enums, check.current.enums, lambda e: e.id)
    deleted = gone_from_package(check, enums.deleted, check.current.enums, _id) if moved else enums.deleted
    for e in deleted:
        check.report_deleted("ENUM_NO_DELETE", e.location, f"enum {e.id} deleted")
    for a, b in enums.paired:
        proto_rules.check_enum(check, a, b)


def forward(previous: ir.Contract, current: ir.Contract) -> list[Finding]:
    """``backward`` swapped: old readers on current data. Places flip: a 'deletion' is an addition, which the
    prefix says (the message reads the versions swapped: 'removed' where the current version added)."""
    swapped = backward(current, previous, metadata=False)
    prefix = f"forward ({current.version} read as the older version, {previous.version} as the newer): "
    return [
        replace(f, contract=current.name, in_previous=not f.in_previous, message=prefix + f.message) for f in swapped
    ]


def check_pair(previous: ir.Contract, current: ir.Contract, mode: ir.Compatibility) -> list[Finding]:
    if mode is ir.Compatibility.NONE:  # no promise about data; ports, PII and service levels still count
        return [f for f in backward(previous, current) if Category.METADATA in f.categories]
    findings: list[Finding] = []
    if mode not in FORWARD_MODES:
        findings += backward(previous, current)
    if mode in FORWARD_MODES or mode in FULL_MODES:
        findings += forward(previous, current)
        if mode in FORWARD_MODES:  # metadata is checked once whatever the data direction
            findings += [f for f in backward(previous, current) if Category.METADATA in f.categories]
    return findings


def check(
    previous: Sequence[ir.Contract],
    current: Sequence[ir.Contract],
    mode: ir.Compatibility | None = None,
    categories: Iterable[Category] = DEFAULT_CATEGORIES,
) -> list[Finding]:
    """Compare every current contract with its earlier versions (matched by name).

    ``previous`` may hold several versions of a contract (a lock file keeps a history): the latest is
    checked, or every one under a transitive mode. ``mode`` overrides each contract's declared mode."""
    wanted = frozenset(categories)
    by_name: dict[str, list[ir.Contract]] = {}
    for p in previous:
        by_name.setdefault(p.name, []).append(p)
    findings = deletions(previous, current) + meta_rules.taken_targets(previous, current)
    for c in current:
        findings += check_contract(by_name.get(c.name, []), c, mode)
    # Types that moved between files, and deletions from a package (protobuf; findings filtered below).
    findings += package_findings([max(v, key=lambda c: version_key(c.version)) for v in by_name.values()], current)
    return unique_sorted([f for f in findings if wanted.intersection(f.categories)])


def deletions(previous: Sequence[ir.Contract], current: Sequence[ir.Contract]) -> list[Finding]:
    """A finding per contract (or plain schema file) of ``previous`` that ``current`` no longer has, placed
    where its latest version was."""
    current_names = {c.name for c in current}
    latest: dict[str, ir.Contract] = {}
    for p in sorted(previous, key=lambda c: version_key(c.version)):  # the latest version stays
        if p.name not in current_names:
            latest[p.name] = p
    findings: list[Finding] = []
    for name, gone in sorted(latest.items()):
        if _is_schema_file(gone):
            findings.append(make_finding("FILE_NO_DELETE", gone.location, f"file {name} deleted", name, True))
        else:
            message = f"contract {name!r} (version {gone.version}) deleted"
            findings.append(make_finding("CONTRACT_NO_DELETE", gone.location, message, name, in_previous=True))
    return findings


def _is_schema_file(c: ir.Contract) -> bool:
    """A plain schema compiled for comparing: named by its file path, where a contract's name is an
    identifier (see the frontends' ``_schema``)."""
    return not c.has_metadata and c.name.endswith((".proto", ".json"))


def check_contract(
    versions: Sequence[ir.Contract], current: ir.Contract, mode: ir.Compatibility | None = None
) -> list[Finding]:
    """One contract against its earlier versions, under ``mode`` or the contract's declared one."""
    if not versions:
        return []
    if versions[-1] == current and len(versions) == 1:
        return []  # unchanged (paths included): nothing can have broken
    effective = mode or current.compatibility
    ordered = sorted(versions, key=lambda c: version_key(c.version))
    against = ordered if effective in TRANSITIVE_MODES else ordered[-1:]
    return [f for p in against for f in check_pair(p, current, effective)]
