"""Protobuf types across files: within a package a type may move from one file to another.

The per-file comparison sees such a move as a deletion (MESSAGE_NO_DELETE, a FILE rule) and compares
nothing of the moved type. buf pairs types by full name across files for every category, so this pass
finds every message, enum, service and extension by its full name in both versions: one that moved is
compared where it now lives (its findings fall in whatever categories their rules have), and one gone
from its package is a PACKAGE_*_NO_DELETE (buf's PACKAGE category).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from codegen import ir
from codegen.compat import proto_file_rules, proto_rules
from codegen.compat.checker import Check
from codegen.compat.findings import Finding, make_finding
from codegen.diagnostics import Location


class _Located(Protocol):
    @property
    def location(self) -> Location: ...


T = TypeVar("T", bound=_Located)


def package_findings(previous: Sequence[ir.Contract], current: Sequence[ir.Contract]) -> list[Finding]:
    """What the per-file comparison cannot find: moved types compared, deletions from a package."""
    old = [c for c in previous if c.source.language is ir.SchemaLanguage.PROTOBUF]
    new = [c for c in current if c.source.language is ir.SchemaLanguage.PROTOBUF]
    findings: list[Finding] = []
    gone = {c.source.package or "" for c in old} - {c.source.package or "" for c in new}
    for package in sorted(gone):
        unit = next(c for c in old if (c.source.package or "") == package)
        message = f'package "{package}" deleted' if package else "the files without a package deleted"
        where = unit.source.package_location or unit.location
        findings.append(make_finding("PACKAGE_NO_DELETE", where, message, unit.name, in_previous=True))

    def kept(unit: ir.Contract) -> bool:
        return (unit.source.package or "") not in gone  # a deleted package is said once, above

    def compare(kind: str, rule: str, items: Callable[[ir.Contract], Iterable[T]], key: Callable[[T], str]) -> None:
        before = {key(x): (u, x) for u in old if kept(u) for x in items(u)}
        after = {key(x): (u, x) for u in new for x in items(u)}
        for name, (unit, item) in before.items():
            if name not in after:
                message = f"{kind} {name} deleted"
                findings.append(make_finding(rule, item.location, message, unit.name, in_previous=True))
            elif after[name][0].name != unit.name:  # moved to another file: compare it where it now lives
                check = Check(unit, after[name][0])
                _compare_moved(check, item, after[name][1])
                findings.extend(check.findings)

    compare("message", "PACKAGE_MESSAGE_NO_DELETE", lambda u: u.records, lambda r: r.proto_full_name or r.id)
    compare("enum", "PACKAGE_ENUM_NO_DELETE", lambda u: u.enums, lambda e: e.proto_full_name or e.id)
    compare("service", "PACKAGE_SERVICE_NO_DELETE", lambda u: u.source.services, lambda s: s.full_name)
    compare("extension", "PACKAGE_EXTENSION_NO_DELETE", lambda u: u.source.extensions, lambda e: e.name)
    return findings


def _compare_moved(check: Check, old: object, new: object) -> None:
    if isinstance(old, ir.Record) and isinstance(new, ir.Record):
        proto_rules.check_record(check, old, new)
    elif isinstance(old, ir.Enum) and isinstance(new, ir.Enum):
        proto_rules.check_enum(check, old, new)
    elif isinstance(old, ir.ProtoService) and isinstance(new, ir.ProtoService):
        proto_file_rules.check_service(check, old, new)
