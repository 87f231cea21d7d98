"""The differential run of record validation against jsonschema (tests/python/json_fuzz.py): a few seeded
batches of random contracts and documents must show no disagreement that neither a documented difference nor
a known finding explains; the comparison must be able to fail; the mutations must give both verdicts. Each
finding has a minimal repro below, an xfail(strict=True) test while the finding is open (see REASONS)."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass

import pytest
from contract_runtime import ContractViolation
from contract_runtime.ports import JsonCodec

from tests.python import json_fuzz as jf

SEEDS = [1, 2, 3]
SCHEMAS = 40


def new_disagreements(result: jf.BatchResult) -> str:
    return "\n".join(d.show() for d in result.disagreements if d.finding is None)


@pytest.mark.parametrize("seed", SEEDS)
def test_reader_agrees_with_jsonschema(seed: int) -> None:
    result = jf.run_batch(seed, SCHEMAS)
    assert result.pairs > SCHEMAS * jf.DOCS_PER_CONTRACT // 2, result.refused
    assert result.verdicts[(True, True)] > 100 and result.verdicts[(False, False)] > 300, result.verdicts
    assert not new_disagreements(result), new_disagreements(result)


@pytest.mark.parametrize("wrong", ["refuses every document", "accepts every document", "forgets minimum"])
def test_a_wrong_reader_is_caught(wrong: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a reader that refuses everything, passes everything, or passes values below a
    minimum disagrees, and no excuse or known finding explains it away."""
    decode = JsonCodec.decode

    def wrong_decode(self: JsonCodec[object], data: bytes) -> object:
        if wrong == "refuses every document":
            raise ContractViolation("refused", rule="test")
        try:
            return decode(self, data)
        except ContractViolation as exc:
            if wrong == "forgets minimum" and exc.rule != "minimum":
                raise
            return None

    monkeypatch.setattr(JsonCodec, "decode", wrong_decode)
    result = jf.run_batch(SEEDS[0], 15)
    caught = [d for d in result.disagreements if d.finding is None]
    assert len(caught) > (3 if wrong == "forgets minimum" else 50)
    assert {d.reader.ok for d in caught} == {wrong != "refuses every document"}


# Mutations that probe with a valid value (the reader must accept it, or a finding says why not), always or in
# some shapes: a longer tuple is valid unless items is false; true next to 1 is no repeated item.
VALID_PROBES = {
    "decimal_lenient", "extra_property", "integral_float", "non_bmp_at_max", "non_bmp_at_min", "tuple_longer",
    "twin_item",
}  # fmt: skip
# The kinds of change the run is there to try, among others.
BRIEF = {
    "wrong_type", "null", "below_minimum", "above_maximum", "not_multiple", "too_short", "too_long",
    "non_bmp_too_long", "pattern_broken", "format_broken", "missing_required", "extra_property", "enum_outside",
    "too_few_items", "too_many_items", "duplicate_item", "integral_float", "beyond_64_bits", "tuple_shorter",
}  # fmt: skip


def test_mutations_give_both_verdicts() -> None:
    """Drawn documents are valid; mutations make most of them invalid, some stay valid (a value of a union's
    other type, say), and each kind of mutation alone makes some document invalid, but the probes meant to be
    valid. Judged as the reader should judge: JSON Schema with the deliberate differences."""
    rng = random.Random(5)
    unmutated: Counter[bool] = Counter()
    mutated: Counter[bool] = Counter()
    alone: dict[str, Counter[bool]] = {}
    applied: set[str] = set()
    for contract in jf.draw_contracts(rng, 80):
        oracle = jf.Oracle(contract)
        for doc, labels in jf.documents(contract, rng, 30):
            valid = not oracle.errors(doc, jf.EXCUSED)
            (mutated if labels else unmutated)[valid] += 1
            kinds = [label.split(": ", 1)[1] for label in labels]
            applied.update(kinds)
            if len(kinds) == 1:
                alone.setdefault(kinds[0], Counter())[valid] += 1
    assert unmutated[True] > 100 and not unmutated[False]
    assert mutated[False] > 2 * mutated[True] > 100
    never_invalid = {kind for kind, verdicts in alone.items() if not verdicts[False]}
    assert never_invalid <= VALID_PROBES, never_invalid
    assert applied >= BRIEF, BRIEF - applied


# -- every finding of the run, one minimal repro each ------------------------------------------------------


@dataclass
class Repro:
    contract: jf.Contract
    instance: jf.Json


def _repro(name: str, props: dict[str, jf.Prop], instance: jf.Json, defs: dict[str, jf.Node] | None = None) -> Repro:
    contract = jf.Contract(name, jf.RecordNode(props=props), defs or {})
    jf.mark_fields(contract)
    return Repro(contract, instance)


def _one(name: str, node: jf.Node, value: jf.Json) -> Repro:
    """A contract of one required property ``v``, and a document with ``value`` there."""
    return _repro(name, {"v": jf.Prop(node, True)}, {"v": value})


def _tagged(name: str, *, default: jf.Json = None, plain_ref: bool = False) -> Repro:
    """A discriminated union ``u`` of records A (kind "a") and B (kind "b"); optional with a ``default``;
    with ``plain_ref``, A is also the type of a property ``only_a`` of its own."""
    a = jf.RecordNode(props={"kind": jf.Prop(jf.ConstNode(value="a"), True), "x": jf.Prop(jf.IntegerNode(), True)})
    b = jf.RecordNode(props={"kind": jf.Prop(jf.ConstNode(value="b"), True)})
    a.tag, b.tag = ("kind", "a"), ("kind", "b")
    union = jf.UnionNode(variants=[jf.RefNode(name="A", target=a), jf.RefNode(name="B", target=b)], style="oneOf")
    props = {"u": jf.Prop(union, default is None, [] if default is None else [default])}
    if plain_ref:
        props["only_a"] = jf.Prop(jf.RefNode(name="A", target=a), True)
        return _repro(name, props, {"u": {"kind": "b"}, "only_a": {"x": 1}}, {"A": a, "B": b})
    return _repro(name, props, {}, {"A": a, "B": b})


def _pattern(regex: str) -> jf.PatternSpec:
    return jf.PatternSpec(regex, lambda rng: "", (0, 0), ())


RECORD = jf.RecordNode(props={"a": jf.Prop(jf.IntegerNode(), True)})
DEFAULT_TUPLE = jf.Prop(jf.TupleNode(prefix=[jf.RefNode(name="R", target=RECORD)]), False, [[{"a": 1}]])
# nested_dollar, unicode_classes and float_multiple_of were fixed while the run was built (ba34cc1, 828b804,
# 92c54ae): their repros pass, as regression tests.
REPROS = {
    r.contract.name: r
    for r in (
        _one("integral_float", jf.IntegerNode(), 1.0),
        _one("union_by_kind", jf.UnionNode(variants=[jf.IntegerNode(minimum=0), jf.NumberNode(maximum=10)]), -5),
        _one("oneof_overlap", jf.UnionNode(variants=[jf.ConstNode(value="a"), jf.StringNode()], style="oneOf"), "a"),
        _one("untyped_object", jf.RecordNode(props={"a": jf.Prop(jf.StringNode(), False)}, typed=False), 5),
        _one("decimal_kind", jf.DecimalNode(spelled="format"), 1.5),
        _one("tuple_length", jf.TupleNode(prefix=[jf.StringNode(), jf.IntegerNode()]), ["a"]),
        _one("unique_python_equality", jf.ArrayNode(items=jf.AnyNode(), unique=True), [1, True]),
        _one("unique_nested_text", jf.ArrayNode(items=jf.AnyNode(), unique=True), [[1], [1.0]]),
        _one(
            "format_spread",
            jf.TupleNode(prefix=[jf.StringNode(), jf.StringNode(fmt="email")]),
            ["x", "ada@example.com"],
        ),
        _one("duration_units", jf.StringNode(fmt="duration"), "P2W"),
        _one("nested_dollar", jf.ArrayNode(items=jf.StringNode(pattern=_pattern("^[A-Z]{3}$"))), ["EUR\n"]),
        _one("unicode_classes", jf.StringNode(pattern=_pattern("^\\d+$")), "١٢٣"),
        _one("bytes_length", jf.StringNode(base64=True, max_length=4), "AAAAAA=="),
        _one(
            "decimal_spread",
            jf.TupleNode(prefix=[jf.DecimalNode(spelled="format"), jf.DecimalNode(precision=5, scale=0)]),
            ["0.5", "1"],
        ),
        _one("float_multiple_of", jf.NumberNode(multiple_of=0.01), 0.07),
        _one("multiple_spread", jf.TupleNode(prefix=[jf.NumberNode(multiple_of=0.5), jf.AnyNode()]), [1.5, 0.3]),
        _one("uuid_hex", jf.StringNode(fmt="uuid"), "0b6f3c8e4a1d4c559a571f2f8e1c9d10"),
        _one("free_map", jf.MapNode(values=jf.AnyNode(style="true")), 5),
        _tagged("tag_optional", plain_ref=True),
        _repro("tuple_default", {"t": DEFAULT_TUPLE}, {}, {"R": RECORD}),
        _tagged("record_default", default={"kind": "b"}),
    )
}
# Open findings: a repro of one fails, as an xfail(strict=True) test. When a fix makes it pass, delete the
# finding's entry in json_fuzz.DIFFERENCES (or json_fuzz.CRASHES): the repro stays, a regression test.
REASONS = {**{n: d.reason for n, d in jf.DIFFERENCES.items() if d.finding}, **{c.name: c.reason for c in jf.CRASHES}}


def test_every_open_finding_has_a_repro() -> None:
    assert set(REASONS) <= set(REPROS), set(REASONS) - set(REPROS)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> jf.Compiled:
    schemas = {name: repro.contract.schema() for name, repro in REPROS.items()}
    result = jf.compile_schemas(schemas, tmp_path_factory.mktemp("repros"))
    assert not result.refused, result.refused
    return result


def _case(name: str) -> object:
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=REASONS[name])) if name in REASONS else name


# What the reader should say is the oracle's verdict on the schema read as the docs say the reader reads it
# (the deliberate differences applied, patterns in ECMA-262's terms).
@pytest.mark.parametrize("name", [_case(name) for name in REPROS])
def test_repro(name: str, compiled: jf.Compiled) -> None:
    repro = REPROS[name]
    assert name not in compiled.broken, compiled.broken[name]
    valid = not jf.Oracle(repro.contract).errors(repro.instance, jf.EXCUSED)
    read = jf.reader_verdict(compiled.codecs[name], json.dumps(repro.instance).encode())
    assert not read.crashed, read.message
    assert read.ok == valid, f"oracle {'valid' if valid else 'invalid'}, reader {read.message}"


@pytest.mark.parametrize("name", sorted(jf.FINDINGS))
def test_a_finding_explains_its_repro(name: str, compiled: jf.Compiled) -> None:
    """A finding's rendering of the schema models exactly its bug: the run counts its disagreements under its
    name and compares the rest of each document."""
    repro = REPROS[name]
    read = jf.reader_verdict(compiled.codecs[name], json.dumps(repro.instance).encode())
    oracle = jf.Oracle(repro.contract)
    assert jf.excused(oracle, repro.instance, read.ok) is None
    assert jf.known_finding(oracle, repro.instance, read.ok) == name


@pytest.mark.parametrize("crash", jf.CRASHES, ids=lambda c: c.name)
def test_a_crash_is_known_by_its_cause(crash: jf.Crash, compiled: jf.Compiled) -> None:
    repro = REPROS[crash.name]
    if crash.name in compiled.broken:
        error = compiled.broken[crash.name]
        message = f"{type(error).__name__}: {error}"
    else:
        message = jf.reader_verdict(compiled.codecs[crash.name], json.dumps(repro.instance).encode()).message
    assert jf.crash_cause(repro.contract, message)[2] == crash.name
