"""Findings: what the breaking-change detector reports. Frozen values, sorted by place for stable output."""

from __future__ import annotations

import msgspec

from codegen.compat.rules import RULES, Category
from codegen.diagnostics import Location, Severity


class Finding(msgspec.Struct, frozen=True):
    """One broken rule. ``location`` is in the current file, or in the previous version's file for a
    deletion (``in_previous``), since what was deleted has no place in the current one."""

    rule: str
    location: Location
    message: str
    contract: str
    in_previous: bool = False
    severity: Severity = Severity.ERROR
    categories: tuple[Category, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        return f"{self.location}: {self.rule} {self.message}"


def make_finding(rule_id: str, location: Location, message: str, contract: str, in_previous: bool = False) -> Finding:
    rule = RULES[rule_id]  # a KeyError here is a programming error: every ID is registered
    cats = tuple(c for c in Category if c in rule.categories)
    return Finding(rule_id, location, message, contract, in_previous, rule.severity, cats)


def sort_key(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.location.path, f.location.line, f.location.col, f.rule, f.message)


def unique_sorted(findings: list[Finding]) -> list[Finding]:
    """Sorted by place; one finding per place, rule and message (a type that two contracts share, or that
    both the per-file and the cross-file comparison reach, is reported once)."""
    out: dict[tuple[str, int, int, str, str], Finding] = {}
    for f in sorted(findings, key=lambda f: (*sort_key(f), f.contract)):
        out.setdefault(sort_key(f), f)
    return list(out.values())
