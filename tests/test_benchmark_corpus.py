"""The benchmark inputs cannot rot: the generated corpus is valid in both languages and deterministic."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import codegen_speed
from benchmarks.corpus import (
    ROOT_KINDS,
    check_corpus,
    check_protos,
    check_schemas,
    draw_corpus,
    write_corpus,
)
from codegen.diagnostics import Diagnostics, Location
from codegen.metadata import parse_contract_meta


def test_small_corpus_passes_meta_schema_and_protoc(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path, n=5)
    assert corpus.contracts == 5
    assert len(corpus.schema_files) == len(corpus.proto_files) == 6  # five contracts and the shared library
    assert check_corpus(corpus) == []


def test_contract_metadata_is_what_the_compiler_accepts(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path, n=5)
    for path in corpus.schema_files[:-1]:
        doc = json.loads(path.read_text(encoding="utf-8"))
        diags = Diagnostics()
        meta = parse_contract_meta(doc["x-contract"], Location(path.name, 1, 1), diags, "fallback")
        assert diags.items == []
        key = meta.ports[0].stream.key_fields[0]  # type: ignore[union-attr]
        assert key in doc["properties"] and key in doc["required"]
    shared = json.loads(corpus.schema_files[-1].read_text(encoding="utf-8"))
    assert "x-contract" not in shared and set(shared["$defs"]) == {"Address", "Money", "GeoPoint", "Audit"}


def test_corpus_is_deterministic(tmp_path: Path) -> None:
    first, second = write_corpus(tmp_path / "a", n=5), write_corpus(tmp_path / "b", n=5)
    for one, two in zip(first.schema_files + first.proto_files, second.schema_files + second.proto_files, strict=True):
        assert one.read_bytes() == two.read_bytes()
    other_seed = write_corpus(tmp_path / "c", n=5, seed=7)
    assert other_seed.schema_files[0].read_bytes() != first.schema_files[0].read_bytes()


def test_corpus_has_every_field_kind_and_5_to_40_fields() -> None:
    contracts = draw_corpus(40)
    sizes = [len(c.record.fields) for c in contracts]
    assert min(sizes) >= 5 and max(sizes) <= 40
    kinds = {f.kind for c in contracts for f in c.record.fields}
    assert kinds == {kind for kind, _ in ROOT_KINDS}


def test_check_reports_broken_inputs(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path, n=2)
    schema = json.loads(corpus.schema_files[0].read_text(encoding="utf-8"))
    schema["type"] = 5
    schema["properties"]["dangling"] = {"$ref": "shared.schema.json#/$defs/Nowhere"}
    corpus.schema_files[0].write_text(json.dumps(schema), encoding="utf-8")
    corpus.proto_files[0].write_text('syntax = "proto3";\nmessage {\n', encoding="utf-8")
    schema_problems = check_schemas(corpus)
    assert any("meta-schema" in p for p in schema_problems)
    assert any("Nowhere" in p for p in schema_problems)
    assert any(corpus.proto_files[0].name in p for p in check_protos(corpus))


def test_targets_pass_miss_and_error() -> None:
    def timing(key: str, seconds: float | None) -> codegen_speed.Timing:
        t = codegen_speed.Timing(key, key, [])
        if seconds is None:
            t.error = "exit 1"
        else:
            t.seconds = [seconds, seconds * 2, seconds]  # median is `seconds`
        return t

    fast = {"datamodel-codegen": 10.0, "protoc": 0.5, "ours-json": 0.5, "ours-proto": 1.0, "ours-noop": 0.2}
    goals = codegen_speed.targets({k: timing(k, v) for k, v in fast.items()})
    assert [(g.value, g.status) for g in goals] == [(20.0, "PASS"), (2.0, "PASS"), (0.2, "PASS")]

    slow = {**fast, "ours-json": 2.0, "ours-proto": 2.0, "ours-noop": None}
    goals = codegen_speed.targets({k: timing(k, v) for k, v in slow.items()})
    assert [(g.value, g.status) for g in goals] == [(5.0, "MISS"), (4.0, "MISS"), (None, "ERROR")]
