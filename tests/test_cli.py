"""The command line as CI, pre-commit and build systems use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from codegen.cli import main
from codegen.writer import MANIFEST

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Shipment",
    "description": "A parcel on its way.",
    "x-contract": {
        "name": "shipments",
        "version": "1.0.0",
        "owner": {"team": "logistics", "contact": "logistics@example.com"},
        "ports": [{"name": "shipments", "stream": {"subject": "logistics.shipments.v1", "key_fields": ["id"]}}],
    },
    "type": "object",
    "required": ["id", "weight_kg"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "Shipment id."},
        "weight_kg": {"type": "number", "minimum": 0, "description": "Gross weight."},
    },
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "shipments.schema.json").write_text(json.dumps(SCHEMA, indent=2))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generate_writes_headed_files_and_manifest(project: Path) -> None:
    result = run("generate")
    assert result.exit_code == 0, result.output
    out = project / "generated"
    module = out / "python" / "datacontracts" / "shipments.py"
    assert module.read_text().startswith("# @generated")
    assert (out / "ir" / "shipments.json").is_file()
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(manifest["files"]) == {p for p in snapshot(out) if p != MANIFEST}


def test_rerun_with_nothing_changed_is_a_no_op_and_force_rewrites(project: Path) -> None:
    assert run("generate").exit_code == 0
    module = project / "generated" / "python" / "datacontracts" / "shipments.py"
    before = module.stat().st_mtime_ns
    again = run("generate")
    assert again.exit_code == 0
    assert "up to date" in again.stderr
    assert module.stat().st_mtime_ns == before
    forced = run("generate", "--force")
    assert forced.exit_code == 0 and "up to date" not in forced.stderr


def test_a_changed_breaking_section_is_no_no_op(project: Path) -> None:
    """[breaking] decides what the version gate lets pass: with nothing else changed it is still read."""
    assert run("generate").exit_code == 0
    (project / "contract-codegen.toml").write_text('[breaking]\nexcept = ["NOT_A_RULE"]\n')
    result = run("generate")
    assert result.exit_code == 2 and "E050" in result.stderr, result.output


def test_hand_edited_output_is_regenerated(project: Path) -> None:
    assert run("generate").exit_code == 0
    module = project / "generated" / "python" / "datacontracts" / "shipments.py"
    original = module.read_bytes()
    module.write_text("tampered\n")
    assert run("generate").exit_code == 0
    assert module.read_bytes() == original


def test_contract_error_exits_2_and_leaves_output_untouched(project: Path) -> None:
    assert run("generate").exit_code == 0
    before = snapshot(project / "generated")
    broken = dict(SCHEMA, properties={"id": {"type": "string", "not": {"const": "x"}}})
    (project / "contracts" / "shipments.schema.json").write_text(json.dumps(broken, indent=2))
    result = run("generate")
    assert result.exit_code == 2
    assert "E012" in result.stderr and "not" in result.stderr
    assert result.stderr.splitlines()[0].startswith("contracts/shipments.schema.json:")
    assert snapshot(project / "generated") == before


def test_pattern_python_cannot_compile_exits_2_and_writes_nothing(project: Path) -> None:
    """Before E045 the module was written and failed on import with re.error."""
    bad = json.loads(json.dumps(SCHEMA))
    bad["properties"]["id"] = {"type": "string", "pattern": "^[A-Z]{3,2}$"}
    (project / "contracts" / "shipments.schema.json").write_text(json.dumps(bad, indent=2))
    result = run("generate")
    assert result.exit_code == 2
    assert result.stderr.startswith("contracts/shipments.schema.json:") and "E045" in result.stderr
    assert not (project / "generated").exists()


def test_failing_first_run_creates_nothing(project: Path) -> None:
    (project / "contracts" / "bad.schema.json").write_text("{ not json")
    result = run("generate")
    assert result.exit_code == 2
    assert "E002" in result.stderr
    assert not (project / "generated").exists()
    assert not [p for p in project.iterdir() if p.name.startswith(".generated")], "no staging left behind"


def test_check_reports_changed_missing_and_extra_files(project: Path) -> None:
    assert run("generate").exit_code == 0
    assert run("check").exit_code == 0
    out = project / "generated"
    (out / "python" / "datacontracts" / "shipments.py").write_text("stale\n")
    (out / "ir" / "shipments.json").unlink()
    (out / "python" / "datacontracts" / "leftover.py").write_text("x = 1\n")
    result = run("check")
    assert result.exit_code == 1
    assert "changed: generated/python/datacontracts/shipments.py" in result.stderr
    assert "missing: generated/ir/shipments.json" in result.stderr
    assert "no longer generated: generated/python/datacontracts/leftover.py" in result.stderr


def test_check_fails_with_2_on_contract_errors(project: Path) -> None:
    (project / "contracts" / "bad.schema.json").write_text("[1,")
    assert run("check").exit_code == 2


def test_lint_reports_warnings_without_writing(project: Path) -> None:
    (project / "contracts" / "plain.schema.json").write_text(
        json.dumps({"type": "object", "properties": {"a": {"type": "string"}}})
    )
    result = run("lint")
    assert result.exit_code == 0, result.output
    assert "W001" in result.stderr
    assert not (project / "generated").exists()


def test_refuses_to_replace_a_folder_it_did_not_write(project: Path) -> None:
    (project / "mine").mkdir()
    (project / "mine" / "notes.txt").write_text("precious")
    result = run("generate", "-o", "mine")
    assert result.exit_code == 2 and "E050" in result.stderr
    assert (project / "mine" / "notes.txt").read_text() == "precious"


def test_configuration_from_pyproject_and_command_line_override(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.contract-codegen]\ninputs = ["contracts"]\noutput = "out"\nemit = ["ir-json"]\n'
    )
    assert run("generate").exit_code == 0
    assert (project / "out" / "ir" / "shipments.json").is_file()
    assert not (project / "out" / "python").exists()
    assert run("generate", "-o", "other", "--emit", "python").exit_code == 0
    assert (project / "other" / "python" / "datacontracts" / "shipments.py").is_file()


def test_unknown_config_key_and_unknown_emitter_are_errors(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.contract-codegen]\noutptu = 'x'\n")
    bad_key = run("generate")
    assert bad_key.exit_code == 2 and "E050" in bad_key.stderr and "outptu" in bad_key.stderr
    (project / "pyproject.toml").unlink()
    bad_emitter = run("generate", "--emit", "cobol")
    assert bad_emitter.exit_code == 2 and "unknown emitter 'cobol'" in bad_emitter.stderr


def test_emitter_options_are_checked_by_the_emitter(project: Path) -> None:
    (project / "contract-codegen.toml").write_text('[emitters.python]\npackage = "acme_contracts"\n')
    assert run("generate").exit_code == 0
    assert (project / "generated" / "python" / "acme_contracts" / "shipments.py").is_file()
    (project / "contract-codegen.toml").write_text('[emitters.python]\npackge = "x"\n')
    result = run("generate", "--force")
    assert result.exit_code == 2 and "packge" in result.stderr


def test_output_is_byte_identical_across_runs(project: Path) -> None:
    assert run("generate", "-o", "a").exit_code == 0
    assert run("generate", "-o", "b").exit_code == 0
    assert snapshot(project / "a") == snapshot(project / "b")


def test_missing_input_is_an_error(project: Path) -> None:
    result = run("generate", "nowhere")
    assert result.exit_code == 2
    assert "nowhere:0:0: E001" in result.stderr


def test_no_progress_noise_when_not_a_terminal(project: Path) -> None:
    result = run("generate")
    assert "\r" not in result.stderr and "\033" not in result.stderr


def test_module_entry_point_and_help() -> None:
    out = subprocess.run([sys.executable, "-m", "codegen", "--help"], capture_output=True, text=True, check=True)
    for command in ("generate", "check", "lint", "emitters"):
        assert command in out.stdout


def test_emitters_are_listed() -> None:
    result = run("emitters")
    assert result.exit_code == 0
    assert "python" in result.stdout and "ir-json" in result.stdout


def test_committed_generated_tree_is_fresh(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mypy-protobuf rule: committed output regenerated in CI, any diff fails."""
    monkeypatch.chdir(root)
    result = run("check")
    assert result.exit_code == 0, result.stderr


def test_every_generated_file_carries_the_generated_mark(root: Path) -> None:
    out = root / "generated"
    unmarked = [
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name not in ("py.typed", MANIFEST) and "__pycache__" not in p.parts
        if b"@generated" not in p.read_bytes()[:400]
    ]
    assert unmarked == []


def test_unknown_input_kind_is_an_error(project: Path) -> None:
    (project / "notes.txt").write_text("not a contract")
    result = run("generate", "notes.txt")
    assert result.exit_code == 2 and "notes.txt:0:0: E003" in result.stderr


def test_lint_reports_documentation_gaps(project: Path) -> None:
    bare = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Bare",
        "x-contract": {"name": "bare", "version": "1.0.0"},
        "type": "object",
        "properties": {"x": {"type": "string"}},
    }
    (project / "contracts" / "bare.schema.json").write_text(json.dumps(bare, indent=2))
    result = run("lint")
    assert result.exit_code == 0
    for code in ("W002", "W003", "W004"):
        assert f" {code} " in result.stderr, code


def test_a_subject_ahead_of_the_version_is_a_warning(project: Path) -> None:
    """A subject's .v<N> is the contract's major: one written ahead of the version (v2 at 1.4.0) would
    publish elsewhere than it says. A lower one is what a major bump leaves, rewritten without a word."""
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Bare",
        "x-contract": {
            "name": "bare",
            "version": "1.4.0",
            "ports": [
                {"name": "ahead", "stream": {"subject": "bare.events.v2"}},
                {"name": "behind", "stream": {"subject": "bare.history.v0"}},
            ],
        },
        "type": "object",
        "properties": {"x": {"type": "string"}},
    }
    (project / "contracts" / "bare.schema.json").write_text(json.dumps(doc, indent=2))
    result = run("lint")
    assert result.exit_code == 0, result.output
    assert (
        "W005 port 'ahead': subject 'bare.events.v2' names major 2, above version 1.4.0: it publishes on "
        "'bare.events.v1'" in result.stderr
    ), result.stderr
    assert result.stderr.count("W005") == 1


# Codes a golden case cannot show (cases compile a whole folder with no arguments), each with the test that does.
CODES_SHOWN_ELSEWHERE = {
    "E003": "test_unknown_input_kind_is_an_error",
    "W002": "test_lint_reports_documentation_gaps",
    "W003": "test_lint_reports_documentation_gaps",
    "W004": "test_lint_reports_documentation_gaps",
    "W005": "test_a_subject_ahead_of_the_version_is_a_warning",
    "W020": "tests/compat/test_cli_breaking.py::test_plain_json_schemas_compare_what_the_ir_holds",
}


def test_every_diagnostic_code_has_a_bad_input_case(root: Path) -> None:
    from codegen.diagnostics import CODES

    shown = "".join(p.read_text() for p in (root / "tests" / "cases").glob("*/expected_stderr.txt"))
    missing = [c for c in CODES if f": {c} " not in shown and c not in CODES_SHOWN_ELSEWHERE]
    assert missing == []


def test_each_command_says_its_own_output_default() -> None:
    package_help = CliRunner().invoke(main, ["package", "--help"]).output
    assert "Output folder [default: build/contract-packages]" in " ".join(package_help.split())
    assert "Output folder [default: generated]" in CliRunner().invoke(main, ["generate", "--help"]).output


def test_a_broken_configuration_is_e050_at_its_line(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.contract-codegen]\ninputs = ["contracts"\noutput = 3\n')
    result = run("lint")
    assert result.exit_code == 2
    assert "pyproject.toml:3:1: E050 cannot read configuration: Unclosed array" in result.stderr, result.stderr
