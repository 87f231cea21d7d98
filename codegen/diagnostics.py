"""Diagnostics: every error a user can cause is a value with a code, a location and a message.

Printed as ``path:line:col: CODE message``; sorted and de-duplicated before printing. Codes are
stable: the table below is the single list of them (docs/errors.md is generated from it and every
error code has a bad-input case under tests/cases/).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable
from pathlib import Path

import msgspec


class Location(msgspec.Struct, frozen=True, order=True):
    """A place in a source file. Lines and columns are 1-based; 0 means "the whole file"."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


# code -> (severity, one-line meaning). Keep sorted by code; never reuse a retired code.
CODES: dict[str, tuple[Severity, str]] = {
    "E001": (Severity.ERROR, "input file cannot be read or does not exist"),
    "E002": (Severity.ERROR, "input is not valid JSON"),
    "E003": (Severity.ERROR, "unknown input kind (expected .proto or .schema.json / .json)"),
    "E010": (Severity.ERROR, "JSON Schema fails validation against its meta-schema"),
    "E011": (Severity.ERROR, "unsupported JSON Schema draft ($schema)"),
    "E012": (Severity.ERROR, "JSON Schema keyword the compiler cannot honour"),
    "E013": (Severity.ERROR, "$ref cannot be resolved"),
    "E014": (Severity.ERROR, "schema shape cannot be represented (e.g. conflicting allOf, bad union)"),
    "E015": (Severity.ERROR, "JSON Schema keyword of ours (x-pii, x-decimal, discriminator...) is malformed"),
    "E020": (Severity.ERROR, "protoc reported an error (syntax, import, type resolution)"),
    "E021": (Severity.ERROR, "protobuf feature the compiler cannot honour"),
    "E022": (Severity.ERROR, "(contract.v1.field) option does not fit the field's type"),
    "E023": (Severity.ERROR, "protobuf contract file declares no message to be its root record"),
    "E030": (Severity.ERROR, "contract metadata is invalid"),
    "E031": (Severity.ERROR, "contract version is not a semantic version"),
    "E032": (Severity.ERROR, "port refers to a record or field that does not exist"),
    "E040": (Severity.ERROR, "two contracts have the same name"),
    "E041": (Severity.ERROR, "generated names collide"),
    "E042": (Severity.ERROR, "type cannot be represented as a Python record (msgspec union limits, map keys)"),
    "E043": (Severity.ERROR, "constraint cannot be enforced on generated Python records where it is placed"),
    "E044": (Severity.ERROR, "default value does not fit the field's type"),
    "E045": (Severity.ERROR, "pattern is not a regular expression the generated records can compile"),
    "E050": (Severity.ERROR, "configuration is invalid"),
    "W001": (Severity.WARNING, "contract metadata missing (plain schema compiled with defaults)"),
    "W002": (Severity.WARNING, "field or record has no description"),
    "W003": (Severity.WARNING, "contract has no owner"),
    "W004": (Severity.WARNING, "contract declares no output port"),
    "W005": (Severity.WARNING, "stream subject names a major version above the contract's"),
    "W010": (Severity.WARNING, "unknown JSON Schema format (compiled as a plain string)"),
    "W011": (Severity.WARNING, "unknown JSON Schema keyword (ignored; custom keywords start with x-)"),
    "W012": (Severity.WARNING, "enum value the keywords beside the enum reject (left out of the enum)"),
    "W020": (Severity.WARNING, "part of a plain schema that `breaking` cannot represent, so does not compare"),
}


# C0 control characters (and DEL) spelled as escapes, as repr() spells them.
_ONE_LINE = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7F)}


class Diagnostic(msgspec.Struct, frozen=True, order=True):
    location: Location
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        # One line per diagnostic, whatever a contract's names hold (a key "a\nb" must not start a new line).
        return f"{self.location}: {self.code} {self.message.translate(_ONE_LINE)}"


class Diagnostics(msgspec.Struct):
    """A collector passed through the pipeline. Frontends report and carry on where they can, so
    one run shows every error rather than the first."""

    items: list[Diagnostic] = msgspec.field(default_factory=list)

    def report(self, location: Location, code: str, message: str) -> None:
        if code not in CODES:  # a programming error, not a user error
            raise KeyError(f"unknown diagnostic code {code}")
        self.items.append(Diagnostic(location, code, message))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(set(self.items))

    def errors(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.is_error]

    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if not d.is_error]


# Errors about what the IR cannot represent. For `breaking` on a plain JSON Schema (no contract metadata),
# only compatibility is asked: they become W020, naming the part left out of the comparison.
NOT_COMPARED_CODES = frozenset({"E012", "E013", "E014", "E015"})


class NotCompared(Diagnostics):
    """Reports into another collector's list (pass its ``items``), with NOT_COMPARED_CODES as W020."""

    def report(self, location: Location, code: str, message: str) -> None:
        if code in NOT_COMPARED_CODES:
            code, message = "W020", f"not compared: {message}"
        super().report(location, code, message)


class ContractError(Exception):
    """Raised at the pipeline boundary when any contract has an error."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def counted(n: int, noun: str) -> str:
    """``3 errors``, ``1 error``: for summaries."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def display_path(path: Path | str) -> str:
    """The path as users should see it: relative to the working directory when below it."""
    p = Path(path)
    try:
        rel = os.path.relpath(p.resolve(), Path.cwd())
    except ValueError:  # a different drive on Windows
        return p.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else p.resolve().as_posix()


def codes_markdown() -> str:
    """docs/errors.md, generated from CODES so the two never drift (a test compares them)."""
    lines = [
        "# Diagnostic codes",
        "",
        "Every diagnostic prints as `path:line:col: CODE message`. Errors (E) stop `generate` with exit code 2",
        "and nothing written; warnings (W) are printed and the run goes on. `contract-codegen lint` reports both.",
        "This page is generated from `codegen/diagnostics.py` (`make goldens`).",
        "",
        "| code | severity | meaning |",
        "|---|---|---|",
    ]
    for code, (severity, meaning) in sorted(CODES.items()):
        lines.append(f"| {code} | {severity.value} | {meaning} |")
    return "\n".join(lines) + "\n"
