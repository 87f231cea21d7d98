"""Versioning: what the compiler says when a contract changes (wired into generate/check).

* breaking changes without a major bump -> the breaking findings plus VERSION_MAJOR_BUMP_REQUIRED (errors);
  under 1.0.0 a minor bump counts as major, as Cargo and npm read 0.x versions; a pre-release may break its
  previous pre-release of the same version; a release of an older major is judged against that major alone;
* any other change with the version unchanged -> VERSION_BUMP_SUGGESTED (warning);
* a version lower than the last one -> VERSION_DECREASED (error);
* with ``whole``, a contract the lock has and the inputs no longer do -> CONTRACT_NO_DELETE (error),
  unless the project retired it;
* a port writing where another contract's port did (a renamed contract) -> PORT_TARGET_TAKEN (error).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from codegen import ir
from codegen.compat.backward import check_contract, deletions
from codegen.compat.findings import Finding, make_finding, unique_sorted
from codegen.compat.lockfile import fingerprint
from codegen.compat.meta_rules import taken_targets
from codegen.compat.policy import Policy
from codegen.compat.rules import DEFAULT_CATEGORIES
from codegen.compat.versions_order import version_key


def check_versions(
    previous: list[ir.Contract], current: list[ir.Contract], policy: Policy | None = None, whole: bool = False
) -> list[Finding]:
    """``policy``: what the project does not count as breaking ([breaking] except/ignore/retired). ``whole``:
    ``current`` is every contract of the project, so one that is gone was deleted (a run on some of the
    inputs says nothing of the others)."""
    policy = policy or Policy()
    by_name: dict[str, list[ir.Contract]] = {}
    for p in previous:
        by_name.setdefault(p.name, []).append(p)
    findings: list[Finding] = []
    if whole:
        gone, _ = policy.filter(f for f in deletions(previous, current) if f.rule == "CONTRACT_NO_DELETE")
        findings += [msgspec.structs.replace(f, message=_RETIRE.format(f.message, f.contract)) for f in gone]
    findings += policy.filter(taken_targets(previous, current))[0]
    for c in current:
        versions = by_name.get(c.name)
        if versions:
            findings += _one(versions, c, policy)
    return unique_sorted(findings)


# A deleted contract takes its ports away from every consumer, whatever its version says: so no bump allows
# it, and retiring it is a decision the configuration records.
_RETIRE = (
    '{}; its consumers lose its ports. Restore it, or retire it: retired = ["{}"] in [tool.contract-codegen.breaking]'
)


def _one(versions: Sequence[ir.Contract], current: ir.Contract, policy: Policy) -> list[Finding]:
    newest = max(versions, key=lambda v: version_key(v.version))
    line = release_line(current.version)
    own_line = [v for v in versions if release_line(v.version) == line]
    if own_line and line < release_line(newest.version):
        # A release of an older major (a fix for consumers still on it) is judged against that major's
        # versions; the newer major is a port of its own.
        versions = own_line
    latest = max(versions, key=lambda v: version_key(v.version))
    if version_key(current.version) < version_key(latest.version):
        message = f"contract {current.name!r} version went down from {latest.version} to {current.version}"
        return [make_finding("VERSION_DECREASED", current.location, message, current.name)]
    found, _ = policy.filter(check_contract(versions, current))
    breaking = [f for f in found if f.is_error and DEFAULT_CATEGORIES.intersection(f.categories)]
    if breaking and not may_break(latest.version, current.version):
        rules = ", ".join(sorted({f.rule for f in breaking}))
        message = (
            f"contract {current.name!r} has {len(breaking)} breaking change{'s' if len(breaking) != 1 else ''} "
            f"({rules}) but version {latest.version} -> {current.version} is no major bump; "
            f"make it {next_major(latest.version)}"
        )
        return [*breaking, make_finding("VERSION_MAJOR_BUMP_REQUIRED", current.location, message, current.name)]
    if current.version == latest.version and fingerprint(current) != fingerprint(latest):
        message = f"contract {current.name!r} changed but its version stays {current.version}; bump it"
        return [make_finding("VERSION_BUMP_SUGGESTED", current.location, message, current.name)]
    return []


def release_line(version: str) -> tuple[int, ...]:
    """The versions that promise compatibility with one another: one major; below 1.0.0 one minor."""
    major, minor = version_key(version)[:2]
    return (0, minor) if major == 0 else (major,)


def may_break(old: str, new: str) -> bool:
    """Whether ``new`` may break ``old``: a new release line (a major bump), or ``old`` a pre-release of the
    same version (``2.0.0-rc.1`` to ``2.0.0-rc.2`` or ``2.0.0``), which semantic versioning lets change."""
    a, b = version_key(old), version_key(new)
    return release_line(new) > release_line(old) or (a[3] == 0 and a[:3] == b[:3])


def next_major(version: str) -> str:
    major, minor = version_key(version)[:2]
    return f"0.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"
