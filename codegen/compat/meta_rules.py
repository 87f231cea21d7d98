"""Rules on the contract's own metadata: ports, PII classification, service levels, owner, compatibility."""

from __future__ import annotations

import re
from collections.abc import Sequence

from codegen import ir
from codegen.compat.checker import Check
from codegen.compat.findings import Finding, make_finding
from codegen.compat.pairing import pair_by
from codegen.diagnostics import Location
from codegen.metadata import versioned_subject, versioned_table_name

CLASSIFICATION_RANK = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}
_DURATION = re.compile(
    r"^P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {"Y": 365 * 86400, "M": 30 * 86400, "W": 7 * 86400, "D": 86400, "h": 3600, "m": 60, "s": 1}
# What each mode promises; a mode is weakened when the new one promises less.
_PROMISES: dict[ir.Compatibility, frozenset[str]] = {
    ir.Compatibility.NONE: frozenset(),
    ir.Compatibility.BACKWARD: frozenset({"B"}),
    ir.Compatibility.BACKWARD_TRANSITIVE: frozenset({"B", "BT"}),
    ir.Compatibility.FORWARD: frozenset({"F"}),
    ir.Compatibility.FORWARD_TRANSITIVE: frozenset({"F", "FT"}),
    ir.Compatibility.FULL: frozenset({"B", "F"}),
    ir.Compatibility.FULL_TRANSITIVE: frozenset({"B", "F", "BT", "FT"}),
}


def seconds(duration: str | None) -> float | None:
    """An ISO-8601 duration in seconds (years 365 days, months 30); None when absent or unreadable."""
    m = _DURATION.match(duration or "")
    if duration is None or m is None:
        return None
    return sum(float(v) * _SECONDS[k] for k, v in m.groupdict().items() if v)


def check_contract(check: Check) -> None:
    old, new = check.previous, check.current
    _ports(check, old, new)
    _slo(check, old.slo, new.slo, new.location)
    if old.owner is not None and new.owner is None:
        check.report("OWNER_REMOVED", new.location, f"contract {new.name!r} no longer names an owner")
    if not _PROMISES[old.compatibility] <= _PROMISES[new.compatibility]:
        message = f"compatibility weakened from {old.compatibility.value} to {new.compatibility.value}"
        check.report("COMPATIBILITY_WEAKENED", new.location, message)


def _target(port: ir.Port) -> str:
    return f"stream {port.subject}" if isinstance(port, ir.StreamPort) else f"table {port.table}"


def _written_to(port: ir.Port, major: int) -> str:
    """Where a port's records land: subjects carry the major already, tables get it where they are named."""
    return _target(port) if isinstance(port, ir.StreamPort) else f"table {versioned_table_name(port.table, major)}"


def taken_targets(previous: Sequence[ir.Contract], current: Sequence[ir.Contract]) -> list[Finding]:
    """A port that publishes where another contract did (a renamed contract, or a new one reusing a retired
    one's subject): the old readers are still there, and they dead-letter every message of a contract that is
    not theirs. Not a pairwise rule: the owner is another contract."""
    owners: dict[str, ir.Contract] = {}
    for old in previous:
        for port in old.ports:
            owners.setdefault(_written_to(port, old.major), old)
    findings: list[Finding] = []
    for c in current:
        for port in c.ports:
            target = _written_to(port, c.major)
            owner = owners.get(target)
            if owner is not None and owner.name != c.name:
                message = (
                    f"port {port.name!r} writes to {target}, which contract {owner.name!r} (version {owner.version}) "
                    "wrote to: its readers would dead-letter every record; give the port one of its own"
                )
                findings.append(make_finding("PORT_TARGET_TAKEN", port.location, message, c.name))
    return findings


def _version_token_only(a: ir.Port, b: ir.Port, major: int) -> bool:
    """A subject that moved only as a major bump moves it (``sales.orders.v1`` to ``.v2``): a new port by design."""
    return (
        isinstance(a, ir.StreamPort)
        and isinstance(b, ir.StreamPort)
        and versioned_subject(a.subject, major) == b.subject
    )


def _ports(check: Check, old: ir.Contract, new: ir.Contract) -> None:
    ports = pair_by(old.ports, new.ports, lambda p: p.name)
    added_by_target = {_target(p): p for p in ports.added}
    for a in ports.deleted:
        moved = added_by_target.get(_target(a))
        if moved is not None:
            message = f"port {a.name!r} renamed to {moved.name!r}: consumers address ports by name"
            check.report("PORT_NO_DELETE", moved.location, message)
        else:
            check.report_deleted("PORT_NO_DELETE", a.location, f"port {a.name!r} ({_target(a)}) deleted")
    for a, b in ports.paired:
        _port(check, a, b)


def _port(check: Check, a: ir.Port, b: ir.Port) -> None:
    where, name = b.location, b.name
    major = check.current.major
    if _written_to(a, major) != _written_to(b, major) and not _version_token_only(a, b, major):
        check.report("PORT_SAME_TARGET", where, f"port {name!r} moved from {_target(a)} to {_target(b)}")
    if a.record != b.record:
        check.report("PORT_SAME_RECORD", where, f"port {name!r} now publishes {b.record} instead of {a.record}")
    if a.key_fields != b.key_fields:
        was, now = ", ".join(a.key_fields) or "none", ", ".join(b.key_fields) or "none"
        check.report("PORT_SAME_KEY", where, f"port {name!r} re-keyed from ({was}) to ({now})")
    if isinstance(a, ir.TablePort) and isinstance(b, ir.TablePort):
        _layout(check, a, b)
    if isinstance(a, ir.StreamPort) and isinstance(b, ir.StreamPort):
        kept, left = seconds(a.retention), seconds(b.retention)
        if kept is not None and (left is None or left < kept):
            message = f"port {name!r} retention shortened from {a.retention} to {b.retention or 'the broker default'}"
            check.report("PORT_RETENTION_SHORTENED", where, message)


def _layout(check: Check, a: ir.TablePort, b: ir.TablePort) -> None:
    if (a.partition_by, a.cluster_by) == (b.partition_by, b.cluster_by):
        return
    message = (
        f"port {b.name!r} layout changed: partition_by ({', '.join(a.partition_by)}) -> "
        f"({', '.join(b.partition_by)}), cluster_by ({', '.join(a.cluster_by)}) -> ({', '.join(b.cluster_by)})"
    )
    check.report("PORT_SAME_LAYOUT", b.location, message)


def _slo(check: Check, old: ir.ServiceLevels, new: ir.ServiceLevels, where: Location) -> None:
    was, now = seconds(old.freshness), seconds(new.freshness)
    if was is not None and (now is None or now > was):
        check.report("SLO_WEAKENED", where, f"freshness weakened from {old.freshness} to {new.freshness or 'none'}")
    for key in ("availability", "completeness"):
        a, b = getattr(old, key), getattr(new, key)
        if a is not None and (b is None or b < a):
            check.report("SLO_WEAKENED", where, f"{key} weakened from {a} to {b if b is not None else 'none'}")


def check_field(check: Check, record: ir.Record, a: ir.Field, b: ir.Field) -> None:
    label = f'field "{b.name}" of {record.id}'
    if a.pii and not b.pii:
        check.report("FIELD_PII_DROPPED", b.location, f"{label} is no longer marked PII")
    if a.classification is not None:
        rank_a = CLASSIFICATION_RANK[a.classification]
        rank_b = CLASSIFICATION_RANK.get(b.classification or "", -1)
        if rank_b < rank_a:
            message = f"{label} classification lowered from {a.classification} to {b.classification or 'none'}"
            check.report("FIELD_CLASSIFICATION_LOWERED", b.location, message)
