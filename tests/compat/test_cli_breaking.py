"""`contract-codegen breaking` end to end: against a git ref, a directory and a lock file; exit codes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from codegen.cli_breaking import breaking
from tests.compat.conftest import REPO


@click.group()
def cli() -> None:
    """A stand-in for the main group, which attaches the command with `main.add_command`."""


cli.add_command(breaking)
PROTO = Path("contracts/orders/orders.proto")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "contracts", repo / "contracts")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    return repo


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_git_ref_clean_then_breaking(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    repo = _repo(tmp_path)
    in_dir(repo)
    runner = CliRunner()
    clean = runner.invoke(cli, ["breaking", "contracts", "--against", "HEAD"])
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == ""

    _edit(repo / PROTO, "string customer_id = 2", "int64 customer_id = 2")
    _edit(repo / PROTO, "  ORDER_STATUS_CANCELLED = 3;\n", "")
    result = runner.invoke(cli, ["breaking", "contracts", "--against", "HEAD"])
    assert result.exit_code == 100, result.output
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("contracts/orders/orders.proto:") and " FIELD_SAME_TYPE field 2 of OrderPlaced" in line
        for line in lines
    ), lines
    # the deletion is placed in the previous version, with that version's path (the same path at HEAD)
    assert any(" ENUM_VALUE_NO_DELETE enum value 3 " in line for line in lines), lines
    assert "breaking change" in result.stderr

    wire = runner.invoke(cli, ["breaking", "contracts", "--against", "HEAD", "--category", "WIRE", "--format", "json"])
    assert wire.exit_code == 100
    assert '"rule": "FIELD_WIRE_COMPATIBLE_TYPE"' in wire.stdout


def test_directory_and_lock_file(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    repo = _repo(tmp_path)
    in_dir(repo)
    shutil.copytree(repo / "contracts", repo / "before")
    runner = CliRunner()
    lock = repo / "contracts.lock.json"
    first = runner.invoke(cli, ["breaking", "contracts", "--against", "before", "--update-lock", str(lock)])
    assert first.exit_code == 0, first.output
    assert lock.exists()

    _edit(repo / PROTO, 'key_fields: "order_id" retention', 'key_fields: "customer_id" retention')
    for against in ("before", str(lock)):
        result = runner.invoke(cli, ["breaking", "contracts", "--against", against])
        assert result.exit_code == 100, result.output
        assert " PORT_SAME_KEY port 'order-events' re-keyed from (order_id) to (customer_id)" in result.stdout


def test_usage_and_contract_errors(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    repo = _repo(tmp_path)
    in_dir(repo)
    runner = CliRunner()
    bad_ref = runner.invoke(cli, ["breaking", "contracts", "--against", "no-such-ref"])
    assert bad_ref.exit_code == 1
    assert "neither a directory, a lock file nor a git ref" in bad_ref.stderr
    bad_category = runner.invoke(cli, ["breaking", "contracts", "--against", "HEAD", "--category", "NOPE"])
    assert bad_category.exit_code == 1 and "unknown category 'NOPE'" in bad_category.stderr
    not_lock = repo / "notes.json"
    not_lock.write_text("{}")
    assert runner.invoke(cli, ["breaking", "contracts", "--against", str(not_lock)]).exit_code == 1

    _edit(repo / PROTO, "message OrderPlaced {", "message OrderPlaced {{")
    broken = runner.invoke(cli, ["breaking", "contracts", "--against", "HEAD"])
    assert broken.exit_code == 2
    assert "contracts/orders/orders.proto:" in broken.stderr and "E020" in broken.stderr


def test_new_input_has_no_previous_version(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    repo = _repo(tmp_path)
    in_dir(repo)
    shutil.copytree(repo / "contracts" / "orders", repo / "more" / "orders")
    result = CliRunner().invoke(cli, ["breaking", "more", "--against", "HEAD"])
    assert result.exit_code == 0, result.output


def test_git_ref_compiles_only_changed_contracts_yet_sees_deletions(
    tmp_path: Path, in_dir: Callable[[Path], None]
) -> None:
    """Unchanged contracts are their own previous version; a deleted contract still shows up."""
    from codegen.compat import sources
    from codegen.config import load_config

    repo = _repo(tmp_path)
    in_dir(repo)
    _edit(repo / PROTO, "string customer_id = 2", "int64 customer_id = 2")
    cfg = load_config(None, ["contracts"], None, [], [])
    current = sources.compile_current(cfg).contracts
    top = repo.resolve()
    unchanged, only = sources._split_unchanged(current, {PROTO.as_posix()}, top)
    assert only == ["contracts/orders/common/address.proto", PROTO.as_posix()]  # every file of orders
    assert {c.name for c in unchanged} == {c.name for c in current} - {"orders"}

    result = CliRunner().invoke(cli, ["breaking", "contracts", "--against", "HEAD"])
    assert result.exit_code == 100 and "FIELD_SAME_TYPE" in result.stdout
    assert {line.split(":", 1)[0] for line in result.stdout.splitlines()} == {PROTO.as_posix()}

    deleted = repo / "contracts" / "customers" / "customers.schema.json"
    deleted.unlink()
    gone = CliRunner().invoke(cli, ["breaking", "contracts", "--against", "HEAD"])
    assert gone.exit_code == 100 and "CONTRACT_NO_DELETE" in gone.stdout


PLAIN_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Pipeline config",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "steps": {"type": "array", "items": {"$ref": "#/definitions/step"}},
        "env": {"type": "object", "patternProperties": {"^[A-Z_]+$": {"type": "string"}}},
        "retries": {"type": "integer", "minimum": 0},
    },
    "definitions": {
        "step": {
            "type": "object",
            "properties": {"run": {"type": "string"}, "image": {"type": "string"}},
            "if": {"required": ["image"]},
            "then": {"required": ["run"]},
        }
    },
}


def test_plain_json_schemas_compare_what_the_ir_holds(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    """A JSON Schema without contract metadata, with what no record type can hold (patternProperties,
    if/then): `breaking` compares the rest, names what it leaves out (W020), and names files by path."""
    import json

    for side in ("previous", "current"):
        (tmp_path / side / "ci").mkdir(parents=True)
    (tmp_path / "previous" / "ci" / "pipeline.json").write_text(json.dumps(PLAIN_SCHEMA, indent=2))
    changed = json.loads(json.dumps(PLAIN_SCHEMA))
    del changed["properties"]["retries"]  # removed from a closed object: earlier documents are rejected
    changed["definitions"]["task"] = changed["definitions"].pop("step")  # renamed: the same documents
    changed["properties"]["steps"]["items"]["$ref"] = "#/definitions/task"
    (tmp_path / "current" / "ci" / "pipeline.json").write_text(json.dumps(changed, indent=2))
    in_dir(tmp_path)
    result = CliRunner().invoke(cli, ["breaking", "current", "--against", "previous", "--category", "WIRE_JSON"])
    assert result.exit_code == 100, result.output
    findings = result.stdout.splitlines()
    assert len(findings) == 1, findings
    assert "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL" in findings[0] and '"retries"' in findings[0]
    assert findings[0].startswith("previous/ci/pipeline.json:")  # where the property was
    not_compared = [line for line in result.stderr.splitlines() if " W020 not compared: " in line]
    assert any("patternProperties" in line for line in not_compared), result.stderr
    assert any("'if'" in line for line in not_compared), result.stderr

    as_json = CliRunner().invoke(cli, ["breaking", "current", "--against", "previous", "--format", "json"])
    names = {json.loads(line)["contract"] for line in as_json.stdout.splitlines()}
    assert names == {"ci/pipeline.json"}  # named by path under the inputs, not by title
    files = {json.loads(line)["rule"] for line in as_json.stdout.splitlines()}
    assert "REF_CHANGED" in files  # the generated class's name changed: FILE only, not the documents


def test_a_library_change_is_reported_once(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    """A plain file that a contract imports is compared inside that contract, not once more as a schema."""
    repo = _repo(tmp_path)
    in_dir(repo)
    _edit(repo / "contracts/orders/common/address.proto", "string city = 2;", "int64 city = 2;")
    result = CliRunner().invoke(cli, ["breaking", "contracts", "--against", "HEAD", "--category", "WIRE"])
    assert result.exit_code == 100, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("contracts/orders/common/address.proto:19:3: FIELD_WIRE_COMPATIBLE_TYPE")


def test_update_lock_records_what_generate_records(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    """`breaking` compares a plain file as a schema (named by its path); the lock it updates must still hold
    the contract `generate` compiles from that file, or the next `generate` would see it deleted."""
    from codegen.cli import main
    from codegen.compat.lockfile import read_lock

    for side in ("before", "contracts"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "things.proto").write_text(
            'syntax = "proto3";\npackage things.v1;\nmessage Thing { string name = 1; int64 count = 2; }\n'
        )
    in_dir(tmp_path)
    lock = tmp_path / "breaking.lock.json"
    result = CliRunner().invoke(cli, ["breaking", "contracts", "--against", "before", "--update-lock", str(lock)])
    assert result.exit_code == 0, result.output
    generated = CliRunner().invoke(main, ["generate", "contracts", "--emit", "ir-json"])
    assert generated.exit_code == 0, generated.output
    assert read_lock(lock) == read_lock(tmp_path / "contracts.lock.json")
    assert [c.name for c in read_lock(lock)] == ["things"]


def test_except_and_ignore(tmp_path: Path, in_dir: Callable[[Path], None]) -> None:
    """What a project accepts is not reported: rules or categories (`except`), paths (`ignore`), a rule in
    some paths (`ignore-only`); from the command line or from [tool.contract-codegen.breaking]."""
    repo = _repo(tmp_path)
    in_dir(repo)
    _edit(repo / PROTO, "string customer_id = 2", "int64 customer_id = 2")
    runner = CliRunner()
    base = ["breaking", "contracts", "--against", "HEAD", "--category", "FILE"]
    everything = runner.invoke(cli, base)
    assert everything.exit_code == 100
    assert {line.split()[1] for line in everything.stdout.splitlines()} == {"FIELD_SAME_TYPE"}

    excepted = runner.invoke(cli, [*base, "--except", "FIELD_SAME_TYPE"])
    assert excepted.exit_code == 0, excepted.output
    assert excepted.stdout == ""
    assert "(1 more not reported: [breaking] except/ignore/retired)" in excepted.stderr
    assert runner.invoke(cli, [*base, "--except", "FILE"]).exit_code == 0  # a category: every rule in it
    assert runner.invoke(cli, [*base, "--ignore", "contracts/orders"]).exit_code == 0
    assert runner.invoke(cli, [*base, "--ignore", "contracts/catalog"]).exit_code == 100  # elsewhere: kept

    config = repo / "contract-codegen.toml"
    config.write_text('[breaking]\nignore-only = { FIELD_SAME_TYPE = ["contracts/orders/orders.proto"] }\n')
    assert runner.invoke(cli, base).exit_code == 0
    config.write_text('[breaking]\nexcept = ["FIELD_SAME_TYPO"]\n')
    typo = runner.invoke(cli, base)
    assert typo.exit_code == 2
    assert (
        "contract-codegen.toml:0:0: E050 [breaking]: 'FIELD_SAME_TYPO' is neither a rule ID nor a category"
        in typo.stderr
    )
    config.unlink()
    bad_flag = runner.invoke(cli, [*base, "--except", "NOPE"])
    assert bad_flag.exit_code == 1
    assert "'NOPE' is neither a rule ID nor a category" in bad_flag.stderr


@pytest.mark.parametrize(
    "args",
    [["--against", "HEAD", "--mode", "bogus"], ["--against", "HEAD", "--format", "xml"], [], ["--nope"]],
)
def test_usage_errors_exit_1_not_2(args: list[str]) -> None:
    """2 means a contract error to `breaking`'s callers; click's own usage errors would say 2 as well."""
    result = CliRunner().invoke(cli, ["breaking", *args])
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output
