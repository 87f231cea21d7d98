"""Differential run of record validation against the reference JSON Schema validator.

A contract is drawn as a small model: an object root with an `x-contract` block and one stream port, whose
properties are of the kinds docs/jsonschema.md maps (strings with lengths, patterns and formats; integers and
numbers with bounds and multipleOf; booleans; enums; consts; nullables; arrays; prefixItems tuples; nested
records open and closed; maps; `$ref`s into `$defs`, recursive ones too; oneOf / anyOf / type-list unions;
discriminated unions of records; decimals; defaults). Each contract is rendered to a 2020-12 schema and
gets documents: a valid one drawn from the model, changed by 0 to 3 mutations (a wrong type, a bound missed
by one, a pattern broken, a required property dropped, ...). Every (schema, document) pair is judged by
`jsonschema` (Draft202012Validator, asserting the formats both sides assert here, corrected where it is not
JSON Schema: patterns, multipleOf) and by the reader codec the contract compiles to (`<PORT>_CODEC.decode`).
A batch of contracts is one compile.

A disagreement is ``excused`` when the oracle, judging the schema as the reader is documented to read it
(the deliberate ``DIFFERENCES``: each a rendering of the schema, with its reason from the docs), agrees with
the reader. What they do not explain is a ``known_finding`` (a bug found here, rendered the same way, so
that the rest of each document is still compared) or new. A reader raising anything but ContractViolation,
and a generated module that does not import, are disagreements too (known by their cause: ``CRASHES``).

    python -m tests.python.json_fuzz --batches 20 --schemas 40 --seed 1 [--keep DIR] [--known N]

prints every disagreement not excused (``--known N``: N of each known finding), with the schema of the place
involved, the value there, the document and both verdicts, then counts: pairs, refusals by code, excuses,
disagreements by finding. It exits 1 on a new disagreement. ``--keep`` leaves each batch's contracts and
generated code. The test suite runs a few seeded batches (tests/python/test_json_fuzz.py).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import decimal
import importlib
import itertools
import json
import math
import random
import re
import shutil
import string
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec
from contract_runtime import ContractViolation
from contract_runtime._checks import FORMATS as RUNTIME_FORMATS
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match

from codegen import ir
from codegen.config import Config
from codegen.diagnostics import ContractError, Diagnostic
from codegen.emitters.python_models import PythonModelsEmitter, PythonOptions
from codegen.emitters.python_ports import PortsOptions, PythonPortsEmitter
from codegen.formatting import format_python
from codegen.pipeline import compile_inputs

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]
Schema = dict[str, Json]
Path_ = tuple[str | int, ...]  # a place in a document: keys and indexes

INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)
UINT64 = (0, 2**64 - 1)
FLOAT_MAX = 1.7976931348623157e308


# -- deliberate differences and known findings ---------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    name: str
    reason: str
    finding: bool  # True: a bug this run found (an xfail test in test_json_fuzz.py); False: documented


DIFFERENCES = {
    d.name: d
    for d in (
        Difference(
            "open_records",
            "readers ignore unknown fields, also of closed objects: rejecting additions is the compatibility "
            "checker's job (python-records.md, ports.md)",
            False,
        ),
        Difference(
            "int64",
            "JSON Schema integer is int64; int32 with format int32, uint64 when bounded 0 to above int64's maximum "
            "(jsonschema.md Type mapping)",
            False,
        ),
        Difference("float64", "number is float64 (jsonschema.md Type mapping): a larger number has no value", False),
        Difference(
            "base64",
            "contentEncoding base64 is bytes (jsonschema.md Type mapping): the string must decode as base64",
            False,
        ),
        Difference(
            "decimal",
            "format decimal / x-decimal are our keywords (jsonschema.md): a decimal string is read as Python's "
            "Decimal reads it (ports.md), finite, its digits counted by value (python-records.md)",
            False,
        ),
        Difference(
            "free_object",
            "an object with neither properties nor additionalProperties is any JSON value (jsonschema.md Type mapping)",
            False,
        ),
        Difference(
            "integral_float",
            "an integer written 1.0 is an integer in JSON Schema; msgspec reads only a JSON integer into int",
            True,
        ),
        Difference(
            "union_by_kind",
            "a union of an integer and a number is decoded by the JSON kind of the value: an integer is checked "
            "against the integer variant only, where anyOf / oneOf would accept it by the number variant",
            True,
        ),
        Difference(
            "untyped_object",
            "properties without type: object constrain objects only; the record refuses every other value",
            True,
        ),
        Difference(
            "decimal_kind",
            "a decimal is read from a JSON string and from a JSON number alike, whatever its type keyword says",
            True,
        ),
        Difference(
            "tuple_length",
            "prefixItems is read as a tuple of exactly that many items; JSON Schema allows fewer, and more "
            "unless items is false",
            True,
        ),
        Difference(
            "unique_python_equality",
            "uniqueItems compares the decoded items by Python's ==: true repeats 1 and false 0, the decimal 0.50 "
            "repeats 0.5, a uuid repeats its upper-case spelling; JSON Schema tells each pair apart",
            True,
        ),
        Difference(
            "unique_nested_text",
            "uniqueItems compares arrays and objects by their JSON text, so [1] and [1.0] are distinct items; "
            "JSON Schema's equality finds them equal",
            True,
        ),
        Difference(
            "format_spread",
            "a format on one string of a field (a tuple item, a union variant) is checked on every string the "
            "field holds",
            True,
        ),
        Difference(
            "duration_units",
            "format duration refuses years, months and weeks (P1Y, P1M, P2W), which RFC 3339's duration allows",
            True,
        ),
        Difference(
            "bytes_length",
            "minLength / maxLength of a base64 string count the decoded bytes; JSON Schema counts the characters",
            True,
        ),
        Difference(
            "decimal_spread",
            "the digits and bounds of one decimal of a field (a tuple item, a union variant) are checked on every "
            "decimal the field holds",
            True,
        ),
        Difference(
            "multiple_spread",
            "a fractional multipleOf of one number of a field (a tuple item, a union variant) is checked on every "
            "float the field holds, floats in values of {} too",
            True,
        ),
        Difference(
            "uuid_hex",
            "format uuid accepts 32 hex digits without hyphens; RFC 4122's string form has them",
            True,
        ),
        Difference(
            "free_map",
            "an object with only additionalProperties true or {} is read as any JSON value, not as an object",
            True,
        ),
        Difference(
            "tag_optional",
            "a record that is a variant of a discriminated union does not require its tag property where a "
            "plain $ref uses it (msgspec's tag_field is required only to pick a union variant)",
            True,
        ),
        Difference(
            "oneof_overlap",
            "oneOf is read as anyOf: a value two variants accept passes, where oneOf wants exactly one",
            True,
        ),
    )
}
EXCUSED = frozenset(name for name, d in DIFFERENCES.items() if not d.finding)
FINDINGS = frozenset(name for name, d in DIFFERENCES.items() if d.finding)


# -- the oracle: jsonschema, with the format checkers the renderings of DIFFERENCES name (x-...) ----------


# The formats jsonschema asserts here that the reader asserts too. date-time, time, duration, uri,
# uri-reference and hostname need packages not installed (rfc3339-validator, isoduration, rfc3987, fqdn),
# so jsonschema does not assert them: documents carry only valid values of those. Its email check is only
# that the string holds an "@": emails are drawn valid, and broken only by leaving the "@" out.
COMPARED_FORMATS = ("date", "email", "ipv4", "ipv6", "uuid")


# Two corrections of the oracle, where jsonschema is not JSON Schema. Patterns: jsonschema runs them on
# Python's re, so the oracle's schema spells them in ECMA-262's terms: \d as [0-9], \w as [A-Za-z0-9_] (and
# \D, \W), $ as \Z (Python's $ also matches before a final newline). multipleOf: jsonschema divides floats (0.3 is no
# multiple of 0.1 there, and a huge integer raises OverflowError); JSON Schema means the decimal values.
ECMA = "ecma"
ECMA_CLASSES = {"\\d": "[0-9]", "\\w": "[A-Za-z0-9_]", "\\D": "[^0-9]", "\\W": "[^A-Za-z0-9_]"}
WIDE = decimal.Context(prec=1000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _exact_multiple_of(validator: Any, multiple: object, instance: object, schema: object) -> Iterator[Any]:
    number = validator.is_type(instance, "number") and isinstance(multiple, int | float)
    if number and WIDE.remainder(decimal.Decimal(repr(instance)), decimal.Decimal(repr(multiple))) != 0:
        yield ValidationError(f"{instance!r} is not a multiple of {multiple!r}")


Validator = validators.extend(Draft202012Validator, {"multipleOf": _exact_multiple_of})


class Oracle:
    """jsonschema's verdicts on one contract's schema, as written or as rendered with ``differences``."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.checker = format_checker()
        for node in contract.nodes():
            for name, check in node.checks().items():
                self.checker.checks(name)(check)
        self.validators: dict[frozenset[str], Any] = {}

    def errors(self, instance: Json, differences: frozenset[str] = frozenset()) -> list[Any]:
        if differences not in self.validators:
            schema = self.contract.schema(differences | {ECMA})
            self.validators[differences] = Validator(schema, format_checker=self.checker)
        return list(self.validators[differences].iter_errors(instance))


def format_checker() -> Any:
    """The formats compared, and those the renderings of DIFFERENCES use (named x-...)."""
    checker = FormatChecker(formats=COMPARED_FORMATS)
    missing = set(COMPARED_FORMATS) - set(checker.checkers)
    assert not missing, f"jsonschema asserts no {missing} here"
    checker.checks("x-int-literal")(_int_literal)
    checker.checks("x-duration-as-read")(_duration_as_read)
    checker.checks("x-uuid-as-read")(_uuid_as_read)
    for name, check in RUNTIME_FORMATS.items():
        checker.checks(f"x-runtime:{name}")(_strings_pass(check))
    return checker


def _int_literal(value: object) -> bool:
    """What msgspec reads as an int: a JSON integer, not an integral float such as 1.0."""
    return not isinstance(value, float)


def _duration_as_read(value: object) -> bool:
    return not isinstance(value, str) or not re.search(r"[YW]|^[^T]*M", value)


def _uuid_as_read(value: object) -> bool:
    return (
        not isinstance(value, str)
        or re.fullmatch(r"[0-9a-fA-F]{8}(-?)([0-9a-fA-F]{4}\1){3}[0-9a-fA-F]{12}", value) is not None
    )


def _base64(value: object) -> bool:
    """What msgspec decodes as bytes: standard base64, padded."""
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _strings_pass(check: Callable[[str], bool]) -> Callable[[object], bool]:
    """Every string in a value, below arrays and object values, passes ``check`` (how a format rule walks a field)."""

    def ok(value: object) -> bool:
        if isinstance(value, str):
            return check(value)
        if isinstance(value, list):
            return all(ok(v) for v in value)
        return not isinstance(value, dict) or all(ok(v) for v in value.values())

    return ok


DecimalRule = tuple[int | None, int | None, int | None]  # precision, scale, minimum


def decimal_format(rule: DecimalRule) -> str:
    return "x-decimal:{}:{}:{}".format(*rule)


def _decimal_checker(rule: DecimalRule) -> Callable[[object], bool]:
    """A decimal as the reader reads it: Decimal's own parsing, finite, digits and scale counted by value."""
    precision, scale, minimum = rule

    def fits(value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return True  # the type keyword judges other values
        try:
            d = decimal.Decimal(value if isinstance(value, str) else repr(value))
        except decimal.InvalidOperation:
            return False
        if not d.is_finite():
            return False
        if minimum is not None and d < minimum:
            return False
        if not d:
            return True
        _, digits, exponent = d.normalize(WIDE).as_tuple()
        assert isinstance(exponent, int)
        if scale is not None and -exponent > scale:
            return False
        whole = len(digits) + exponent
        return precision is None or whole + (scale if scale is not None else max(0, -exponent)) <= precision

    return fits


def _floats_multiple(multiple: float, numbers: bool) -> Callable[[object], bool]:
    """Every float in a value, below arrays and object values, is a multiple of ``multiple`` by decimal value
    (how a float multipleOf rule walks a field); with ``numbers``, JSON integers too (a number field reads them
    into floats)."""

    def ok(value: object) -> bool:
        if isinstance(value, float) or (numbers and isinstance(value, int) and not isinstance(value, bool)):
            try:
                spelled = decimal.Decimal(repr(float(value)))
            except OverflowError:  # beyond a float: float64's bound judges it
                return True
            return WIDE.remainder(spelled, decimal.Decimal(repr(multiple))) == 0
        if isinstance(value, list):
            return all(ok(v) for v in value)
        return not isinstance(value, dict) or all(ok(v) for v in value.values())

    return ok


def _as_read(kind: str, value: object) -> object:
    """An array item as the reader holds it when it compares items: a UUID, a Decimal, else the JSON value."""
    try:
        if kind == "uuid" and isinstance(value, str):
            return uuid.UUID(value)
        if kind == "decimal" and isinstance(value, str):
            return decimal.Decimal(value)
    except (ValueError, decimal.InvalidOperation):
        pass
    return value


def unique_format(kind: str, on: frozenset[str]) -> str:
    return f"x-unique:{kind}:{'unique_python_equality' in on:d}:{'unique_nested_text' in on:d}"


def _unique_as_read(kind: str, python_equality: bool, nested_text: bool) -> Callable[[object], bool]:
    """uniqueItems with the reader's equality: scalars compared decoded by Python's == (``python_equality``),
    arrays and objects by their sorted JSON text (``nested_text``); else JSON Schema's equality."""

    def same(a: object, b: object) -> bool:
        if isinstance(a, list | dict) or isinstance(b, list | dict):
            if nested_text:
                return msgspec.json.encode(a, order="sorted") == msgspec.json.encode(b, order="sorted")
        elif python_equality:
            return _as_read(kind, a) == _as_read(kind, b)
        return same_json(a, b)  # type: ignore[arg-type]

    def unique(value: object) -> bool:
        items = value if isinstance(value, list) else []
        return not any(same(a, b) for i, a in enumerate(items) for b in items[i + 1 :])

    return unique


# -- JSON helpers ---------------------------------------------------------------------------------------


def kind_of(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def same_json(a: Json, b: Json) -> bool:
    """JSON Schema equality: 1 and 1.0 are equal, true and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def replaced(doc: Json, path: Path_, value: Json) -> Json:
    """A copy of ``doc`` with the value at ``path`` replaced."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(doc, dict) and isinstance(key, str):
        return {**doc, key: replaced(doc[key], rest, value)}
    if isinstance(doc, list) and isinstance(key, int):
        return [replaced(v, rest, value) if i == key else v for i, v in enumerate(doc)]
    raise KeyError(key)


TEXT = string.ascii_letters + string.digits + " -_.'\"\\/" + "äéßñ" + "名前" + "\n\t"
NON_BMP = "😀𝄞𠀋"
NAMES = [
    "id", "name", "amount", "note", "when", "class", "from", "int", "list", "datetime", "msgspec", "value",
    "type", "self", "items", "keys", "a-b", "x y", "größe", "名前", "1st", "_private", "camelCase", "None", "uuid",
]  # fmt: skip
MAP_KEYS = ["a", "b", "", "a b", "ü", "😀", "1", "key.with.dots", "$ref"]


def text(rng: random.Random, lo: int, hi: int) -> str:
    alphabet = TEXT + NON_BMP if rng.random() < 0.3 else TEXT
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def any_json(rng: random.Random, depth: int = 0) -> Json:
    roll = rng.randrange(8 if depth < 2 else 6)
    choices: list[Callable[[], Json]] = [
        lambda: None,
        lambda: rng.choice([True, False]),
        lambda: rng.randint(-3, 3),
        lambda: rng.choice([0.5, -2.25, 1e20]),
        lambda: text(rng, 0, 4),
        lambda: rng.randint(0, 1),
        lambda: [any_json(rng, depth + 1) for _ in range(rng.randint(0, 2))],
        lambda: {rng.choice(MAP_KEYS): any_json(rng, depth + 1) for _ in range(rng.randint(0, 2))},
    ]
    return choices[roll]()


# Values of every JSON kind, for "wrong type" mutations: each node takes those not of its kinds.
SAMPLES: list[Json] = [0, -3, 2.5, "x", "", True, False, None, [], [1], {}, {"k": 1}]

Mutant = tuple[str, Json]  # a label and the value that replaces the one mutated


# -- the model ------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    nullable: bool = field(default=False, kw_only=True)
    # how nullability is written: type list ("type"), or anyOf with {"type": "null"} ("anyOf")
    null_style: str = field(default="type", kw_only=True)
    # a runtime-checked format of a string elsewhere in the same field (see format_spread)
    field_format: str | None = field(default=None, kw_only=True)
    # the digits of another decimal of the same field (see decimal_spread)
    field_decimal: DecimalRule | None = field(default=None, kw_only=True)
    # the fractional multipleOf of another number of the same field (see multiple_spread)
    field_multiple: float | None = field(default=None, kw_only=True)

    def kinds(self) -> set[str]:
        raise NotImplementedError

    def render(self, on: frozenset[str]) -> Json:
        """The schema without nullability; ``on`` names the DIFFERENCES the rendering models."""
        raise NotImplementedError

    def pick(self, rng: random.Random, depth: int) -> Json:
        """A valid value, never null."""
        raise NotImplementedError

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        return []

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        return iter(())

    def owns(self, value: Json) -> bool:
        """Whether ``value`` is of this node's shape (to follow a document through the model)."""
        k = kind_of(value)
        return k in self.kinds() or (k == "integer" and "number" in self.kinds()) or (value is None and self.nullable)

    def schema(self, on: frozenset[str]) -> Json:
        body = self.render(on)
        if not self.nullable:
            return body
        if self.null_style == "type" and isinstance(body, dict) and isinstance(body.get("type"), str):
            return {**body, "type": [body["type"], "null"]}
        return {"anyOf": [body, {"type": "null"}]}

    def draw(self, rng: random.Random, depth: int = 0) -> Json:
        return None if self.nullable and rng.random() < 0.15 else self.pick(rng, depth)

    def mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        out = [("wrong_type", s) for s in SAMPLES if not self.owns(s)]
        out = rng.sample(out, min(2, len(out))) + (self.own_mutants(value, rng) if value is not None else [])
        return [(label, v) for label, v in out if not self.unjudged(v)]

    def unjudged(self, value: Json) -> bool:
        """Whether the oracle cannot judge ``value`` here: a string that would meet a format it does not assert."""
        return False

    def checks(self) -> dict[str, Callable[[object], bool]]:
        """Format checkers the renderings of this node name (x-...), for the oracle to register."""
        return {}

    def parts(self) -> list[Node]:
        """The nodes this one is made of (a $ref's target is a definition of the contract, not a part)."""
        return []


def spread(node: Node, on: frozenset[str]) -> list[Json]:
    """What the reader checks of this value because another value of the field has it: a format
    (format_spread), a fractional multipleOf (multiple_spread)."""
    out: list[Json] = []
    if "format_spread" in on and node.field_format:
        out.append({"format": f"x-runtime:{node.field_format}"})
    if "multiple_spread" in on and node.field_multiple is not None:
        out.append({"format": multiple_format(node)})
    return out


def multiple_format(node: Node) -> str:
    return f"x-multiple:{node.field_multiple!r}:{type(node).__name__}"


def spread_checks(node: Node) -> dict[str, Callable[[object], bool]]:
    if node.field_multiple is None:
        return {}
    return {multiple_format(node): _floats_multiple(node.field_multiple, isinstance(node, NumberNode))}


@dataclass(frozen=True)
class PatternSpec:
    regex: str
    make: Callable[[random.Random], str]
    lengths: tuple[int, int]  # the shortest and longest string ``make`` returns
    breakers: tuple[str, ...]


def _chars(alphabet: str, lo: int, hi: int) -> Callable[[random.Random], str]:
    return lambda rng: "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


PATTERNS = [
    PatternSpec("^[A-Z]{3}$", _chars(string.ascii_uppercase, 3, 3), (3, 3), ("EUR\n", "eur", "EURO", "EU", "ÉUR")),
    PatternSpec("^[a-z]+$", _chars(string.ascii_lowercase, 1, 8), (1, 8), ("", "abc\n", "ab1", "ABC", "ä")),
    PatternSpec("^[0-9]{4}$", _chars(string.digits, 4, 4), (4, 4), ("123", "12345", "١٢٣٤", "1234\n")),
    PatternSpec("^\\d+$", _chars(string.digits, 1, 6), (1, 6), ("12a", "", "12\n", "١٢٣")),
    PatternSpec(
        "^[A-Za-z0-9]{2,8}$", _chars(string.ascii_letters + string.digits, 2, 8), (2, 8), ("a", "abcdefghi", "a-b")
    ),
    PatternSpec(
        "^\\+[1-9][0-9]{6,14}$",
        lambda rng: "+" + rng.choice("123456789") + _chars(string.digits, 6, 14)(rng),
        (8, 16),
        ("+0123456", "123456789", "+12345", "+1234567\n"),
    ),
    PatternSpec("[0-9]", lambda rng: _chars("abc", 0, 2)(rng) + rng.choice(string.digits), (1, 3), ("abc", "", "x\ny")),
    PatternSpec("^ab", lambda rng: "ab" + _chars("xyz", 0, 3)(rng), (2, 5), ("ba", "xab", "\nab")),
    PatternSpec("c$", lambda rng: _chars("xyz", 0, 3)(rng) + "c", (1, 4), ("cx", "c\n", "C")),
    PatternSpec(
        "^(foo|bar)+$",
        lambda rng: "".join(rng.choice(["foo", "bar"]) for _ in range(rng.randint(1, 3))),
        (3, 9),
        ("foob", "", "foo\n", "baz"),
    ),
    PatternSpec("^[^\\s]+$", _chars("ab-_.ä", 1, 5), (1, 5), ("a b", "", "a\n", "\t")),
    PatternSpec("^.{2,4}$", _chars("ab c.", 2, 4), (2, 4), ("a", "abcde", "ab\n")),
    PatternSpec(
        "^[a-z]+(-[a-z]+)*$",
        lambda rng: "-".join(_chars("abc", 1, 3)(rng) for _ in range(rng.randint(1, 3))),
        (1, 11),
        ("a--b", "-a", "a-", "a-b\n"),
    ),
    PatternSpec("^\\w+$", _chars("abcXYZ_09", 1, 5), (1, 5), ("a b", "", "a-b", "ab\n", "äß")),
    PatternSpec("^\\D+$", _chars("ab-", 1, 4), (1, 4), ("a1", "", "ab\n", "١٢")),  # ١٢ is no [0-9]: valid
    PatternSpec("^EUR$|^USD$", lambda rng: rng.choice(["EUR", "USD"]), (3, 3), ("EUR\n", "USD\n", "GBP", "EURO")),
]


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1900, 2100):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _uuid(rng: random.Random) -> str:
    text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return text.upper() if rng.random() < 0.2 else text


# format -> draws valid values (valid for JSON Schema and for the reader); breakers only for asserted formats
FORMAT_VALUES: dict[str, Callable[[random.Random], str]] = {
    "date": _date,
    "uuid": _uuid,
    "email": lambda rng: rng.choice(["ada@example.com", "a.b+c@sub.example.org", "x_y@example.io"]),
    "ipv4": lambda rng: ".".join(str(rng.randint(0, 255)) for _ in range(4)),
    "ipv6": lambda rng: rng.choice(["::1", "2001:db8::8a2e:370:7334", "fe80::1", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4"]),
    "date-time": lambda rng: rng.choice(
        ["2024-05-06T07:08:09Z", "2024-05-06T07:08:09.123+02:00", "1999-12-31T23:59:59-05:30"]
    ),
    "time": lambda rng: rng.choice(["07:08:09Z", "23:59:59.5+01:00", "00:00:00-08:00"]),
    "duration": lambda rng: rng.choice(["P1D", "PT5M", "P1DT2H", "PT0.5S", "P2W", "P1M", "P1Y2M"]),
    "uri": lambda rng: rng.choice(["https://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:a@example.com"]),
    "uri-reference": lambda rng: rng.choice(["/a/b", "../c", "https://example.com", "#frag"]),
    "hostname": lambda rng: rng.choice(["example.com", "a-b.example.org", "localhost"]),
}  # fmt: skip
FORMAT_BREAKERS: dict[str, tuple[str, ...]] = {
    "date": ("2021-02-30", "2021-2-03", "20210203", "2021-02-03T00:00:00Z", "2021-02-03 ", "0000-01-01", "٢٠٢١-٠٢-٠٣"),
    "uuid": ("0b6f3c8e4a1d4c559a571f2f8e1c9d10", "{0b6f3c8e-4a1d-4c55-9a57-1f2f8e1c9d10}", "0b6f3c8e-4a1d-4c55-9a57",
             "urn:uuid:0b6f3c8e-4a1d-4c55-9a57-1f2f8e1c9d10", "0b6f3c8e-4a1d-4c55-9a57-1f2f8e1c9d1g"),
    # jsonschema's email check is only "contains @": the values it can judge are those without one
    "email": ("ada.example.com", "", "ada"),
    "ipv4": ("1.2.3", "256.1.1.1", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 "),
    "ipv6": ("::g", "1::2::3", "fe80::1%eth0", "12345::", "1.2.3.4"),
}  # fmt: skip


@dataclass(eq=False)
class StringNode(Node):
    min_length: int | None = None
    max_length: int | None = None
    pattern: PatternSpec | None = None
    fmt: str | None = None
    base64: bool = False  # contentEncoding: base64 (bytes)

    def kinds(self) -> set[str]:
        return {"string"}

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "string"}
        extra: list[Json] = []
        if self.base64 and "bytes_length" in on:
            extra.append({"format": self.bytes_format()})
        else:
            if self.min_length is not None:
                out["minLength"] = self.min_length
            if self.max_length is not None:
                out["maxLength"] = self.max_length
        if self.pattern is not None:
            out["pattern"] = self.regex(on)
        if self.fmt is not None:
            out["format"] = "x-uuid-as-read" if self.fmt == "uuid" and "uuid_hex" in on else self.fmt
        if self.base64:
            out["contentEncoding"] = "base64"
            extra += [{"format": "x-base64"}] if "base64" in on else []
        if "duration_units" in on and self.fmt == "duration":
            extra.append({"format": "x-duration-as-read"})
        if self.fmt is None:
            extra += spread(self, on)
        return {**out, "allOf": extra} if extra else out

    def regex(self, on: frozenset[str]) -> str:
        """The pattern; in ECMA-262's terms for the oracle (PATTERNS use these escapes and $ outside classes)."""
        regex = self.pattern.regex if self.pattern is not None else ""
        if ECMA not in on:
            return regex
        for escape, ascii_class in ECMA_CLASSES.items():
            regex = regex.replace(escape, ascii_class)
        return regex.replace("$", "\\Z")

    def bytes_format(self) -> str:
        return f"x-bytes:{self.min_length}:{self.max_length}"

    def checks(self) -> dict[str, Callable[[object], bool]]:
        if not self.base64:
            return {}
        lo, hi = self.min_length or 0, self.max_length

        def length_fits(value: object) -> bool:
            if not isinstance(value, str) or not _base64(value):
                return True  # another keyword judges it
            n = len(binascii.a2b_base64(value))
            return lo <= n and (hi is None or n <= hi)

        return {"x-base64": _base64, self.bytes_format(): length_fits}

    def pick(self, rng: random.Random, depth: int) -> Json:
        if self.fmt is not None:
            return FORMAT_VALUES[self.fmt](rng)
        if self.pattern is not None:
            return self.pattern.make(rng)
        if self.base64:  # bytes whose base64 text fits the lengths too, where some do
            fits = [n for n in range(self.min_length or 0, (self.max_length or 8) + 1) if self.base64_fits(n)]
            size = rng.choice(fits) if fits else self.min_length or 0
            return base64.b64encode(rng.randbytes(size)).decode()
        lo = self.min_length or 0
        return text(rng, lo, self.max_length if self.max_length is not None else lo + 6)

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        out: list[Mutant] = []
        if self.min_length:
            out += [("too_short", text(rng, self.min_length - 1, self.min_length - 1))]
            out += [("non_bmp_at_min", rng.choice(NON_BMP) * self.min_length)]
        if self.max_length is not None:
            out += [("too_long", text(rng, self.max_length + 1, self.max_length + 1))]
            out += [("non_bmp_at_max", rng.choice(NON_BMP) * self.max_length)]
            out += [("non_bmp_too_long", rng.choice(NON_BMP) * (self.max_length + 1))]
        if self.pattern is not None:
            out += [("pattern_broken", rng.choice(self.pattern.breakers))]
        if self.fmt in FORMAT_BREAKERS:
            out += [("format_broken", rng.choice(FORMAT_BREAKERS[self.fmt]))]
        if self.base64:
            out = [(label, v) for label, v in out if isinstance(v, str) and _base64(v)]  # as bytes, below
            out.append(("not_base64", rng.choice(["A", "AAAAAA", "AA AA", "_-8=", "QQ==\n", "%%%%"])))
            for n in {self.min_length or 0, self.max_length or 0} - {0}:
                out += [("bytes_around_bound", base64.b64encode(rng.randbytes(n + d)).decode()) for d in (-1, 0, 1)]
        return out

    def base64_fits(self, size: int) -> bool:
        """Whether ``size`` bytes and their base64 text both fit the lengths."""
        lo, hi = self.min_length or 0, self.max_length
        return all(lo <= n and (hi is None or n <= hi) for n in (size, 4 * -(-size // 3)))


def _bounds(out: Schema, node: IntegerNode | NumberNode) -> None:
    for key, v in (
        ("minimum", node.minimum),
        ("maximum", node.maximum),
        ("exclusiveMinimum", node.exclusive_minimum),
        ("exclusiveMaximum", node.exclusive_maximum),
        ("multipleOf", node.multiple_of),
    ):
        if v is not None:
            out[key] = v


@dataclass(eq=False)
class IntegerNode(Node):
    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | None = None
    fmt: str | None = None  # int32 / int64

    def kinds(self) -> set[str]:
        return {"integer"}

    def range(self) -> tuple[int | None, int | None]:
        lo = hi = None
        if self.minimum is not None:
            lo = math.ceil(self.minimum)
        if self.exclusive_minimum is not None:
            lo = max(lo if lo is not None else -(2**200), math.floor(self.exclusive_minimum) + 1)
        if self.maximum is not None:
            hi = math.floor(self.maximum)
        if self.exclusive_maximum is not None:
            hi = min(hi if hi is not None else 2**200, math.ceil(self.exclusive_maximum) - 1)
        return lo, hi

    def width(self) -> tuple[int, int]:
        """The reader's integer type: int32 with format int32, uint64 when bounded 0 to above int64, else int64."""
        if self.fmt == "int32":
            return INT32
        low = self.minimum
        if low is None and self.exclusive_minimum is not None:
            low = self.exclusive_minimum + 1
        high = self.maximum if self.maximum is not None else self.exclusive_maximum
        unsigned = self.fmt is None and low is not None and low >= 0 and high is not None and high > INT64[1]
        return UINT64 if unsigned else INT64

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "integer"}
        _bounds(out, self)
        if self.fmt is not None:
            out["format"] = self.fmt
        extra: list[Json] = []
        if "int64" in on:
            lo, hi = self.width()
            extra.append({"minimum": lo, "maximum": hi})
        if "integral_float" in on:
            extra.append({"format": "x-int-literal"})
        return {**out, "allOf": extra} if extra else out

    def pick(self, rng: random.Random, depth: int) -> Json:
        lo, hi = self.range()
        lo = lo if lo is not None else (hi - rng.choice([10, 1000]) if hi is not None else -rng.choice([10, 10**6]))
        hi = hi if hi is not None else lo + rng.choice([10, 1000, 10**12])
        width = self.width()  # beyond it is a mutation (the int64 difference)
        lo, hi = max(lo, width[0]), min(hi, width[1])
        m = self.multiple_of or 1
        first, last = -(-lo // m), hi // m
        if first > last:
            raise Unsatisfiable("no multiple of multipleOf within the bounds and the integer's width")
        return m * rng.randint(first, min(last, first + 1000)) if rng.random() < 0.8 else m * rng.choice([first, last])

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        assert isinstance(value, int)
        lo, hi = self.range()
        out: list[Mutant] = []
        if lo is not None:
            out.append(("below_minimum", lo - 1))
        if hi is not None:
            out.append(("above_maximum", hi + 1))
        if self.multiple_of is not None and self.multiple_of > 1:
            out.append(("not_multiple", value + 1))
        if abs(value) < 2**53:  # a mutated value may be beyond a float already
            out += [("integral_float", float(value)), ("fraction", value + 0.5)]
        out.append(("as_string", str(value)))
        out.append(("beyond_64_bits", rng.choice([2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)])))
        if self.fmt == "int32":
            out.append(("beyond_32_bits", rng.choice([2**31, -(2**31) - 1])))
        return out


@dataclass(eq=False)
class NumberNode(Node):
    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | float | None = None
    fmt: str | None = None  # float / double

    def kinds(self) -> set[str]:
        return {"number"}

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "number"}
        _bounds(out, self)
        if self.fmt is not None:
            out["format"] = self.fmt
        extra: list[Json] = [{"minimum": -FLOAT_MAX, "maximum": FLOAT_MAX}] if "float64" in on else []
        extra += spread(self, on)
        return {**out, "allOf": extra} if extra else out

    def checks(self) -> dict[str, Callable[[object], bool]]:
        return spread_checks(self)

    def pick(self, rng: random.Random, depth: int) -> Json:
        lows = [v for v in (self.minimum, self.exclusive_minimum) if v is not None]
        highs = [v for v in (self.maximum, self.exclusive_maximum) if v is not None]
        lo = max(lows) if lows else (min(highs) - 100 if highs else -1000.0)
        hi = min(highs) if highs else lo + 1000
        if self.multiple_of is not None:  # the float nearest the multiple, whose JSON text is the multiple
            m = self.multiple_of
            k = rng.randint(math.floor(lo / m) + 1, math.ceil(hi / m) - 1)
            return k * m if isinstance(m, int) else float(decimal.Decimal(k) * decimal.Decimal(repr(m)))
        value = rng.uniform(lo, hi)
        if rng.random() < 0.3:  # an integer literal is a number too
            value = float(math.floor(value)) if math.floor(value) > lo else value
            return int(value) if value.is_integer() else value
        return value if lo < value < hi else (lo + hi) / 2

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        assert isinstance(value, int | float)
        out: list[Mutant] = []
        for key, v, step in (("minimum", self.minimum, -0.5), ("maximum", self.maximum, 0.5)):
            if v is not None:
                out.append((f"beyond_{key}", v + step))
        for key, v in (("exclusive_minimum", self.exclusive_minimum), ("exclusive_maximum", self.exclusive_maximum)):
            if v is not None:
                out.append((f"at_{key}", v))
        if self.multiple_of is not None and abs(value) < 2**53:
            out.append(("not_multiple", value + self.multiple_of / 2))
        out += [("as_string", str(value)), ("huge", rng.choice([2**70, 10**400, -(10**400)]))]
        return out


@dataclass(eq=False)
class BoolNode(Node):
    def kinds(self) -> set[str]:
        return {"boolean"}

    def render(self, on: frozenset[str]) -> Json:
        return {"type": "boolean"}

    def pick(self, rng: random.Random, depth: int) -> Json:
        return rng.choice([True, False])

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        return [("as_string", json.dumps(value)), ("as_int", int(bool(value)))]


@dataclass(eq=False)
class EnumNode(Node):
    values: list[str | int] = field(default_factory=list)
    typed: bool = False  # a `type` keyword next to the enum

    def kinds(self) -> set[str]:
        return {kind_of(v) for v in self.values}

    def schema(self, on: frozenset[str]) -> Json:
        values: list[Json] = [*self.values, None] if self.nullable else list(self.values)
        out: Schema = {"enum": values}
        if self.typed:
            kinds: list[Json] = [*sorted(self.kinds())]
            out["type"] = kinds[0] if len(kinds) == 1 and not self.nullable else [*kinds, *(["null"] * self.nullable)]
        if "integral_float" in on and "integer" in self.kinds():
            out["allOf"] = [{"format": "x-int-literal"}]
        return out

    def pick(self, rng: random.Random, depth: int) -> Json:
        return rng.choice(self.values)

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        out: list[Mutant] = [("enum_outside", rng.choice(["zz", 999, "A" if "a" in self.values else "a"]))]
        if isinstance(value, str) and value.upper() != value:
            out.append(("enum_case", value.upper()))
        if isinstance(value, int):
            out += [("integral_float", float(value)), ("as_string", str(value))]
        return out


@dataclass(eq=False)
class ConstNode(Node):
    value: str | int | bool = ""

    def kinds(self) -> set[str]:
        return {kind_of(self.value)}

    def render(self, on: frozenset[str]) -> Json:
        if "integral_float" in on and kind_of(self.value) == "integer":
            return {"const": self.value, "format": "x-int-literal"}
        extra = spread(self, on)
        return {"const": self.value, "allOf": extra} if extra else {"const": self.value}

    def pick(self, rng: random.Random, depth: int) -> Json:
        return self.value

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        v = self.value
        if isinstance(v, bool):
            return [("const_other", not v)]
        if isinstance(v, int):
            return [("const_other", v + 1), ("integral_float", float(v))]
        return [("const_other", v + "x"), ("const_case", v.swapcase())]


@dataclass(eq=False)
class DecimalNode(Node):
    json_type: str = "string"  # how the document carries it: "string" or "number"
    precision: int | None = None
    scale: int | None = None
    spelled: str = "x-decimal"  # "x-decimal", "format" (format: decimal) or "both"
    minimum: int | None = None  # a bound applies to a number only

    def kinds(self) -> set[str]:
        return {self.json_type}

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": self.json_type}
        if self.spelled in ("format", "both"):
            out["format"] = "decimal"
        if self.spelled in ("x-decimal", "both"):
            out["x-decimal"] = {
                k: v for k, v in (("precision", self.precision), ("scale", self.scale)) if v is not None
            }
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if "decimal" in on:
            rule = self.field_decimal if "decimal_spread" in on and self.field_decimal else self.rule()
            out["allOf"] = [{"format": decimal_format(rule)}]
        if "decimal_kind" in on:
            out["type"] = ["string", "number"]
        return out

    def checks(self) -> dict[str, Callable[[object], bool]]:
        rules = {self.rule(), self.field_decimal or self.rule()}
        return {decimal_format(rule): _decimal_checker(rule) for rule in rules}

    def rule(self) -> DecimalRule:
        """The digits and bound the reader checks this decimal against."""
        return (*self.digits(), self.minimum)

    def digits(self) -> tuple[int | None, int | None]:
        """(precision, scale) as the compiler reads them: x-decimal's scale defaults to 0."""
        if self.spelled == "format":
            return None, None
        return self.precision, self.scale if self.scale is not None else 0

    def pick(self, rng: random.Random, depth: int) -> Json:
        precision, scale = self.digits()
        scale = scale if scale is not None else rng.randint(0, 3)
        whole = max(0, (precision if precision is not None else 8) - scale)
        low = self.minimum if self.minimum is not None else -(10**whole) + 1
        number = rng.randint(low, max(low, 10**whole - 1))
        spelled = f"{number}.{rng.randint(0, 10**scale - 1):0{scale}d}" if scale else str(number)
        if self.json_type == "number":
            return float(spelled) if scale else number
        return spelled

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        precision, scale = self.digits()
        digits: list[Mutant] = []
        if scale is not None:
            digits.append(("too_many_decimals", "1." + "1" * (scale + 1)))
        if precision is not None:
            digits.append(("too_many_digits", "9" * (precision - (scale or 0) + 1)))
        if self.json_type == "number":  # the same digits as JSON numbers, and strings where numbers belong
            out: list[Mutant] = [(label, json.loads(str(v))) for label, v in digits]
            return [*out, ("decimal_as_string", json.dumps(value))]
        out = [*digits, ("decimal_lenient", rng.choice([" 1", "+1", "1_000", "١٢", "1E+1", "-0", "1.50"]))]
        out.append(("not_decimal", rng.choice(["abc", "NaN", "Infinity", "1.2.3", ""])))
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
            out.append(("decimal_as_number", json.loads(value)))
        return out


@dataclass(eq=False)
class AnyNode(Node):
    style: str = "empty"  # {} ("empty"), true ("true"), or {"type": "object"} with nothing else ("object")

    def kinds(self) -> set[str]:
        return (
            {"object"}
            if self.style == "object"
            else {"null", "boolean", "integer", "number", "string", "array", "object"}
        )

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "object"} if self.style == "object" and "free_object" not in on else {}
        extra = spread(self, on)
        if extra:
            out["allOf"] = extra
        return True if self.style == "true" and not out else out

    def checks(self) -> dict[str, Callable[[object], bool]]:
        return spread_checks(self)

    def pick(self, rng: random.Random, depth: int) -> Json:
        if self.style == "object":
            return {rng.choice(MAP_KEYS): any_json(rng, depth + 1) for _ in range(rng.randint(0, 2))}
        return any_json(rng, depth)


@dataclass(eq=False)
class ArrayNode(Node):
    items: Node = field(default_factory=AnyNode)
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False

    def kinds(self) -> set[str]:
        return {"array"}

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "array", "items": self.items.schema(on)}
        if self.min_items is not None:
            out["minItems"] = self.min_items
        if self.max_items is not None:
            out["maxItems"] = self.max_items
        if self.unique and on & {"unique_python_equality", "unique_nested_text"}:
            out["format"] = unique_format(self.item_kind(), on)
        elif self.unique:
            out["uniqueItems"] = True
        return out

    def pick(self, rng: random.Random, depth: int) -> Json:
        lo = self.min_items or 0
        hi = self.max_items if self.max_items is not None else lo + 3
        n = lo if depth > 3 else rng.randint(lo, hi)
        out: list[Json] = []
        for _ in range(50 * (n + 1)):
            if len(out) == n:
                break
            item = self.items.draw(rng, depth + 1)
            if not (self.unique and any(same_json(item, seen) for seen in out)):
                out.append(item)
        if len(out) < n:
            raise Unsatisfiable("no distinct items enough for uniqueItems")
        return out

    def item_kind(self) -> str:
        if isinstance(self.items, StringNode) and self.items.fmt == "uuid":
            return "uuid"
        return "decimal" if isinstance(self.items, DecimalNode) else "json"

    def checks(self) -> dict[str, Callable[[object], bool]]:
        kind = self.item_kind()
        return {
            f"x-unique:{kind}:{python:d}:{text:d}": _unique_as_read(kind, python, text)
            for python in (False, True)
            for text in (False, True)
        }

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        assert isinstance(value, list)
        out: list[Mutant] = []
        if self.min_items:
            out.append(("too_few_items", value[: self.min_items - 1]))
        if self.max_items is not None:
            extra = [self.items.draw(rng) for _ in range(self.max_items + 1 - len(value))]
            out.append(("too_many_items", value + extra))
        if self.unique and value:
            out.append(("duplicate_item", [*value, rng.choice(value)]))
            twins = [t for t in map(_twin, value) if t is not None and self.items.owns(t)]
            if twins:  # 1.0 repeats 1 in JSON Schema; true does not repeat 1
                out.append(("twin_item", [*value, rng.choice(twins)]))
        if self.unique and self.items.owns([]):  # [2] and [2.0] are one item twice in JSON Schema
            out.append(("nested_twins", [*value, [2], [2.0]]))
        return out

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        if isinstance(value, list):
            yield from ((i, self.items, v) for i, v in enumerate(value))

    def parts(self) -> list[Node]:
        return [self.items]


def _twin(value: Json) -> Json:
    """A value JSON Schema tells apart from ``value`` though Python's == does not, or the reverse."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, int) and abs(value) < 2**53:
        return float(value)
    if isinstance(value, list):  # [1] and [1.0]: equal in JSON Schema
        return [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    if isinstance(value, dict):
        return {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in value.items()}
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):  # a decimal, spelled otherwise
        return value + "0" if "." in value else value + ".0"
    if isinstance(value, str) and value.swapcase() != value:  # a uuid, in the other case
        return value.swapcase()
    return None


@dataclass(eq=False)
class TupleNode(Node):
    prefix: list[Node] = field(default_factory=list)
    closed: bool = False  # "items": false after the prefix
    min_items: int | None = None

    def kinds(self) -> set[str]:
        return {"array"}

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "array", "prefixItems": [n.schema(on) for n in self.prefix]}
        if self.closed:
            out["items"] = False
        if self.min_items is not None:
            out["minItems"] = self.min_items
        if "tuple_length" in on:
            out["allOf"] = [{"minItems": len(self.prefix), "maxItems": len(self.prefix)}]
        return out

    def pick(self, rng: random.Random, depth: int) -> Json:
        return [n.draw(rng, depth + 1) for n in self.prefix]

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        assert isinstance(value, list)
        return [("tuple_shorter", value[:-1]), ("tuple_longer", [*value, any_json(rng)])]

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        if isinstance(value, list):
            yield from ((i, n, v) for i, (n, v) in enumerate(zip(self.prefix, value, strict=False)))

    def parts(self) -> list[Node]:
        return self.prefix


@dataclass(eq=False)
class Prop:
    node: Node
    required: bool
    default: list[Json] = field(default_factory=list)  # [value] when the property has a default


@dataclass(eq=False)
class RecordNode(Node):
    props: dict[str, Prop] = field(default_factory=dict)
    additional: bool | None = None  # additionalProperties: absent, true or false
    tag: tuple[str, str | int] | None = None  # the discriminator property and this variant's value
    typed: bool = True  # a `type: object` keyword (else inferred from properties)

    def kinds(self) -> set[str]:
        return {"object"}

    def owns(self, value: Json) -> bool:
        if self.tag is not None and isinstance(value, dict) and self.tag[0] in value:
            return same_json(value[self.tag[0]], self.tag[1])
        return super().owns(value)

    def render(self, on: frozenset[str]) -> Json:
        out: Schema = {"type": "object"} if self.typed or self.nullable or "untyped_object" in on else {}
        props: Schema = {}
        for name, p in self.props.items():
            s = p.node.schema(on)
            if p.default:
                s = {**s, "default": p.default[0]} if isinstance(s, dict) else {"default": p.default[0]}
            props[name] = s
        out["properties"] = props
        optional_tag = self.tag[0] if self.tag is not None and "tag_optional" in on else None
        required: list[Json] = [
            n for n, p in self.props.items() if (p.required and n != optional_tag) or _default_refused(p, on)
        ]
        if required:
            out["required"] = required
        if self.additional is not None and not (self.additional is False and "open_records" in on):
            out["additionalProperties"] = self.additional
        return out

    def pick(self, rng: random.Random, depth: int) -> Json:
        return {
            name: p.node.draw(rng, depth + 1)
            for name, p in self.props.items()
            if p.required or (depth < 4 and rng.random() < 0.6)
        }

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        assert isinstance(value, dict)
        out: list[Mutant] = []
        present = [n for n, p in self.props.items() if p.required and n in value]
        if present:
            gone = rng.choice(present)
            out.append(("missing_required", {k: v for k, v in value.items() if k != gone}))
        extra = rng.choice(["zz_extra", "Id", "名前x"])
        if extra not in self.props:
            out.append(("extra_property", {**value, extra: any_json(rng)}))
        return out

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        if isinstance(value, dict):
            yield from ((k, self.props[k].node, v) for k, v in value.items() if k in self.props)

    def parts(self) -> list[Node]:
        return [p.node for p in self.props.values()]


def _default_refused(prop: Prop, on: frozenset[str]) -> bool:
    """Whether the reader refuses a property's default, valid as it is: then it refuses a document without the
    property. What can refuse it: a rule of another value of the field that spreads to it, and uniqueItems by
    Python's equality."""
    for _, node, value in sites(prop.node, prop.default[0]) if prop.default else ():
        while isinstance(node, UnionNode) and (chosen := node.branch(value)) is not None:
            node = chosen  # the variant the value is of
        if not all(check(value) for check in _reader_checks(node, on)):
            return True
    return False


def _reader_checks(node: Node, on: frozenset[str]) -> list[Callable[[object], bool]]:
    out: list[Callable[[object], bool]] = []
    if "format_spread" in on and node.field_format:
        out.append(_strings_pass(RUNTIME_FORMATS[node.field_format]))
    if "decimal_spread" in on and isinstance(node, DecimalNode) and node.field_decimal:
        out.append(_decimal_checker(node.field_decimal))
    if "multiple_spread" in on and node.field_multiple is not None:  # a default number is built as a float
        out.append(_floats_multiple(node.field_multiple, isinstance(node, NumberNode)))
    if isinstance(node, ArrayNode) and node.unique and on & {"unique_python_equality", "unique_nested_text"}:
        out.append(_unique_as_read(node.item_kind(), "unique_python_equality" in on, "unique_nested_text" in on))
    return out


@dataclass(eq=False)
class MapNode(Node):
    values: Node = field(default_factory=AnyNode)

    def kinds(self) -> set[str]:
        return {"object"}

    def render(self, on: frozenset[str]) -> Json:
        values = self.values.schema(on)
        if "free_map" in on and values in (True, {}):
            return {}
        return {"type": "object", "additionalProperties": values}

    def pick(self, rng: random.Random, depth: int) -> Json:
        n = 0 if depth > 3 else rng.randint(0, 3)
        return {rng.choice(MAP_KEYS): self.values.draw(rng, depth + 1) for _ in range(n)}

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        if isinstance(value, dict):
            yield from ((k, self.values, v) for k, v in value.items())

    def parts(self) -> list[Node]:
        return [self.values]


@dataclass(eq=False)
class RefNode(Node):
    name: str = ""
    target: Node = field(default_factory=AnyNode)

    def kinds(self) -> set[str]:
        return self.target.kinds()

    def owns(self, value: Json) -> bool:
        return self.target.owns(value) or (value is None and self.nullable)

    def render(self, on: frozenset[str]) -> Json:
        return {"$ref": f"#/$defs/{self.name}"}

    def schema(self, on: frozenset[str]) -> Json:
        return {"anyOf": [self.render(on), {"type": "null"}]} if self.nullable else self.render(on)

    def pick(self, rng: random.Random, depth: int) -> Json:
        return self.target.pick(rng, depth)

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        return self.target.own_mutants(value, rng)

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        return self.target.children(value)


@dataclass(eq=False)
class UnionNode(Node):
    variants: list[Node] = field(default_factory=list)
    style: str = "anyOf"  # "oneOf", "anyOf", or "types" (a type list, the variants' keywords side by side)
    discriminator: str | None = None  # an explicit OpenAPI discriminator keyword

    def kinds(self) -> set[str]:
        return set().union(*(v.kinds() for v in self.variants))

    def owns(self, value: Json) -> bool:
        return any(v.owns(value) for v in self.variants) or (value is None and self.nullable)

    def unjudged(self, value: Json) -> bool:
        unasserted = [v for v in self.variants if isinstance(v, StringNode) and v.fmt not in (None, *COMPARED_FORMATS)]
        return isinstance(value, str) and bool(unasserted)

    def branch(self, value: Json) -> Node | None:
        return next((v for v in self.variants if v.owns(value)), None)

    def schema(self, on: frozenset[str]) -> Json:
        parts = [v.schema(on) for v in self.variants]
        if self.style == "types":  # each variant's keywords constrain values of its own type only
            merged: Schema = {}
            checks: list[Json] = []
            for p in parts:
                assert isinstance(p, dict)
                merged.update(p)
                part = p.get("allOf")
                checks += part if isinstance(part, list) else []
            kinds: list[Json] = [p["type"] for p in parts if isinstance(p, dict)]
            merged["type"] = [*kinds, "null"] if self.nullable else kinds
            return {**merged, "allOf": checks} if checks else merged
        if self.nullable:
            parts.append({"type": "null"})
        keyword = "anyOf" if self.style == "oneOf" and "oneof_overlap" in on else self.style
        out: Schema = {keyword: parts}
        if self.discriminator is not None:
            out["discriminator"] = {"propertyName": self.discriminator}
        tags = {
            v.target.tag[0]
            for v in self.variants
            if isinstance(v, RefNode) and isinstance(v.target, RecordNode) and v.target.tag
        }
        if "tag_optional" in on and tags:
            out["required"] = [*sorted(tags)]  # as a union member the tag decides the variant: it must be there
        ints = [p for v, p in zip(self.variants, parts, strict=False) if "integer" in v.kinds()]
        if "union_by_kind" in on and ints and any("number" in v.kinds() for v in self.variants):
            # msgspec picks the variant by the JSON kind: a JSON integer goes to the integer variant only
            return {"if": {"type": "integer", "format": "x-int-literal"}, "then": ints[0], "else": out}
        return out

    def render(self, on: frozenset[str]) -> Json:
        raise AssertionError("unions render with their nullability")

    def pick(self, rng: random.Random, depth: int) -> Json:
        return rng.choice(self.variants).pick(rng, depth)

    def draw(self, rng: random.Random, depth: int = 0) -> Json:
        """A valid value: of oneOf, one that exactly one variant accepts (an integer is a number too)."""
        for _ in range(20):
            value = super().draw(rng, depth)
            if self.style != "oneOf" or self.tagged() or self.accepting(value) == 1:
                return value
        raise Unsatisfiable("no value that exactly one variant of oneOf accepts")

    def tagged(self) -> bool:
        return all(isinstance(v, RefNode) for v in self.variants)  # records told apart by their tags

    def accepting(self, value: Json) -> int:
        parts = [v.schema(frozenset({ECMA})) for v in self.variants] + [{"type": "null"}] * self.nullable
        return sum(Validator(part).is_valid(value) for part in parts)

    def own_mutants(self, value: Json, rng: random.Random) -> list[Mutant]:
        chosen = self.branch(value)
        out = chosen.own_mutants(value, rng) if chosen is not None else []
        if self.discriminator is not None and isinstance(value, dict):
            out.append(("unknown_tag", {**value, self.discriminator: "zz"}))
        return out

    def children(self, value: Json) -> Iterator[tuple[str | int, Node, Json]]:
        chosen = self.branch(value)
        return chosen.children(value) if chosen is not None else iter(())

    def parts(self) -> list[Node]:
        return self.variants


class Unsatisfiable(Exception):
    """The model admits no valid value (uniqueItems over too few values, no multiple within the bounds): the
    document, or the contract, is drawn again."""


@dataclass(eq=False)
class Contract:
    name: str
    root: RecordNode
    defs: dict[str, Node] = field(default_factory=dict)

    def schema(self, on: frozenset[str] = frozenset()) -> Schema:
        body = self.root.render(on)
        assert isinstance(body, dict)
        port: Json = {"name": "changes", "stream": {"subject": f"fuzz.{self.name}.v1"}}
        out: Schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.name.upper(),
            "x-contract": {"name": self.name, "version": "1.0.0", "ports": [port]},
            **body,
        }
        if self.defs:
            out["$defs"] = {name: node.schema(on) for name, node in self.defs.items()}
        return out

    def nodes(self) -> Iterator[Node]:
        seen: set[int] = set()
        todo: list[Node] = [self.root, *self.defs.values()]
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            todo += node.parts()


def field_nodes(node: Node) -> Iterator[Node]:
    """The nodes of one field: below arrays, tuples, maps and unions, not into records."""
    yield node
    for part in node.parts() if not isinstance(node, RecordNode) else ():
        yield from field_nodes(part)


def mark_fields(contract: Contract) -> None:
    """Give every value of a field the runtime rules of the field that reach it (format_spread, decimal_spread)."""
    for record in contract.nodes():
        for prop in record.props.values() if isinstance(record, RecordNode) else ():
            _mark_field(prop.node)


def _mark_field(node: Node) -> None:
    nodes = list(field_nodes(node))
    formats = {n.fmt for n in nodes if isinstance(n, StringNode) and n.fmt in RUNTIME_FORMATS}
    if len(formats) == 1:  # two are refused (E043)
        (fmt,) = formats
        for n in nodes:
            if isinstance(n, AnyNode | ConstNode) or (isinstance(n, StringNode) and n.fmt is None):
                n.field_format = fmt
    decimals = [n for n in nodes if isinstance(n, DecimalNode)]
    rules = {n.rule() for n in decimals} - {(None, None, None)}
    if len(rules) == 1:  # two are refused (E043)
        for n in decimals:
            n.field_decimal = next(iter(rules))
    numbers = [n for n in nodes if isinstance(n, NumberNode)]
    fractions = {float(n.multiple_of) for n in numbers if n.multiple_of and not float(n.multiple_of).is_integer()}
    if len(fractions) == 1:  # two are refused (E043)
        for n in nodes:
            if isinstance(n, NumberNode | AnyNode):
                n.field_multiple = next(iter(fractions))


# -- walking documents through the model ------------------------------------------------------------------


def sites(node: Node, value: Json, path: Path_ = ()) -> Iterator[tuple[Path_, Node, Json]]:
    """Every place of a document with the node that describes it, as far as the document still fits."""
    if not node.owns(value):
        return
    yield path, node, value
    for key, child, v in node.children(value):
        yield from sites(child, v, (*path, key))


def node_at(node: Node, value: Json, path: Path_) -> Node | None:
    """The node describing the value at ``path``, whether or not that value still fits it."""
    for key in path:
        found = next(((n, v) for k, n, v in node.children(value) if k == key), None)
        if found is None:
            return None
        node, value = found
    return node


def mutate(contract: Contract, doc: Json, rng: random.Random, count: int) -> tuple[Json, list[str]]:
    labels: list[str] = []
    for _ in range(count):
        if rng.random() < 0.05:
            labels.append("$: root_wrong_type")
            doc = rng.choice([[doc], None, "x", 1])
            continue
        places = list(sites(contract.root, doc))
        for _ in range(10 if places else 0):
            path, node, value = rng.choice(places)
            try:
                options = node.mutants(value, rng)
            except Unsatisfiable:  # a mutation drawing new items found none
                options = []
            if not node.nullable and path:
                options.append(("null", None))
            if options:
                label, new = rng.choice(options)
                doc = replaced(doc, path, new)
                labels.append(f"{show_path(path)}: {label}")
                break
    return doc, labels


def show_path(path: Path_) -> str:
    return "$" + "".join(f".{k}" if isinstance(k, str) and k.isidentifier() else f"[{json.dumps(k)}]" for k in path)


# -- drawing contracts ----------------------------------------------------------------------------------


class Drawer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.defs: dict[str, Node] = {}

    def contract(self, index: int) -> Contract:
        self.defs = {}
        root = self.record(0, props=self.rng.randint(1, 6))
        root.typed = True  # a contract's root is an object (jsonschema.md)
        root.additional = self.rng.choice([None, False, False, True])
        contract = Contract(f"c{index}", root, self.defs)
        mark_fields(contract)
        return contract

    def nullable(self, node: Node) -> Node:
        if self.rng.random() < 0.2:
            node.nullable = True
            node.null_style = self.rng.choice(["type", "type", "anyOf"])
        return node

    def node(self, depth: int, top: bool = True) -> Node:
        """A node of any kind; ``top``: the field itself, not inside an array, tuple or map."""
        kinds: list[tuple[Callable[[], Node], int]] = [
            (self.string, 6),
            (self.integer, 4),
            (self.number, 3),
            (lambda: BoolNode(), 1),
            (self.enum, 2),
            (self.const, 1),
            (self.decimal, 1),
            (self.scalar_union, 2),
            (lambda: AnyNode(style=self.rng.choice(["empty", "true", "object"])), 1),
        ]
        if depth < 2:
            kinds += [
                (lambda: self.array(depth, top), 3),
                (lambda: self.tuple(depth), 1),
                (lambda: self.record(depth + 1), 2),
                (lambda: self.map(depth), 1),
                (lambda: self.ref(depth), 2),
                (lambda: self.tagged_union(depth), 1),
            ]
        makers, weights = zip(*kinds, strict=True)
        return self.nullable(self.rng.choices(makers, weights)[0]())

    def string(self) -> StringNode:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return StringNode(fmt=rng.choice(sorted(FORMAT_VALUES)))
        node = StringNode()
        if roll < 0.37:
            node.base64 = True
            node.min_length = rng.choice([None, 1, 3])
            node.max_length = rng.choice([None, 4, 8, 12])
            return node
        if roll < 0.6:
            node.pattern = rng.choice(PATTERNS)
            lo, hi = node.pattern.lengths
            node.min_length = rng.choice([None, lo])
            node.max_length = rng.choice([None, hi, hi + 2])
            return node
        node.min_length = rng.choice([None, 0, 1, 2, 5])
        node.max_length = rng.choice([None, (node.min_length or 0) + rng.randint(0, 6)])
        return node

    def integer(self) -> IntegerNode:
        rng = self.rng
        node = IntegerNode(fmt=rng.choice([None, None, "int32", "int64"]))
        lo = rng.choice([-100, 0, 1, 7, -(2**31)])
        hi = lo + rng.choice([0, 1, 10, 1000])
        shape = rng.randrange(7)
        if shape == 1:
            node.minimum = lo
        elif shape == 2:
            node.maximum = hi
        elif shape == 3:
            node.minimum, node.maximum = lo, hi
        elif shape == 4:
            node.exclusive_minimum, node.exclusive_maximum = lo - 1, hi + 1
        elif shape == 5:  # fractional bounds: the nearest integers inside them
            node.minimum, node.exclusive_maximum = lo - 0.5, hi + 0.5
        elif shape == 6:
            node.minimum, node.maximum = 0, rng.choice([2**64 - 1, 2**63 - 1, 2**32 - 1])
        if rng.random() < 0.2 and shape in (0, 1, 2, 6):
            node.multiple_of = rng.choice([2, 3, 10])
        return node

    def number(self) -> NumberNode:
        rng = self.rng
        node = NumberNode(fmt=rng.choice([None, None, "float", "double"]))
        lo = rng.choice([-1.5, 0, 0.25, 100])
        hi = lo + rng.choice([0.5, 10, 1000.75])
        shape = rng.randrange(5)
        if shape == 1:
            node.minimum, node.maximum = lo, hi
        elif shape == 2:
            node.exclusive_minimum, node.maximum = lo, hi
        elif shape == 3:
            node.minimum, node.exclusive_maximum = lo, hi
        elif shape == 4:
            node.exclusive_minimum, node.exclusive_maximum = lo, hi
        if rng.random() < 0.2:
            node.multiple_of = rng.choice([0.5, 0.25, 2, 3, 1.5, 0.1, 0.01])
            node.minimum = node.minimum if node.minimum is not None else lo
            node.maximum = hi + 10
            node.exclusive_minimum = node.exclusive_maximum = None
        return node

    def enum(self) -> EnumNode:
        rng = self.rng
        kind = rng.choice(["str"] * 10 + ["int"] * 9 + ["mixed"])  # mixed is refused (E014): seen, rarely
        values: list[str | int] = (
            rng.sample(["a", "b", "in-progress", "DONE", "é", "", "class", "None"], rng.randint(2, 4))
            if kind == "str"
            else rng.sample([0, 1, 2, 42, -7, 2**40], rng.randint(2, 4))
            if kind == "int"
            else ["a", 1]
        )
        return EnumNode(values=values, typed=rng.random() < 0.4)

    def const(self) -> ConstNode:
        values: list[str | int | bool] = ["fixed", "", 3, 0, True, False]
        return ConstNode(value=self.rng.choice(values))

    def decimal(self) -> DecimalNode:
        rng = self.rng
        node = DecimalNode(json_type=rng.choice(["string", "string", "number"]))
        node.spelled = rng.choice(["x-decimal", "x-decimal", "format", "both"])
        node.precision = rng.choice([5, 10, 18])
        node.scale = rng.choice([None, 0, 2, 4])
        if node.json_type == "number" and rng.random() < 0.3:
            node.minimum = 0
        return node

    def scalar_union(self) -> UnionNode:
        rng = self.rng
        pool: list[Callable[[], Node]] = [self.string, self.integer, BoolNode, self.number]
        picked = rng.sample(pool, rng.randint(2, 3))
        variants = [make() for make in picked]
        style = rng.choice(["oneOf", "anyOf", "types"])
        if style == "types" and {"integer", "number"} <= set().union(*(v.kinds() for v in variants)):
            style = "anyOf"  # their bounds would share the keywords of one schema
        if style != "types":  # null in two variants: oneOf refuses it
            variants = [self.nullable(v) for v in variants]
        return UnionNode(variants=variants, style=style)

    def array(self, depth: int, top: bool) -> ArrayNode:
        rng = self.rng
        unique = top and rng.random() < 0.3  # uniqueItems of a nested array is refused (E043)
        if unique:  # items with values enough to be distinct, and some that Python's == confuses
            items: Node = rng.choice(
                [
                    StringNode(),
                    StringNode(fmt="uuid"),
                    IntegerNode(),
                    NumberNode(),
                    DecimalNode(spelled="format"),
                    AnyNode(),
                    UnionNode(variants=[IntegerNode(), BoolNode()]),
                ]
            )
        else:
            items = self.node(depth + 1, top=False)
        lo = rng.choice([None, 0, 1, 2])
        hi = rng.choice([None, (lo or 0) + rng.randint(0, 3)])
        return ArrayNode(items=items, min_items=lo, max_items=hi, unique=unique)

    def tuple(self, depth: int) -> TupleNode:
        rng = self.rng
        prefix = [self.node(depth + 1, top=False) for _ in range(rng.randint(1, 3))]
        closed = rng.random() < 0.5
        return TupleNode(prefix=prefix, closed=closed, min_items=len(prefix) if closed and rng.random() < 0.5 else None)

    def record(self, depth: int, props: int | None = None) -> RecordNode:
        rng = self.rng
        names = rng.sample(NAMES, props if props is not None else rng.randint(1, 4))
        node = RecordNode(additional=rng.choice([None, None, False, True]), typed=rng.random() < 0.8)
        for name in names:
            child = self.node(depth)
            prop = Prop(child, required=rng.random() < 0.5)
            if rng.random() < (0.05 if prop.required else 0.2):  # required with a default: required wins
                with contextlib.suppress(Unsatisfiable):
                    prop.default = [child.draw(rng)]
            node.props[name] = prop
        return node

    def map(self, depth: int) -> MapNode:
        return MapNode(values=self.node(depth + 1, top=False))

    def ref(self, depth: int) -> RefNode:
        rng = self.rng
        records = [(n, d) for n, d in self.defs.items() if isinstance(d, RecordNode)]  # union variants too
        if records and rng.random() < 0.4:
            name, target = rng.choice(records)
            return RefNode(name=name, target=target)
        target = RecordNode(additional=rng.choice([None, False]))
        target.props = self.record(depth + 1).props  # before it is a definition: no required cycle
        name = f"D{len(self.defs)}"
        self.defs[name] = target
        if rng.random() < 0.3:  # a tree: the definition holds its own kind
            target.props["children"] = Prop(ArrayNode(items=RefNode(name=name, target=target), max_items=2), False)
        return RefNode(name=name, target=target)

    def tagged_union(self, depth: int) -> UnionNode:
        rng = self.rng
        tag = rng.choice(["kind", "type", "kind-of"])
        values: list[str | int] = rng.choice([["a", "b", "c"], [1, 2, 3]])
        variants: list[Node] = []
        for value in values[: rng.randint(2, 3)]:
            record = self.record(depth + 1, props=rng.randint(0, 2))
            record.typed = True  # untyped, null would be a record too: oneOf would see two variants take it
            record.props.pop(tag, None)
            record.props = {tag: Prop(ConstNode(value=value), True), **record.props}
            record.tag = (tag, value)
            name = f"D{len(self.defs)}"
            self.defs[name] = record
            variants.append(RefNode(name=name, target=record))
        explicit = tag if rng.random() < 0.5 else None
        return UnionNode(variants=variants, style=rng.choice(["oneOf", "anyOf"]), discriminator=explicit)


# -- compiling ------------------------------------------------------------------------------------------


class Codec(Protocol):
    def decode(self, data: bytes) -> object: ...


@dataclass
class Compiled:
    codecs: dict[str, Codec]  # contract name -> its stream port's codec
    refused: dict[str, list[Diagnostic]]  # contract name -> the errors the compiler gave
    broken: dict[str, Exception]  # contract name -> why its generated module does not import: a finding


_packages = itertools.count()


def compile_schemas(schemas: dict[str, Schema], folder: Path) -> Compiled:
    """Compile every schema in one run, write and import the records and ports modules; a schema the
    compiler refuses is left out (with its errors)."""
    source = folder / "contracts"
    source.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas.items():
        (source / f"{name}.schema.json").write_text(json.dumps(schema, indent=1), encoding="utf-8")
    config = Config(inputs=(source,), output=folder / "out", proto_paths=(), emit=("python",))
    compiled = compile_inputs(config)
    refused: dict[str, list[Diagnostic]] = {}
    for d in compiled.diagnostics.errors():
        refused.setdefault(Path(d.location.path).name.removesuffix(".schema.json"), []).append(d)
    package = f"json_fuzz_{next(_packages)}"
    models, ports = PythonModelsEmitter(), PythonPortsEmitter()
    kept: list[ir.Contract] = []
    for c in compiled.contracts:
        if c.name in refused:
            continue
        try:  # one contract at a time, to tell which one an emitter refuses
            models.generate([c], PythonOptions(package=package))
        except ContractError as exc:
            refused[c.name] = list(exc.diagnostics)
            continue
        kept.append(c)
    files = models.generate(kept, PythonOptions(package=package)) if kept else []
    files += ports.generate(kept, PortsOptions(package=package, wire="json")) if kept else []
    out = folder / "out"
    for f in format_python(files):
        target = out / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
    codecs: dict[str, Codec] = {}
    broken: dict[str, Exception] = {}
    sys.path.insert(0, str(out / "python"))
    try:
        for c in kept:
            try:
                module = importlib.import_module(f"{package}.{c.name}_ports")
            except Exception as exc:  # generated code that does not import is itself a finding
                broken[c.name] = exc
                continue
            codecs[c.name] = next(getattr(module, n) for n in dir(module) if n.endswith("_CODEC"))
    finally:
        sys.path.remove(str(out / "python"))
    return Compiled(codecs, refused, broken)


# -- judging --------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool
    message: str  # the oracle's most relevant error, the reader's violation, or the crash
    path: str = "$"
    crashed: bool = False
    at: Path_ = ()  # the oracle's error's place as keys and indexes


def reader_verdict(codec: Codec, data: bytes) -> Verdict:
    try:
        codec.decode(data)
    except ContractViolation as exc:
        return Verdict(False, f"{exc.rule}: {exc.detail}", exc.path)
    except Exception as exc:  # any other exception is itself a finding: the reader must dead-letter cleanly
        return Verdict(False, f"{type(exc).__name__}: {exc}", crashed=True)
    return Verdict(True, "accepted")


def oracle_verdict(errors: list[Any]) -> Verdict:
    if not errors:
        return Verdict(True, "valid")
    best = best_match(errors)  # into anyOf / oneOf: the error of the variant that came closest
    return Verdict(False, f"{best.validator}: {best.message}"[:300], best.json_path, at=tuple(best.absolute_path))


@dataclass
class Disagreement:
    contract: str
    instance: Json
    mutations: list[str]
    oracle: Verdict
    reader: Verdict
    path: Path_  # the place the verdicts are about, as far as found
    fragment: Json  # the schema of that place
    value: Json  # the document's value there
    finding: str | None  # a known finding that explains it; None: new

    def show(self) -> str:
        what = f"known finding {self.finding}" if self.finding else "NEW"
        oracle = "valid" if self.oracle.ok else f"invalid at {self.oracle.path}: {self.oracle.message}"
        reader = "crashed" if self.reader.crashed else "accepted" if self.reader.ok else "rejected"
        return (
            f"== {self.contract} {show_path(self.path)} ({what}) after {', '.join(self.mutations) or 'no mutation'}\n"
            f"schema:   {_short(self.fragment)}\n"
            f"value:    {_short(self.value)}\n"
            f"document: {_short(self.instance)}\n"
            f"oracle:   {oracle}\n"
            f"reader:   {reader}" + ("" if self.reader.ok else f" at {self.reader.path}: {self.reader.message}")
        )


def _short(value: Json) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + " ..."


@dataclass
class BatchResult:
    pairs: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # error code -> contracts refused with it
    refusal_examples: dict[str, str] = field(default_factory=dict)
    verdicts: Counter[tuple[bool, bool]] = field(default_factory=Counter)  # (oracle ok, reader ok)
    excused: Counter[str] = field(default_factory=Counter)
    disagreements: list[Disagreement] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.pairs += other.pairs
        self.refused.update(other.refused)
        self.refusal_examples = {**other.refusal_examples, **self.refusal_examples}
        self.verdicts.update(other.verdicts)
        self.excused.update(other.excused)
        self.disagreements += other.disagreements


def agrees(oracle: Oracle, instance: Json, differences: frozenset[str], reader_ok: bool) -> bool:
    return (not oracle.errors(instance, differences)) == reader_ok


def excused(oracle: Oracle, instance: Json, reader_ok: bool) -> str | None:
    """The deliberate differences that explain a disagreement (those that do alone, else all), or None."""
    if not agrees(oracle, instance, EXCUSED, reader_ok):
        return None
    alone = [d for d in sorted(EXCUSED) if agrees(oracle, instance, frozenset({d}), reader_ok)]
    return "+".join(alone or sorted(EXCUSED))


def known_finding(oracle: Oracle, instance: Json, reader_ok: bool) -> str | None:
    """The known finding that explains a disagreement the deliberate differences do not ("several" when it
    takes more than one), or None: the disagreement is new."""
    for finding in sorted(FINDINGS):
        if agrees(oracle, instance, EXCUSED | {finding}, reader_ok):
            return finding
    return "several" if FINDINGS and agrees(oracle, instance, EXCUSED | FINDINGS, reader_ok) else None


def fragment(node: Node) -> Json:
    """A node's schema as written, a record's properties only named: what a disagreement is about."""
    schema = node.schema(frozenset())
    props = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(schema, dict) and isinstance(props, dict):
        return {**schema, "properties": dict.fromkeys(props, "...")}
    return schema


def _reader_path(path: str) -> Path_:
    """`$.a.b[0]['k']` as keys and indexes, up to a map key msgspec does not name (`[...]`)."""
    out: list[str | int] = []
    for match in re.finditer(r"\.([^.\[]+)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"[^\"]*\")\]|(\[\.\.\.\])", path[1:]):
        name, index, key, hidden = match.groups()
        if hidden:
            break
        out.append(name if name is not None else int(index) if index is not None else key[1:-1])
    return tuple(out)


def judge(
    contract: Contract,
    oracle: Oracle,
    codec: Codec,
    instance: Json,
    labels: list[str],
    rng: random.Random,
    result: BatchResult,
) -> None:
    data = json.dumps(instance, ensure_ascii=rng.random() < 0.5).encode()  # \uXXXX escapes or UTF-8
    seen = json.loads(data)
    result.pairs += 1
    said = oracle_verdict(oracle.errors(seen))
    read = reader_verdict(codec, data)
    result.verdicts[(said.ok, read.ok)] += 1
    if said.ok == read.ok and not read.crashed:
        return
    if read.crashed:
        result.disagreements.append(crashed(contract, seen, labels, said, read))
        return
    reasons = excused(oracle, seen, read.ok)
    if reasons is not None:
        result.excused[reasons] += 1
        return
    finding = known_finding(oracle, seen, read.ok)
    path = said.at if not said.ok else _reader_path(read.path)
    node = node_at(contract.root, seen, path) or contract.root
    value = _value_at(seen, path)
    result.disagreements.append(
        Disagreement(contract.name, seen, labels, said, read, path, fragment(node), value, finding)
    )


def _value_at(doc: Json, path: Path_) -> Json:
    for key in path:
        if isinstance(doc, dict) and isinstance(key, str):
            doc = doc.get(key)
        elif isinstance(doc, list) and isinstance(key, int) and key < len(doc):
            doc = doc[key]
    return doc


@dataclass(frozen=True)
class Crash:
    """A known way generated code raises something other than ContractViolation, known by its cause in the
    contract: a property's default holding a value of a kind of node, and the exception's type."""

    name: str
    reason: str
    default_of: tuple[type[Node], ...]
    error: str


CRASHES: tuple[Crash, ...] = ()  # none open: tuple_default and record_default are fixed, their repros stay


def crash_cause(contract: Contract, error: str) -> tuple[str, Prop | None, str | None]:
    """The property whose default causes a crash, and the known finding, if the contract has a known cause."""
    for record in contract.nodes():
        for name, prop in record.props.items() if isinstance(record, RecordNode) else ():
            inside = [n for d in prop.default for _, n, _ in sites(prop.node, d)]  # the nodes of the default
            for crash in CRASHES:
                if any(isinstance(n, crash.default_of) for n in inside) and error.startswith(crash.error + ":"):
                    return name, prop, crash.name
    return "", None, None


def crashed(contract: Contract, instance: Json, labels: list[str], said: Verdict, read: Verdict) -> Disagreement:
    """A crash as a disagreement about the property whose default causes it (as far as known)."""
    name, prop, finding = crash_cause(contract, read.message)
    if prop is None:
        return Disagreement(contract.name, instance, labels, said, read, (), fragment(contract.root), None, None)
    where: Path_ = (name,)
    return Disagreement(
        contract.name, instance, labels, said, read, where, fragment(prop.node), prop.default[0], finding
    )


def unimportable(contract: Contract, exc: Exception) -> Disagreement:
    """A contract the compiler accepted whose records module does not import, as a disagreement."""
    said = Verdict(True, "compiled without an error")
    return crashed(contract, None, ["import"], said, Verdict(False, f"{type(exc).__name__}: {exc}", crashed=True))


DOCS_PER_CONTRACT = 25


def draw_contracts(rng: random.Random, count: int) -> list[Contract]:
    drawer = Drawer(rng)
    out: list[Contract] = []
    while len(out) < count:
        contract = drawer.contract(len(out))
        try:
            contract.root.pick(rng, 0)
        except Unsatisfiable:
            continue
        out.append(contract)
    return out


def documents(contract: Contract, rng: random.Random, count: int) -> Iterator[tuple[Json, list[str]]]:
    for _ in range(count):
        try:
            valid = contract.root.pick(rng, 0)
        except Unsatisfiable:
            continue
        yield mutate(contract, valid, rng, rng.choices([0, 1, 2, 3], [2, 4, 2, 1])[0])


def run_batch(seed: int, schemas: int, keep: Path | None = None, docs: int = DOCS_PER_CONTRACT) -> BatchResult:
    """One batch: ``schemas`` contracts compiled together, ``docs`` documents each. ``keep``: leave the
    contracts and the generated code in ``keep/<seed>``."""
    rng = random.Random(seed)
    contracts = draw_contracts(rng, schemas)
    result = BatchResult()
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep / str(seed) if keep is not None else Path(tmp)
        if folder.exists():
            shutil.rmtree(folder)
        compiled = compile_schemas({c.name: c.schema() for c in contracts}, folder)
    for errors in compiled.refused.values():
        code = errors[0].code
        result.refused[code] += 1
        result.refusal_examples.setdefault(code, errors[0].message)
    for contract in contracts:
        if contract.name in compiled.broken:
            result.disagreements.append(unimportable(contract, compiled.broken[contract.name]))
        codec = compiled.codecs.get(contract.name)
        if codec is None:
            continue
        oracle = Oracle(contract)
        for instance, labels in documents(contract, rng, docs):
            judge(contract, oracle, codec, instance, labels, rng, result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--schemas", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--docs", type=int, default=DOCS_PER_CONTRACT, help="documents per contract")
    parser.add_argument("--keep", type=Path, help="leave each batch's contracts and generated code here")
    parser.add_argument(
        "--known", type=int, default=-1, help="disagreements printed per known finding (-1: all); new ones all are"
    )
    args = parser.parse_args(argv)
    total = BatchResult()
    for seed in range(args.seed, args.seed + args.batches):
        result = run_batch(seed, args.schemas, args.keep, args.docs)
        total.add(result)
        new = sum(d.finding is None for d in result.disagreements)
        print(f"batch {seed}: {result.pairs} pairs, {len(result.disagreements)} disagreements ({new} new)", flush=True)
    shown: Counter[str | None] = Counter()
    for d in total.disagreements:
        if d.finding is None or args.known < 0 or shown[d.finding] < args.known:
            print(d.show())
        shown[d.finding] += 1
    print(f"\n{total.pairs} pairs; (oracle, reader) verdicts {dict(total.verdicts)}")
    print(f"refused contracts: {sum(total.refused.values())}")
    for code, count in total.refused.most_common():
        print(f"  {count:5d} {code} e.g. {total.refusal_examples[code][:150]}")
    print("excused:")
    for reason, count in total.excused.most_common():
        print(f"  {count:5d} {reason}")
    print("disagreements:")
    for finding, count in shown.most_common():
        print(f"  {count:5d} {finding or 'NEW'}")
    return 1 if shown[None] else 0


if __name__ == "__main__":
    sys.exit(main())
