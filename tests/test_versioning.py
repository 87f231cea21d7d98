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
    result = CliRunner().invoke(main, ["generate", "--emit", "python-ports", "--emit", "sql"])
    assert result.exit_code == 0, result.output
    text = ports_py.read_text().replace('"', "'")
    assert "'billing.invoices.v2'" in text and "billing.invoices.v1" not in text
    assert "'billing.plain.v2'" in text
    ddl = (tmp_path / "generated" / "sql" / "duckdb" / "invoices_v2.sql").read_text()
    assert "invoices_v2" in ddl


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
    assert stale.exit_code == 1 and "contracts.lock.json does not record" in stale.stderr
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
