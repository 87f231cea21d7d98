"""What a project chooses not to hear from the detector, as buf's `except` and `ignore` do.

- ``except``: rule IDs or categories never reported (a category takes every rule in it);
- ``ignore``: files or folders whose findings are not reported;
- ``ignore_only``: rule ID or category -> the files or folders where only that is not reported;
- ``retired``: contract names deleted on purpose (no CONTRACT_NO_DELETE for them).

It applies to `breaking` and to the version check of `generate`/`check` alike: a change the project
accepted does not demand a major version either. Paths are compared resolved, so a finding's place
(relative to the working directory) and a configured path (relative to the configuration file) meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from codegen.compat.findings import Finding
from codegen.compat.rules import RULES, Category
from codegen.diagnostics import ContractError, Diagnostic, Location

if TYPE_CHECKING:
    from codegen.config import Config


class Policy(msgspec.Struct, frozen=True):
    excepted: frozenset[str] = frozenset()  # rule IDs
    ignored: tuple[Path, ...] = ()
    ignored_only: Mapping[str, tuple[Path, ...]] = msgspec.field(default_factory=dict)  # rule ID -> paths
    retired: frozenset[str] = frozenset()  # contract names deleted on purpose

    def keeps(self, finding: Finding) -> bool:
        if finding.rule in self.excepted:
            return False
        if finding.rule == "CONTRACT_NO_DELETE" and finding.contract in self.retired:
            return False
        if not self.ignored and finding.rule not in self.ignored_only:
            return True
        place = Path(finding.location.path).resolve()
        paths = (*self.ignored, *self.ignored_only.get(finding.rule, ()))
        return not any(place == p or place.is_relative_to(p) for p in paths)

    def filter(self, findings: Iterable[Finding]) -> tuple[list[Finding], int]:
        """The findings kept, and how many were left out."""
        findings = list(findings)
        kept = [f for f in findings if self.keeps(f)]
        return kept, len(findings) - len(kept)


def rule_ids(name: str) -> frozenset[str]:
    """A rule ID, or every rule of a category; ValueError naming the unknown one."""
    if name in RULES:
        return frozenset({name})
    try:
        category = Category(name.upper())
    except ValueError:
        raise ValueError(f"{name!r} is neither a rule ID nor a category (see docs/breaking-changes.md)") from None
    return frozenset(r.id for r in RULES.values() if category in r.categories)


def make_policy(
    excepted: Sequence[str],
    ignored: Sequence[Path],
    ignored_only: Mapping[str, Sequence[Path]],
    retired: Sequence[str] = (),
) -> Policy:
    only: dict[str, tuple[Path, ...]] = {}
    for name, paths in ignored_only.items():
        for rule in rule_ids(name):
            only[rule] = (*only.get(rule, ()), *(p.resolve() for p in paths))
    return Policy(
        excepted=frozenset().union(*(rule_ids(n) for n in excepted)),
        ignored=tuple(p.resolve() for p in ignored),
        ignored_only=only,
        retired=frozenset(retired),
    )


def from_config(config: Config, excepted: Sequence[str] = (), ignored: Sequence[Path] = ()) -> Policy:
    """The configured policy, widened by command-line ``excepted`` and ``ignored``. A name that is neither a
    rule nor a category is a configuration error (E050) when configured, a ValueError when given."""
    for name in config.breaking_except + tuple(config.breaking_ignore_only):
        try:
            rule_ids(name)
        except ValueError as exc:
            where = Location(config.source or "configuration")
            raise ContractError([Diagnostic(where, "E050", f"[breaking]: {exc}")]) from None
    return make_policy(
        (*config.breaking_except, *excepted),
        (*config.breaking_ignore, *ignored),
        config.breaking_ignore_only,
        config.breaking_retired,
    )
