"""The version check that `generate` and `check` run: a contract that changed incompatibly must bump its
major version, or the compile fails before anything is written.

What was last compiled lives in the lock file (contracts.lock.json, committed beside the contracts);
`generate` records each contract's version there after a successful run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from codegen import ir
from codegen.compat.findings import Finding
from codegen.compat.lockfile import LockError, fingerprint, read_lock, write_lock
from codegen.compat.policy import Policy
from codegen.compat.versions import check_versions
from codegen.diagnostics import ContractError, Diagnostic, Location, display_path


def _locked(lock: Path) -> list[ir.Contract]:
    try:
        return read_lock(lock)
    except LockError as exc:
        raise ContractError([Diagnostic(Location(display_path(lock)), "E050", str(exc))]) from None


def read(lock: Path | None) -> list[ir.Contract] | None:
    """The contracts the lock records; None when there is no lock (first run, or the check is off)."""
    if lock is None or not lock.is_file():
        return None
    return _locked(lock)


def version_findings(
    previous: Sequence[ir.Contract] | None,
    contracts: Sequence[ir.Contract],
    policy: Policy | None = None,
    whole: bool = False,
) -> list[Finding]:
    """Breaking changes without a major bump (errors), changes without any bump (warnings), and with
    ``whole`` (the project's own inputs were compiled) contracts deleted; ``policy``: the project's
    [breaking] except/ignore/retired, which the version check honours like `breaking` does."""
    return [] if previous is None else check_versions(list(previous), list(contracts), policy, whole)


def record(lock: Path | None, contracts: Sequence[ir.Contract]) -> None:
    if lock is not None:
        write_lock(contracts, lock)


def unrecorded(
    lock: Path | None, previous: Sequence[ir.Contract] | None, contracts: Sequence[ir.Contract]
) -> list[str]:
    """The contract versions (``orders 1.3.0``) that `generate` would record and the lock does not hold as
    they are; empty when the lock is current."""
    if lock is None:
        return []
    locked = {(c.name, c.version): fingerprint(c) for c in previous or ()}
    return [
        f"{c.name} {c.version}" + (" as changed" if (c.name, c.version) in locked else "")
        for c in contracts
        if locked.get((c.name, c.version)) != fingerprint(c)
    ]
