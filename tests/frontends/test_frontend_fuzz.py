"""The frontend fuzzer on a few seeds, and the minimal repro of every crash it found.

The promise under test: a bad contract gives `path:line:col: CODE message` lines and exit 2 with
nothing written, never a traceback; a good one gives records that import. See frontend_fuzz.py.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codegen.cli import main
from tests.frontends import frontend_fuzz as fuzz

PROTO_HEAD = """syntax = "proto3";
package fuzz.v1;
import "contract/v1/options.proto";
option (contract.v1.contract) = {
  name: "things"
  version: "1.0.0"
  PORTS
};
"""


def proto(message: str, ports: str = "") -> str:
    return PROTO_HEAD.replace("PORTS", ports) + message


def generate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> tuple[int, list[str]]:
    """Exit code and the diagnostic lines (summary left out) of `generate contracts -o out`."""
    fuzz.write_case(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["generate", "contracts", "-o", "out", "--no-lock", "--quiet"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    return result.exit_code, [ln for ln in lines if fuzz.DIAG_LINE.match(ln) and ": W" not in ln]


def assert_kept_promise(files: dict[str, str]) -> None:
    """What the fuzzer checks, on one case: generate and lint, and the records import."""
    findings, out, root = fuzz.check_case(files)
    try:
        findings += [
            fuzz.Finding(0, "", "import", "generated records do not import", files, why)
            for why in fuzz.import_check([out] if out else []).values()
        ]
        assert findings == [], "\n".join(f"{f.problem}\n{f.detail}" for f in findings)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_seeds(seed: int) -> None:
    findings = fuzz.run(cases=15, seed=seed, log=lambda _: None)
    assert findings == [], "\n".join(f"case {f.case} ({f.command}): {f.problem}\n{f.detail}" for f in findings)


def test_cases_cover_both_languages() -> None:
    rng = random.Random(0)
    pool = fuzz.seeds()
    kinds = {fuzz.make_case(rng, pool)[0] for _ in range(20)}
    assert kinds == {"json", "proto"}


# -- repros of crashes the fuzzer found -----------------------------------------------------------


def test_proto_infinite_bound_is_e022(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: OverflowError in constraints.int_range (math.ceil(inf)); the text format takes inf for a double."""
    files = {
        "t.proto": proto("message T {\n  int64 n = 1 [(contract.v1.field) = { constraints { minimum: inf } }];\n}\n")
    }
    code, lines = generate(tmp_path, monkeypatch, files)
    assert (code, lines) == (2, ["contracts/t.proto:10:16: E022 field 'n': minimum must be a finite number, got inf"])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["nan", "-inf"])
@pytest.mark.parametrize("type_", ["double", "int32"])
def test_proto_non_finite_numbers_keep_the_promise(type_: str, value: str) -> None:
    rules = f"constraints {{ maximum: {value} multiple_of: {value} }}"
    assert_kept_promise({"t.proto": proto(f"message T {{ {type_} n = 1 [(contract.v1.field) = {{ {rules} }}]; }}\n")})


def test_port_name_starting_with_a_digit_imports() -> None:
    """Was: `1_0_0 = ports.Port(...)` in the ports module, which ruff could not parse (FormattingError)."""
    ports = 'ports { name: "1.0.0" stream { subject: "things.v1" } }'
    assert_kept_promise({"t.proto": proto("message T { string id = 1; }\n", ports)})


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_json_non_finite_number_is_e002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: str) -> None:
    """Was: OverflowError in constraints.int_range: Python's json reads 1e400 as inf, and NaN/Infinity too."""
    text = (
        '{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "T", "type": "object",\n'
        f' "properties": {{"n": {{"type": "integer", "minimum": {number}}}}}}}\n'
    )
    code, lines = generate(tmp_path, monkeypatch, {"t.schema.json": text})
    col = text.splitlines()[1].index(number) + 1
    assert (code, lines) == (
        2,
        [f"contracts/t.schema.json:2:{col}: E002 invalid JSON: number {number} is not a finite 64-bit float"],
    )
    assert not (tmp_path / "out").exists()


def schema(properties: str, head: str = "") -> dict[str, str]:
    """A plain 2020-12 schema, its properties on line 2 (so a column there is the column of ``properties``)."""
    text = (
        '{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "T", "type": "object",'
        f"{head}\n"
        f'"properties": {properties}}}\n'
    )
    return {"t.schema.json": text}


X = '"x"'  # the property every schema below names


def col(files: dict[str, str], needle: str, line: int = 2) -> int:
    return files["t.schema.json"].splitlines()[line - 1].index(needle) + 1


def test_json_number_too_long_for_python_is_e002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: ValueError (int max str digits) out of json.loads, which only JSONDecodeError was caught for."""
    files = schema('{"n": {"type": "integer", "maximum": 1' + "0" * 5000 + "}}")
    code, lines = generate(tmp_path, monkeypatch, files)
    at = col(files, "1" + "0" * 10)
    assert (code, lines) == (
        2,
        [f"contracts/t.schema.json:2:{at}: E002 invalid JSON: a number of more than 4300 digits"],
    )


@pytest.mark.parametrize(
    ("properties", "needle", "what"),
    [
        ('{"s": {"type": "string", "description": "a\\ud800b"}}', '"a\\ud800b"', 'string "a\\ud800b"'),
        ('{"s\\udfff": {"type": "string"}}', '"s\\udfff"', 'key "s\\udfff"'),
    ],
)
def test_json_lone_surrogate_is_e002(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, properties: str, needle: str, what: str
) -> None:
    """Was: UnicodeEncodeError writing ir/t.json: json.loads takes "\\ud800", which no UTF-8 file can hold."""
    files = schema(properties)
    code, lines = generate(tmp_path, monkeypatch, files)
    message = f"E002 invalid JSON: {what} holds a lone surrogate (not Unicode text)"
    assert (code, lines) == (2, [f"contracts/t.schema.json:2:{col(files, needle)}: {message}"])


def test_json_malformed_id_is_e010(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: ValueError (Invalid IPv6 URL) from urljoin in SchemaFile.own_id."""
    files = schema('{"s": {"type": "string"}}', head=' "$id": "http://[::1",')
    code, lines = generate(tmp_path, monkeypatch, files)
    at = col(files, '"$id"', line=1)
    assert (code, lines) == (
        2,
        [f"contracts/t.schema.json:1:{at}: E010 $id 'http://[::1' is not a URI reference: Invalid IPv6 URL"],
    )


def test_json_integer_default_beyond_float_is_e044(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: OverflowError (int too large to convert to float) rendering a number field's default."""
    files = schema('{"x": {"type": "number", "default": 1' + "0" * 400 + "}}")
    code, lines = generate(tmp_path, monkeypatch, files)
    assert code == 2
    assert [ln.split(": ", 1)[1][:36] for ln in lines] == ["E044 field T.x: default 100000000000"]
    assert lines[0].startswith(f"contracts/t.schema.json:2:{col(files, X)}:")


@pytest.mark.parametrize(
    ("keyword", "type_"),
    [("minLength", "string"), ("maxLength", "string"), ("maxItems", "array"), ("minItems", "array")],
)
def test_json_length_beyond_int64_is_e043(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyword: str, type_: str
) -> None:
    """Was: records that did not import: msgspec.Meta refuses lengths beyond 2**63 - 1."""
    files = schema(f'{{"x": {{"type": "{type_}", "{keyword}": 9223372036854775808}}}}')
    code, lines = generate(tmp_path, monkeypatch, files)
    message = "E043 field T.x: length bound 9223372036854775808 is beyond the largest msgspec checks (2**63 - 1)"
    assert (code, lines) == (2, [f"contracts/t.schema.json:2:{col(files, X)}: {message}"])


def test_json_integer_multiple_beyond_int64_is_e043(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: a ports module that did not import: msgspec refuses multiple_of beyond int64 building a decoder."""
    files = schema('{"x": {"type": "integer", "multipleOf": 100000000000000000000}}')
    code, lines = generate(tmp_path, monkeypatch, files)
    message = "E043 field T.x: multiple of 100000000000000000000 is beyond the int64 msgspec checks"
    assert (code, lines) == (2, [f"contracts/t.schema.json:2:{col(files, X)}: {message}"])


@pytest.mark.parametrize(
    "option",
    [
        '[(contract.v1.field) = { format: "\\xff" }]',
        '[(contract.v1.field).format = "\\377"]',
        '[(contract.v1.field) = { examples: ["ok", "\\ud800"] }]',
        '[(contract.v1.field) = { examples: "\\xc3" }]',
    ],
)
def test_proto_option_string_not_utf8_is_e020(tmp_path: Path, option: str) -> None:
    """Was: protoc aborted the whole process (a CHECK failure re-parsing the option), so no diagnostic at all.
    Run in a subprocess: a regression would abort the test process too."""
    fuzz.write_case(tmp_path, {"t.proto": proto(f"message T {{\n  string a = 1 {option};\n}}\n")})
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "lint", "contracts"], cwd=tmp_path, capture_output=True, text=True
    )
    literal = option.split('"')[-2] if "examples" in option else option.split('"')[1]
    message = f'E020 string "{literal}" in an option is not UTF-8 once unescaped (protoc cannot read it)'
    at = option.index(f'"{literal}"') + 1 + len("  string a = 1 ")
    assert (result.returncode, result.stderr.splitlines()[0]) == (2, f"contracts/t.proto:10:{at}: {message}")


def test_proto_valid_utf8_escapes_and_bytes_defaults_still_compile() -> None:
    """The check reads escapes as protoc does: joined literals, surrogate pairs and a bytes default are fine."""
    text = PROTO_HEAD.replace('syntax = "proto3"', 'syntax = "proto2"').replace("PORTS", "") + (
        "message T {\n"
        '  optional bytes b = 1 [default = "\\377\\xff"];\n'
        "  optional string a = 2 [(contract.v1.field) = {\n"
        '    examples: ["\\xc3" "\\xa9", "\\ud83d\\ude00", "\\U0001F600"]\n'
        "  }];\n"
        "}\n"
    )
    assert_kept_promise({"t.proto": text})


def test_json_integer_constant_beyond_int64_is_e042(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: a ports module that did not import: msgspec refuses a Literal beyond int64 building a decoder."""
    files = schema('{"x": {"const": -1000000000000000000000000000000}}')
    code, lines = generate(tmp_path, monkeypatch, files)
    message = "E042 field T.x: constant -1000000000000000000000000000000 is beyond the int64 msgspec decodes"
    assert (code, lines) == (2, [f"contracts/t.schema.json:2:{col(files, X)}: {message}"])


@pytest.mark.parametrize(
    "head",
    [
        ' "x-contract": {"name": "' + "x" * 65 + '", "version": "1.0.0"},',
        ' "x-contract": {"name": "t", "version": "1.0.0", "ports": [{"name": "'
        + "p" * 65
        + '", "stream": {"subject": "s"}}]},',
        ' "x-contract": {"name": "t", "version": "1.0.0", "ports": [{"name": "p", "table": {"table": "'
        + "t" * 129
        + '"}}]},',
    ],
    ids=["contract", "port", "table"],
)
def test_names_too_long_for_a_file_name_are_e030(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, head: str) -> None:
    """Was: OSError (File name too long) writing ir/<name>.json, asyncapi/<name>.<port>.json, dbt models."""
    files = schema('{"x": {"type": "string"}}', head=head)
    code, lines = generate(tmp_path, monkeypatch, files)
    assert code == 2
    assert [ln.split(": ", 1)[1].split(" ")[0] for ln in lines] == ["E030"]
    assert "characters long (at most" in lines[0]


def test_long_title_gives_a_shortened_default_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"t.schema.json": '{"title": "' + "Word" * 100 + '", "type": "object", "properties": {"a": {}}}'}
    code, _ = generate(tmp_path, monkeypatch, files)
    assert code == 0
    assert [p.name for p in (tmp_path / "out" / "ir").iterdir()] == ["-".join(["word"] * 13) + ".json"]


@pytest.mark.parametrize("keyword", ["minimum", "exclusiveMaximum", "multipleOf"])
def test_number_bound_beyond_float(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyword: str) -> None:
    """Was: OverflowError in docs_example._number (float(10**400)) building the docs' example payload, and
    records that did not import (msgspec refuses such a bound): E043 for the records, no example in the docs."""
    files = schema(f'{{"x": {{"type": "number", "{keyword}": 1' + "0" * 400 + "}}")
    code, lines = generate(tmp_path, monkeypatch, files)
    message = "E043 field T.x: a bound of 401 digits is beyond the float64 range"
    assert (code, lines) == (2, [f"contracts/t.schema.json:2:{col(files, X)}: {message}"])
    findings, _, root = fuzz.check_case(files, emit=("docs-html", "docs-md", "jsonschema-export", "sql", "dbt"))
    shutil.rmtree(root, ignore_errors=True)
    assert findings == [], "\n".join(f.detail for f in findings)


@pytest.mark.parametrize("step", ["0", "-1", "-0.5"])
def test_proto_multiple_of_not_positive_is_e022(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Was: ZeroDivisionError validating the docs' example payload (JSON Schema wants multipleOf > 0)."""
    rules = f"constraints {{ multiple_of: {step} }}"
    files = {"t.proto": proto(f"message T {{\n  int64 n = 1 [(contract.v1.field) = {{ {rules} }}];\n}}\n")}
    code, lines = generate(tmp_path, monkeypatch, files)
    value = float(step)
    message = f"E022 field 'n': multiple_of must be greater than 0, got {value}"
    assert (code, lines) == (2, [f"contracts/t.proto:10:16: {message}"])


def test_table_port_name_starting_with_a_digit_imports() -> None:
    """Was: `5_MINUTES: typing.Final = warehouse.WarehouseTable(...)`, which ruff could not parse."""
    ports = 'ports { name: "5 minutes" table { table: "x.t" key_fields: "id" } }'
    files = {"t.proto": proto("message T { string id = 1; }\n", ports)}
    findings, _, root = fuzz.check_case(files, emit=("python", "python-warehouse"))
    shutil.rmtree(root, ignore_errors=True)
    assert findings == [], "\n".join(f.detail for f in findings)


@pytest.mark.parametrize("name", ["a\\n", 'say \\"hi\\"', "back\\\\slash", "\\u0000"])
def test_json_property_name_msgspec_cannot_encode_is_e042(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Was: records that did not import: msgspec refuses a renamed field with a control character, '"' or '\\'."""
    files = schema(f'{{"{name}": {{"type": "string"}}}}')
    code, lines = generate(tmp_path, monkeypatch, files)
    assert code == 2
    assert len(lines) == 1
    assert f"contracts/t.schema.json:2:{col(files, chr(34) + name)}: E042 field T." in lines[0]
    assert lines[0].endswith("msgspec cannot name a field with a backslash, a double quote or a control character")


def test_diagnostic_naming_a_key_with_a_newline_stays_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: W011 for a keyword "a\\nb" printed over two lines, the second with no location."""
    files = schema('{"x": {"type": "string", "a\\nb": 1}}')
    fuzz.write_case(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "contracts"])
    lines = result.stderr.splitlines()
    assert all(fuzz.DIAG_LINE.match(ln) for ln in lines[:-1]), lines
    assert f"contracts/t.schema.json:2:{col(files, chr(34) + 'a')}: W011 unknown keyword 'a\\nb' is ignored" in lines[1]


def test_discriminator_mixing_string_and_integer_tags_is_e042(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: a ports module that did not import: msgspec refuses a union of Structs with int and str tags."""
    doc = json.loads(fuzz.seeds_json()[2])
    doc["$defs"]["Circle"]["properties"]["kind"]["const"] = 1
    code, lines = generate(tmp_path, monkeypatch, {"t.schema.json": json.dumps(doc, indent=2)})
    assert (code, [ln.split(": ", 1)[1] for ln in lines]) == (
        2,
        ["E042 field shape: the variants' 'kind' constants mix strings and integers"],
    )


@pytest.mark.parametrize("keyword", ["default", "examples", "x-note"])
def test_json_value_nested_too_deep_is_e002(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyword: str) -> None:
    """Was: RecursionError in python_values.json_literal writing a default or example 400 arrays deep."""
    files = schema(f'{{"x": {{"{keyword}": ' + "[" * 400 + "]" * 400 + "}}")
    code, lines = generate(tmp_path, monkeypatch, files)
    at = col(files, "[") + 98  # the root object, properties and x hold the first three levels
    assert (code, lines) == (
        2,
        [f"contracts/t.schema.json:2:{at}: E002 invalid JSON: array nested deeper than 100 levels"],
    )


def test_proto_example_nested_too_deep_is_e022(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: RecursionError in python_values.json_literal writing an example 400 arrays deep."""
    example = "[" * 400 + "]" * 400
    rules = f'examples: ["{example}"]'
    files = {"t.proto": proto(f"message T {{\n  repeated string a = 1 [(contract.v1.field) = {{ {rules} }}];\n}}\n")}
    code, lines = generate(tmp_path, monkeypatch, files)
    message = "E022 field 'a': an example is nested deeper than 100 levels"
    assert (code, lines) == (2, [f"contracts/t.proto:10:26: {message}"])


def test_proto_comment_not_utf8_becomes_a_description() -> None:
    """Was: TypeError in textwrap.dedent: protobuf hands over a comment that is not UTF-8 as bytes."""
    text = proto("// bad \udcff\udcfe comment\nmessage T {\n  // field \udcc3\n  string a = 1;\n}\n")
    assert_kept_promise({"t.proto": text})


def test_pattern_with_a_repeat_count_too_large_for_re_is_e045(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: OverflowError (not re.error) out of re.compile in pattern_problems."""
    files = schema('{"x": {"type": "string", "pattern": "a{4294967296}"}}')
    code, lines = generate(tmp_path, monkeypatch, files)
    message = (
        "E045 field T.x: pattern 'a{4294967296}' is not a regular expression Python's re can compile: "
        "the repetition number is too large"
    )
    assert (code, lines) == (2, [f"contracts/t.schema.json:2:{col(files, X)}: {message}"])
