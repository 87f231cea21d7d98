"""The compile error: a contract that changed incompatibly must bump its major version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from codegen.cli import main
from codegen.compat.lockfile import read_lock
from codegen.metadata import versioned_subject


def schema(version: str, properties: dict[str, object], required: list[str]) -> str:
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Invoice",
        "x-contract": {"name": "invoices", "version": version, "owner": {"team": "billing"}},
        "type": "object",
        "properties": properties,
        "required": required,
    }
    return json.dumps(doc, indent=2)


V1 = {"id": {"type": "string"}, "amount_cents": {"type": "integer"}}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["generate", "--emit", "python", *args])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "invoices.schema.json").write_text(schema("1.0.0", V1, ["id", "amount_cents"]))
    monkeypatch.chdir(tmp_path)
    assert run().exit_code == 0
    return tmp_path


def write(project: Path, version: str, properties: dict[str, object], required: list[str]) -> None:
    (project / "contracts" / "invoices.schema.json").write_text(schema(version, properties, required))


def test_first_generate_records_the_lock(project: Path) -> None:
    assert [(c.name, c.version) for c in read_lock(project / "contracts.lock.json")] == [("invoices", "1.0.0")]


def test_breaking_change_without_major_bump_fails_and_writes_nothing(project: Path) -> None:
    before = (project / "generated" / "python" / "datacontracts" / "invoices.py").read_bytes()
    write(project, "1.1.0", {"id": {"type": "string"}}, ["id"])
    result = run()
    assert result.exit_code == 2
    assert "VERSION_MAJOR_BUMP_REQUIRED" in result.stderr and "make it 2.0.0" in result.stderr
    assert "contracts/invoices.schema.json:" in result.stderr
    assert (project / "generated" / "python" / "datacontracts" / "invoices.py").read_bytes() == before
    assert [c.version for c in read_lock(project / "contracts.lock.json")] == ["1.0.0"]


def test_major_bump_is_allowed_and_history_is_kept(project: Path) -> None:
    write(project, "2.0.0", {"id": {"type": "string"}}, ["id"])
    result = run()
    assert result.exit_code == 0, result.output
    assert [c.version for c in read_lock(project / "contracts.lock.json")] == ["1.0.0", "2.0.0"]


def test_major_bump_opens_a_new_stream_subject_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ports = [
        {"name": "invoice-events", "stream": {"subject": "billing.invoices.v1", "key_fields": ["id"]}},
        {"name": "invoice-table", "table": {"table": "invoices", "key_fields": ["id"]}},
        {"name": "plain-events", "stream": {"subject": "billing.plain", "key_fields": ["id"]}},
    ]

    def write_ports(version: str, properties: dict[str, object], required: list[str]) -> None:
        doc = json.loads(schema(version, properties, required))
        doc["x-contract"]["ports"] = ports
        (tmp_path / "contracts" / "invoices.schema.json").write_text(json.dumps(doc))

    (tmp_path / "contracts").mkdir()
    monkeypatch.chdir(tmp_path)
    write_ports("1.0.0", V1, ["id", "amount_cents"])
    assert CliRunner().invoke(main, ["generate", "--emit", "python-ports", "--emit", "sql"]).exit_code == 0
    ports_py = tmp_path / "generated" / "python" / "datacontracts" / "invoices_ports.py"
    assert "'billing.invoices.v1'" in ports_py.read_text().replace('"', "'")
    assert "'billing.plain'" in ports_py.read_text().replace('"', "'")
    write_ports("2.0.0", {"id": {"type": "string"}}, ["id"])
    emit = ["--emit", "python-ports", "--emit", "sql", "--emit", "docs-md", "--emit", "package"]
    result = CliRunner().invoke(main, ["generate", *emit])
    assert result.exit_code == 0, result.output
    text = ports_py.read_text().replace('"', "'")
    assert "'billing.invoices.v2'" in text and "billing.invoices.v1" not in text
    assert "'billing.plain.v2'" in text
    ddl = (tmp_path / "generated" / "sql" / "duckdb" / "invoices_v2.sql").read_text()
    assert "invoices_v2" in ddl
    # What consumers read names the table the writers write, not the one declared.
    page = (tmp_path / "generated" / "docs" / "md" / "invoices.md").read_text()
    readme = (tmp_path / "generated" / "packages" / "invoices-contract" / "README.md").read_text()
    assert "**invoice-table** (table): `invoices_v2`" in page and "billing.invoices.v2" in page
    assert "| port `invoice-table` | table invoices\\_v2 |" in readme and "billing.invoices.v2" in readme


@pytest.mark.parametrize(
    ("subject", "major", "expected"),
    [
        ("sales.orders.v1", 1, "sales.orders.v1"),
        ("sales.orders", 1, "sales.orders"),
        ("catalog.entries.v0", 0, "catalog.entries.v0"),
        ("sales.orders.v1", 2, "sales.orders.v2"),
        ("sales.orders", 3, "sales.orders.v3"),
        ("sales.v1.orders", 2, "sales.v1.orders.v2"),
    ],
)
def test_versioned_subject(subject: str, major: int, expected: str) -> None:
    assert versioned_subject(subject, major) == expected


def test_compatible_change_without_version_change_is_a_warning(project: Path) -> None:
    write(project, "1.0.0", {**V1, "note": {"type": "string"}}, ["id", "amount_cents"])
    result = run()
    assert result.exit_code == 0, result.output
    assert "VERSION_BUMP_SUGGESTED" in result.stderr


def test_version_going_down_is_an_error(project: Path) -> None:
    write(project, "0.9.0", V1, ["id", "amount_cents"])
    result = run()
    assert result.exit_code == 2 and "VERSION_DECREASED" in result.stderr


def test_check_reports_a_stale_lock_and_no_lock_skips_the_gate(project: Path) -> None:
    write(project, "1.1.0", {**V1, "note": {"type": "string"}}, ["id", "amount_cents"])
    assert run("--no-lock").exit_code == 0
    stale = CliRunner().invoke(main, ["check", "--emit", "python"])
    assert stale.exit_code == 1 and "contracts.lock.json does not record invoices 1.1.0" in stale.stderr
    assert run().exit_code == 0
    assert CliRunner().invoke(main, ["check", "--emit", "python"]).exit_code == 0


def test_docs_changelog_comes_from_the_lock(project: Path) -> None:
    write(project, "2.0.0", {"id": {"type": "string"}}, ["id"])
    result = CliRunner().invoke(main, ["generate", "--emit", "docs-md"])
    assert result.exit_code == 0, result.output
    page = (project / "generated" / "docs" / "md" / "invoices.md").read_text()
    assert "1.0.0" in page and "2.0.0" in page
    assert "FIELD_NO_DELETE" in page and "amount\\_cents" in page  # the removed field, Markdown-escaped


def _as_format_1(node: object) -> object:
    """A lock as the compiler wrote it before resolving protobuf features per element."""
    if isinstance(node, dict):
        dropped = {"closed", "json_best_effort", "utf8_validation"}
        return {k: _as_format_1(v) for k, v in node.items() if k not in dropped}
    if isinstance(node, list):
        return [_as_format_1(x) for x in node]
    return node


@pytest.mark.parametrize("syntax", ["proto2", "proto3"])
def test_a_lock_from_before_resolved_features_still_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syntax: str
) -> None:
    """Upgrading the compiler must not turn an unchanged contract into a breaking change: a format-1 lock
    gets the features its syntax gave (proto2: closed enums, no UTF-8 check, best-effort JSON)."""
    label = "optional " if syntax == "proto2" else ""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "things.proto").write_text(
        f'syntax = "{syntax}";\npackage things.v1;\nenum Kind {{ KIND_A = 0; KIND_B = 1; }}\n'
        f"message Thing {{ {label}string name = 1; {label}Kind kind = 2; }}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run().exit_code == 0
    lock = tmp_path / "contracts.lock.json"
    doc = _as_format_1(json.loads(lock.read_text()))
    assert isinstance(doc, dict)
    doc["lock_format"] = 1
    lock.write_text(json.dumps(doc))
    assert read_lock(lock)[0].enums[0].closed is (syntax == "proto2")
    result = CliRunner().invoke(main, ["check", "--emit", "python"])
    assert result.exit_code == 0, result.output
    assert "VERSION_" not in result.output


def test_the_version_check_honours_breaking_except(project: Path) -> None:
    """A change the project chose not to count as breaking ([breaking] except) needs no major version."""
    (project / "contract-codegen.toml").write_text(
        '[breaking]\nexcept = ["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "FIELD_NO_DELETE"]\n'
    )
    write(project, "1.1.0", {"id": {"type": "string"}}, ["id"])
    result = run()
    assert result.exit_code == 0, result.output
    assert "VERSION_MAJOR_BUMP_REQUIRED" not in result.stderr


def _second_contract(project: Path) -> Path:
    """A second contract beside invoices, recorded in the lock."""
    doc = json.loads(schema("1.0.0", V1, ["id"]))
    doc["title"], doc["x-contract"]["name"] = "Refund", "refunds"
    path = project / "contracts" / "refunds.schema.json"
    path.write_text(json.dumps(doc, indent=2))
    assert run().exit_code == 0
    assert {c.name for c in read_lock(project / "contracts.lock.json")} == {"invoices", "refunds"}
    return path


def test_deleting_a_contract_fails_generate_and_check(project: Path) -> None:
    """A deleted contract takes its ports from every consumer: no version bump can say so, so the gate
    refuses it, placed where the contract was, and nothing is written."""
    _second_contract(project).unlink()
    before = (project / "generated" / "python" / "datacontracts" / "refunds.py").read_bytes()
    result = run()
    assert result.exit_code == 2
    assert "contracts/refunds.schema.json:4:3: CONTRACT_NO_DELETE contract 'refunds' (version 1.0.0) deleted" in (
        result.stderr
    )
    assert 'retired = ["refunds"]' in result.stderr
    assert (project / "generated" / "python" / "datacontracts" / "refunds.py").read_bytes() == before
    checked = CliRunner().invoke(main, ["check", "--emit", "python"])
    assert checked.exit_code == 2 and "CONTRACT_NO_DELETE" in checked.stderr


def test_a_retired_contract_may_go_and_keeps_its_history(project: Path) -> None:
    _second_contract(project).unlink()
    (project / "contract-codegen.toml").write_text('[breaking]\nretired = ["refunds"]\n')
    result = run()
    assert result.exit_code == 0, result.output
    assert not (project / "generated" / "python" / "datacontracts" / "refunds.py").exists()
    assert {c.name for c in read_lock(project / "contracts.lock.json")} == {"invoices", "refunds"}
    against_lock = CliRunner().invoke(main, ["breaking", "--against", "contracts.lock.json"])
    assert against_lock.exit_code == 0, against_lock.output
    assert "1 more not reported" in against_lock.stderr


def test_inputs_named_on_the_command_line_are_a_subset_not_a_deletion(project: Path) -> None:
    _second_contract(project)
    result = run("contracts/invoices.schema.json", "-o", "only-invoices")
    assert result.exit_code == 0, result.output
    assert "CONTRACT_NO_DELETE" not in result.stderr


def test_no_lock_skips_the_gate_but_keeps_the_docs_changelog(project: Path) -> None:
    """--no-lock turns the check off and leaves the lock alone; the changelog still reads the history, so the
    docs do not change with the flag."""
    write(project, "2.0.0", {"id": {"type": "string"}}, ["id"])
    assert CliRunner().invoke(main, ["generate", "--emit", "docs-md"]).exit_code == 0
    page = project / "generated" / "docs" / "md" / "invoices.md"
    with_lock = page.read_text()
    assert "FIELD_NO_DELETE" in with_lock
    lock_before = (project / "contracts.lock.json").read_bytes()
    write(project, "2.0.0", {"id": {"type": "string"}, "note": {"type": "string"}}, ["id"])
    result = CliRunner().invoke(main, ["generate", "--emit", "docs-md", "--no-lock"])
    assert result.exit_code == 0, result.output
    assert "VERSION_BUMP_SUGGESTED" not in result.stderr
    assert "FIELD_NO_DELETE" in page.read_text() and page.read_text() != with_lock  # the history, and the note
    assert (project / "contracts.lock.json").read_bytes() == lock_before


def test_package_runs_the_version_gate(project: Path) -> None:
    """A package is how a breaking change would ship: `package` refuses it as `generate` does."""
    write(project, "1.1.0", {"id": {"type": "string"}}, ["id"])
    refused = CliRunner().invoke(main, ["package", "-o", "pkgs"])
    assert refused.exit_code == 2 and "VERSION_MAJOR_BUMP_REQUIRED" in refused.stderr
    assert not (project / "pkgs").exists()
    allowed = CliRunner().invoke(main, ["package", "-o", "pkgs", "--no-lock"])
    assert allowed.exit_code == 0, allowed.output
    assert (project / "pkgs" / "packages").is_dir()


def test_an_unknown_emitter_given_on_the_command_line_is_blamed_there(project: Path) -> None:
    (project / "contract-codegen.toml").write_text('emit = ["python"]\n')
    result = run("--emit", "nosuch")
    assert result.exit_code == 2
    assert result.stderr.startswith("command line:0:0: E050 unknown emitter 'nosuch'")


def test_a_fix_on_the_older_major_is_judged_against_that_major(project: Path) -> None:
    """Once 2.0.0 shipped, 1.x still gets releases (its port keeps flowing): a 1.0.1 is compared with 1.0.0,
    not refused as a version that went down; a breaking 1.x release is still refused."""
    write(project, "2.0.0", {"id": {"type": "string"}}, ["id"])
    assert run().exit_code == 0
    write(project, "1.0.1", {**V1, "note": {"type": "string"}}, ["id", "amount_cents"])
    fixed = run()
    assert fixed.exit_code == 0, fixed.output
    assert [c.version for c in read_lock(project / "contracts.lock.json")] == ["1.0.0", "1.0.1", "2.0.0"]
    write(project, "1.0.2", {"id": {"type": "string"}}, ["id"])
    broken = run()
    assert broken.exit_code == 2 and "VERSION_MAJOR_BUMP_REQUIRED" in broken.stderr
    assert "1.0.1 -> 1.0.2" in broken.stderr
    write(project, "0.9.0", V1, ["id", "amount_cents"])
    assert "VERSION_DECREASED" in run().stderr  # no 0.9 line in the lock: below the newest


@pytest.mark.parametrize(
    ("previous", "current", "allowed"),
    [
        ("2.0.0-rc.1", "2.0.0-rc.2", True),
        ("2.0.0-rc.1", "2.0.0", True),
        ("2.0.0", "2.0.1-rc.1", False),  # a release promises compatibility to what follows in its major
        ("0.3.0", "0.4.0", True),  # below 1.0.0 a minor is a major
        ("0.3.0", "0.3.1", False),
    ],
)
def test_which_versions_may_break(project: Path, previous: str, current: str, allowed: bool) -> None:
    write(project, previous, V1, ["id", "amount_cents"])
    assert run("--no-lock").exit_code == 0
    (project / "contracts.lock.json").unlink()
    assert run().exit_code == 0
    write(project, current, {"id": {"type": "string"}}, ["id"])
    result = run()
    assert (result.exit_code == 0) is allowed, result.output


def _with_port(project: Path, name: str, version: str, subject: str) -> None:
    doc = json.loads(schema(version, V1, ["id", "amount_cents"]))
    doc["x-contract"]["name"] = name
    doc["x-contract"]["ports"] = [{"name": "events", "stream": {"subject": subject, "key_fields": ["id"]}}]
    (project / "contracts" / "invoices.schema.json").write_text(json.dumps(doc))


def test_a_renamed_contract_may_not_take_the_old_ones_subject(project: Path) -> None:
    """Retiring the old name lets the deletion pass; the new contract writing to the old one's subject does not,
    since the old readers dead-letter every message of another contract."""
    _with_port(project, "invoices", "1.0.0", "billing.invoices.v1")
    assert run().exit_code == 0
    _with_port(project, "billing-invoices", "1.0.0", "billing.invoices.v1")
    (project / "contract-codegen.toml").write_text('[breaking]\nretired = ["invoices"]\n')
    result = run()
    assert result.exit_code == 2
    assert (
        "contracts/invoices.schema.json:1:81: PORT_TARGET_TAKEN port 'events' writes to stream billing.invoices.v1, "
        "which contract 'invoices' (version 1.0.0) wrote to" in result.stderr
    ), result.stderr
    assert "CONTRACT_NO_DELETE" not in result.stderr
    against_lock = CliRunner().invoke(main, ["breaking", "--against", "contracts.lock.json"])
    assert against_lock.exit_code == 100 and "PORT_TARGET_TAKEN" in against_lock.stdout
    _with_port(project, "billing-invoices", "1.0.0", "billing.invoices-v2.v1")
    assert run().exit_code == 0


def test_a_major_bump_moving_the_subject_token_is_no_port_move(project: Path) -> None:
    _with_port(project, "invoices", "1.0.0", "billing.invoices.v1")
    assert run().exit_code == 0
    _with_port(project, "invoices", "2.0.0", "billing.invoices.v1")
    result = CliRunner().invoke(main, ["breaking", "--against", "contracts.lock.json", "--category", "METADATA"])
    assert "PORT_SAME_TARGET" not in result.output, result.output
    _with_port(project, "invoices", "2.0.0", "billing.invoice-events")
    moved = CliRunner().invoke(main, ["breaking", "--against", "contracts.lock.json", "--category", "METADATA"])
    assert (
        "PORT_SAME_TARGET port 'events' moved from stream billing.invoices.v1 to stream billing.invoice-events.v2"
        in (moved.stdout)
    ), moved.output


def test_the_changelog_lists_additions(project: Path) -> None:
    """No rule reports an addition, yet it is what a consumer upgrading reads first."""
    write(project, "1.1.0", {**V1, "note": {"type": "string"}}, ["id", "amount_cents"])
    result = CliRunner().invoke(main, ["generate", "--emit", "docs-md", "--emit", "docs-html"])
    assert result.exit_code == 0, result.output
    page = (project / "generated" / "docs" / "md" / "invoices.md").read_text()
    changes = page[page.index("### 1.0.0 → 1.1.0") :]
    assert "- added: optional field note added to Invoice (`contracts/invoices.schema.json:19:5`)" in changes
    html = (project / "generated" / "docs" / "html" / "invoices.html").read_text()
    assert '<span class="badge">added</span> optional field note added to Invoice' in html
