"""Versioning: what the compiler says when a contract changes (wired into generate/check).

* breaking changes without a major bump -> the breaking findings plus VERSION_MAJOR_BUMP_REQUIRED (errors);
  under 1.0.0 a minor bump counts as major, as Cargo and npm read 0.x versions;
* any other change with the version unchanged -> VERSION_BUMP_SUGGESTED (warning);
* a version lower than the last one -> VERSION_DECREASED (error).
"""

from __future__ import annotations

from collections.abc import Sequence

from codegen import ir
from codegen.compat.backward import check_contract
from codegen.compat.findings import Finding, make_finding, unique_sorted
from codegen.compat.lockfile import fingerprint
from codegen.compat.policy import Policy
from codegen.compat.rules import DEFAULT_CATEGORIES
from codegen.compat.versions_order import version_key


def check_versions(
    previous: list[ir.Contract], current: list[ir.Contract], policy: Policy | None = None
) -> list[Finding]:
    """``policy``: what the project does not count as breaking ([breaking] except/ignore)."""
    by_name: dict[str, list[ir.Contract]] = {}
    for p in previous:
        by_name.setdefault(p.name, []).append(p)
    findings: list[Finding] = []
    for c in current:
        versions = by_name.get(c.name)
        if versions:
            findings += _one(versions, c, policy or Policy())
    return unique_sorted(findings)


def _one(versions: Sequence[ir.Contract], current: ir.Contract, policy: Policy) -> list[Finding]:
    latest = max(versions, key=lambda v: version_key(v.version))
    if version_key(current.version) < version_key(latest.version):
        message = f"contract {current.name!r} version went down from {latest.version} to {current.version}"
        return [make_finding("VERSION_DECREASED", current.location, message, current.name)]
    found, _ = policy.filter(check_contract(versions, current))
    breaking = [f for f in found if f.is_error and DEFAULT_CATEGORIES.intersection(f.categories)]
    if breaking and not major_bumped(latest.version, current.version):
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


def major_bumped(old: str, new: str) -> bool:
    a, b = version_key(old), version_key(new)
    if a[0] == 0 and b[0] == 0:
        return b[1] > a[1]
    return b[0] > a[0]


def next_major(version: str) -> str:
    major, minor = version_key(version)[:2]
    return f"0.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"
