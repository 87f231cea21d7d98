"""Output formats for findings: text, JSON (one object per line, as buf prints), JUnit XML, GitHub annotations.

``json`` and ``xml.etree`` are imported by the formats that use them: the default text output pays for neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from codegen.compat.findings import Finding

FORMATS = ("text", "json", "junit", "github")


def text(findings: Sequence[Finding], contracts: Sequence[str]) -> str:
    return "".join(f"{f.format()}\n" for f in findings)


def json_lines(findings: Sequence[Finding], contracts: Sequence[str]) -> str:
    import json

    lines = []
    for f in findings:
        record = {
            "path": f.location.path,
            "line": f.location.line,
            "column": f.location.col,
            "rule": f.rule,
            "message": f.message,
            "severity": f.severity.value,
            "categories": [c.value for c in f.categories],
            "contract": f.contract,
            "in_previous": f.in_previous,
        }
        lines.append(json.dumps(record, sort_keys=True) + "\n")
    return "".join(lines)


def junit(findings: Sequence[Finding], contracts: Sequence[str]) -> str:
    """One test suite per contract, one failing test case per error finding (warnings are system-out);
    a contract with no error gets one passing case, so CI dashboards show what was checked."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="contract-codegen breaking")
    for name in sorted({*contracts, *(f.contract for f in findings)}):
        mine = [f for f in findings if f.contract == name]
        errors = [f for f in mine if f.is_error]
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(max(len(errors), 1)), failures=str(len(errors)))
        for f in errors:
            case = ET.SubElement(suite, "testcase", name=f"{f.rule} {f.location}", classname=name)
            failure = ET.SubElement(case, "failure", message=f.message, type=f.rule)
            failure.text = f.format()
        if not errors:
            ET.SubElement(suite, "testcase", name="compatible", classname=name)
        warnings = [f for f in mine if not f.is_error]
        if warnings:
            ET.SubElement(suite, "system-out").text = "".join(f"{f.format()}\n" for f in warnings)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], contracts: Sequence[str]) -> str:
    out = []
    for f in findings:
        level = "error" if f.is_error else "warning"
        props = [f"file={_escape_property(f.location.path)}"]
        if f.location.line:
            props.append(f"line={f.location.line}")
        if f.location.col:
            props.append(f"col={f.location.col}")
        props.append(f"title={_escape_property(f.rule)}")
        out.append(f"::{level} {','.join(props)}::{_escape_data(f.message)}\n")
    return "".join(out)


RENDERERS: dict[str, Callable[[Sequence[Finding], Sequence[str]], str]] = {
    "text": text,
    "json": json_lines,
    "junit": junit,
    "github": github,
}


def render(fmt: str, findings: Sequence[Finding], contracts: Sequence[str]) -> str:
    return RENDERERS[fmt](findings, contracts)
