"""The state of one directional check: the two contracts and the findings reported so far."""

from __future__ import annotations

import msgspec

from codegen import ir
from codegen.compat.findings import Finding, make_finding
from codegen.diagnostics import Location


class Check(msgspec.Struct):
    previous: ir.Contract
    current: ir.Contract
    findings: list[Finding] = msgspec.field(default_factory=list)

    @property
    def protobuf(self) -> bool:
        """Protobuf rules apply only when both versions are protobuf; otherwise structure decides."""
        return (
            self.previous.source.language is ir.SchemaLanguage.PROTOBUF
            and self.current.source.language is ir.SchemaLanguage.PROTOBUF
        )

    def report(self, rule: str, location: Location, message: str) -> None:
        self.findings.append(make_finding(rule, location, message, self.current.name))

    def report_deleted(self, rule: str, location: Location, message: str) -> None:
        """A deletion: the place is in the previous version's file."""
        self.findings.append(make_finding(rule, location, message, self.current.name, in_previous=True))

    def prev_record(self, ref: str) -> ir.Record | None:
        return _find(self.previous.records, ref)

    def cur_record(self, ref: str) -> ir.Record | None:
        return _find(self.current.records, ref)


def _find(records: tuple[ir.Record, ...], ref: str) -> ir.Record | None:
    for r in records:
        if r.id == ref:
            return r
    return None
