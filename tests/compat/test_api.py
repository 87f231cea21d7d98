"""The library API: modes, check_versions, the lock file, output formats, on real compiled contracts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

from msgspec.structs import replace

from codegen import ir
from codegen.compat import Category, backward, check, check_pair, check_versions, read_lock, write_lock
from codegen.compat.output import render
from codegen.compat.sources import relocate
from tests.compat.conftest import FIXTURES, REPO, compile_dir


def _pair(case: str, chdir: Callable[[Path], None]) -> tuple[ir.Contract, ir.Contract]:
    chdir(FIXTURES / case)
    (previous,), (current,) = compile_dir(Path("previous")), compile_dir(Path("current"))
    return previous, current


def _rules(findings: list) -> set[str]:  # type: ignore[type-arg]
    return {f.rule for f in findings}


def test_forward_is_backward_swapped(in_dir: Callable[[Path], None]) -> None:
    # Adding a required-looking change: an open object gaining a property warns BACKWARD only.
    previous, current = _pair("json_enum_widened", in_dir)
    assert not backward(previous, current)
    forward = check_pair(previous, current, ir.Compatibility.FORWARD)
    assert _rules(forward) == {"ENUM_NARROWED"}  # old readers do not know "tin"
    swapped = f"forward ({current.version} read as the older version, {previous.version} as the newer): "
    assert all(f.message.startswith(swapped) for f in forward)
    full = check_pair(previous, current, ir.Compatibility.FULL)
    assert _rules(full) == {"ENUM_NARROWED"}


def test_transitive_checks_every_earlier_version(in_dir: Callable[[Path], None]) -> None:
    v1, v2 = _pair("json_max_length_lowered", in_dir)  # maxLength 20 -> 10
    v1 = replace(v1, version="1.0.0")
    v2 = replace(v2, version="1.1.0")
    v3 = replace(v1, version="1.2.0")  # back to 20: compatible with v2, not checked against v1 alone
    assert check([v1, v2], [v3], ir.Compatibility.BACKWARD) == []
    # maxLength going from 10 back to 20 loosens; from v1 it is equal: transitive is clean too...
    assert check([v1, v2], [v3], ir.Compatibility.BACKWARD_TRANSITIVE) == []
    # ...while a v3 equal to v2 is clean against v2 but tightened against v1.
    v3b = replace(v2, version="1.2.0")
    assert check([v1, v2], [v3b], ir.Compatibility.BACKWARD) == []
    assert _rules(check([v1, v2], [v3b], ir.Compatibility.BACKWARD_TRANSITIVE)) == {"CONSTRAINT_TIGHTENED"}


def test_declared_mode_is_used_and_none_skips(in_dir: Callable[[Path], None]) -> None:
    previous, current = _pair("field_deleted", in_dir)
    assert _rules(check([previous], [current])) == {"FIELD_NO_DELETE"}
    relaxed = replace(current, compatibility=ir.Compatibility.NONE)
    assert _rules(check([previous], [relaxed])) == {"COMPATIBILITY_WEAKENED"}


def test_categories_filter(in_dir: Callable[[Path], None]) -> None:
    previous, current = _pair("type_int32_to_int64", in_dir)
    assert check([previous], [current], categories=[Category.WIRE]) == []
    assert _rules(check([previous], [current], categories=[Category.WIRE_JSON])) == {"FIELD_WIRE_JSON_COMPATIBLE_TYPE"}


def test_contract_deleted(in_dir: Callable[[Path], None]) -> None:
    previous, _ = _pair("field_added", in_dir)
    (finding,) = check([previous], [])
    assert finding.rule == "CONTRACT_NO_DELETE" and finding.in_previous


def test_check_versions(in_dir: Callable[[Path], None]) -> None:
    previous, current = _pair("field_deleted", in_dir)
    found = check_versions([previous], [replace(current, version="1.1.0")])
    assert _rules(found) == {"FIELD_NO_DELETE", "VERSION_MAJOR_BUMP_REQUIRED"}
    assert "make it 2.0.0" in next(f.message for f in found if f.rule == "VERSION_MAJOR_BUMP_REQUIRED")
    assert check_versions([previous], [replace(current, version="2.0.0")]) == []
    (down,) = check_versions([previous], [replace(current, version="0.9.0")])
    assert down.rule == "VERSION_DECREASED" and down.is_error

    same, added = _pair("field_added", in_dir)
    (warn,) = check_versions([same], [added])  # compatible change, version unchanged
    assert warn.rule == "VERSION_BUMP_SUGGESTED" and not warn.is_error
    assert check_versions([same], [replace(added, version="1.1.0")]) == []
    # A description changed: still a change worth a (patch) bump.
    doc_prev, doc_cur = _pair("clean_comment_only", in_dir)
    assert _rules(check_versions([doc_prev], [doc_cur])) == {"VERSION_BUMP_SUGGESTED"}
    # The same contract read from another place: nothing changed.
    assert check_versions([doc_prev], [relocate(doc_prev, "previous", "elsewhere")]) == []


def test_zero_major_minor_bump_allows_breaking(in_dir: Callable[[Path], None]) -> None:
    previous, current = _pair("field_deleted", in_dir)
    previous, current = replace(previous, version="0.3.1"), replace(current, version="0.4.0")
    assert check_versions([previous], [current]) == []


def test_lock_round_trip_and_history(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    in_dir(REPO)
    contracts = compile_dir(Path("contracts"))
    lock = tmp_path / "contracts.lock.json"
    write_lock(contracts, lock)
    assert read_lock(lock) == contracts
    first = lock.read_bytes()
    write_lock(contracts, lock)
    assert lock.read_bytes() == first  # byte-stable, and the same version replaces itself
    bumped = [replace(c, version="9.0.0") for c in contracts[:1]]
    write_lock(bumped, lock)
    names = [(c.name, c.version) for c in read_lock(lock)]
    assert (contracts[0].name, contracts[0].version) in names and (contracts[0].name, "9.0.0") in names
    doc = json.loads(lock.read_text())
    assert doc["lock_format"] == 2 and sorted(doc["contracts"]) == sorted({c.name for c in contracts})


def test_output_formats(in_dir: Callable[[Path], None]) -> None:
    previous, current = _pair("field_renamed", in_dir)
    findings = check([previous], [current])
    text = render("text", findings, ["fx"])
    assert 'current/fx.proto:25:3: FIELD_SAME_NAME field 2 of Event renamed from "count" to "total"' in text
    rows = [json.loads(line) for line in render("json", findings, ["fx"]).splitlines()]
    assert {r["rule"] for r in rows} == {"FIELD_SAME_NAME", "FIELD_SAME_JSON_NAME"}
    assert rows[0]["path"] == "current/fx.proto" and rows[0]["line"] == 25 and rows[0]["severity"] == "error"
    suite = ET.fromstring(render("junit", findings, ["fx", "other"]))
    by_name = {s.get("name"): s for s in suite}
    assert by_name["fx"].get("failures") == "2" and by_name["other"].get("failures") == "0"
    github = render("github", findings, ["fx"]).splitlines()
    assert github[0].startswith("::error file=current/fx.proto,line=25,col=3,title=FIELD_SAME_")


def test_docs_list_every_rule() -> None:
    from codegen.compat.rules import rules_markdown

    assert rules_markdown() in (REPO / "docs" / "breaking-changes.md").read_text(encoding="utf-8")


def _without_type_names(contract: ir.Contract) -> ir.Contract:
    """The contract as a lock file written before ProtoField.type_name was kept holds it."""

    def strip(f: ir.Field) -> ir.Field:
        return replace(f, proto=replace(f.proto, type_name="")) if f.proto is not None else f

    records = tuple(replace(r, fields=tuple(strip(f) for f in r.fields)) for r in contract.records)
    return replace(contract, records=records)


def test_an_older_lock_reads_no_type_changes(in_dir: Callable[[Path], None]) -> None:
    """Message, enum, wrapper and map fields compared against a lock from before type names were kept:
    no change of type is made up, and a real one is still found."""
    previous, current = _pair("plain_map_key_retyped", in_dir)
    assert any(f.proto and f.proto.type_name for r in current.records for f in r.fields)  # the new facts
    old = _without_type_names(previous)
    assert not check([old], [_without_type_names(previous)], categories=list(Category))
    assert not check([old], [previous], categories=list(Category))
    assert _rules(check([old], [current], categories=[Category.FILE])) == {"FIELD_SAME_TYPE"}


def test_an_upgraded_compiler_is_no_version_change(in_dir: Callable[[Path], None]) -> None:
    """A lock written before the compiler kept type names holds the same contract: no bump is suggested,
    while a real change under the same version still is."""
    _, current = _pair("clean_comment_only", in_dir)
    assert any(f.proto and f.proto.type_name for r in current.records for f in r.fields)
    assert check_versions([_without_type_names(current)], [current]) == []
    _, changed = _pair("field_added", in_dir)
    assert _rules(check_versions([_without_type_names(current)], [changed])) == {"VERSION_BUMP_SUGGESTED"}


def test_moved_lines_are_no_change(in_dir: Callable[[Path], None]) -> None:
    """What 'changed' means for versioning leaves every place out, the file's options and package too."""
    from codegen.compat.lockfile import fingerprint
    from codegen.diagnostics import Location

    previous, _ = _pair("plain_file_option_changed", in_dir)
    assert previous.source.options and previous.source.package_location is not None
    lower = Location(previous.location.path, 40, 1)
    moved = replace(
        previous,
        source=replace(
            previous.source,
            options=tuple(replace(o, location=lower) for o in previous.source.options),
            package_location=lower,
        ),
    )
    assert fingerprint(moved) == fingerprint(previous)
    renamed = replace(previous, source=replace(previous.source, package="acme.other"))
    assert fingerprint(renamed) != fingerprint(previous)
