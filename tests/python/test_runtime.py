"""contract_runtime on its own: checks, error paths and rules, JSON helpers."""

from __future__ import annotations

import decimal
import re
import typing

import contract_runtime as cr
import msgspec
import pytest

from codegen.constraints import RUNTIME_FORMATS, python_pattern


def test_emitter_and_runtime_agree_on_formats() -> None:
    assert set(cr.FORMATS) == RUNTIME_FORMATS


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("email", ["a@b.co", "first.last+tag@sub.example.org"], ["a", "a@b", "a b@c.de", "@b.co", "a@b.co\n"]),
        ("hostname", ["example.com", "a-1.b", "localhost"], ["-a.com", "a..b", "a_b.com", "x" * 64 + ".com", ""]),
        ("ipv4", ["127.0.0.1", "255.255.255.255"], ["256.1.1.1", "1.2.3", "01.2.3.4"]),
        ("ipv6", ["::1", "2001:db8::8a2e:370:7334"], ["1.2.3.4", "::1%eth0", "gggg::"]),
        ("uri", ["https://example.com/a?b#c", "urn:isbn:0451450523"], ["/relative", "no scheme", "http://a b"]),
        ("uri-reference", ["/relative/path", "https://x.y"], ["has space"]),
    ],
)
def test_formats(fmt: str, good: list[str], bad: list[str]) -> None:
    for value in good:
        cr.format_rule("f", fmt)(value)
    for value in bad:
        with pytest.raises(cr.ContractViolation) as info:
            cr.format_rule("f", fmt)(value)
        assert (info.value.path, info.value.rule) == ("$.f", f"format:{fmt}")


def test_checks_walk_containers_and_skip_absent_values() -> None:
    cr.format_rule("f", "email")(None)
    cr.format_rule("f", "email")(msgspec.UNSET)
    with pytest.raises(cr.ContractViolation) as info:
        cr.format_rule("f", "email")({"k": ["a@b.co", "bad"]})
    assert info.value.path == "$.f['k'][1]"


def test_unique_handles_unhashable_items() -> None:
    cr.check_unique([[1], [2], {"a": 1}], "f")
    cr.check_unique(None, "f")
    with pytest.raises(cr.ContractViolation, match="item 2 repeats") as info:
        cr.check_unique([{"a": 1, "b": 2}, {"x": 0}, {"b": 2, "a": 1}], "f")
    assert info.value.rule == "unique_items"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("123.456", "scale"),
        ("1234.5", "precision"),
        ("-0.01", "minimum"),
        ("100.00", "exclusive_maximum"),
        ("NaN", "finite"),
        ("0.05", "multiple_of"),
    ],
)
def test_decimal_rules(value: str, rule: str) -> None:
    kwargs: dict[str, typing.Any] = {
        "precision": 5,
        "scale": 2,
        "ge": decimal.Decimal(0),
        "lt": decimal.Decimal(100),
        "multiple_of": decimal.Decimal("0.1"),
    }
    cr.decimal_rule("f", **kwargs)(decimal.Decimal("99.9"))
    with pytest.raises(cr.ContractViolation) as info:
        cr.decimal_rule("f", **kwargs)(decimal.Decimal(value))
    assert info.value.rule == rule


def test_decimal_digits() -> None:
    cr.decimal_rule("f", precision=7, scale=2)(decimal.Decimal("12345.67"))
    cr.decimal_rule("f", precision=3)(decimal.Decimal("1E+2"))
    with pytest.raises(cr.ContractViolation, match="significant"):
        cr.decimal_rule("f", precision=3)(decimal.Decimal("1E+3"))


def test_oneof() -> None:
    cr.check_oneof("g", ("a", "b"), (msgspec.UNSET, 1))
    cr.check_oneof("g", ("a", "b"), (None, msgspec.UNSET))
    with pytest.raises(cr.ContractViolation, match="at most one of oneof 'g' may be set, got a, b") as info:
        cr.check_oneof("g", ("a", "b"), (0, ""))
    assert info.value.rule == "oneof"


def test_int_range() -> None:
    cr.check_int_range([2**64 - 1], "f", le=2**64 - 1)
    with pytest.raises(cr.ContractViolation) as info:
        cr.check_int_range([1, 2**64], "f", le=2**64 - 1)
    assert (info.value.path, info.value.rule) == ("$.f[1]", "maximum")


def test_a_float_is_a_multiple_of_a_fraction_by_its_decimal_value() -> None:
    """msgspec's Meta(multiple_of=0.01) divides binary floats and refuses 0.07; JSON Schema means 7 cents."""
    rule = cr.float_multiple_rule("price", multiple_of=decimal.Decimal("0.01"))
    for good in (0.07, 0.3, 129.9, 1e300, 0.0, -0.05, [0.07, 2.5], {"k": 0.01}, None, msgspec.UNSET, float("nan")):
        rule(good)
    for bad, path in (
        (0.075, "$.price"),
        (0.1 + 0.2, "$.price"),
        ([0.07, 5e-324], "$.price[1]"),
        ({"k": 1.001}, "$.price['k']"),
    ):
        with pytest.raises(cr.ContractViolation) as info:
            rule(bad)
        assert (info.value.path, info.value.rule) == (path, "multiple_of")
    with pytest.raises(msgspec.ValidationError):  # why the rule exists
        msgspec.convert(0.07, typing.Annotated[float, msgspec.Meta(multiple_of=0.01)])


class Item(msgspec.Struct, frozen=True):
    n: typing.Annotated[int, msgspec.Meta(ge=0)]
    tags: list[str] = []

    def __post_init__(self) -> None:
        cr.check_unique(self.tags, "tags")


class Box(msgspec.Struct, frozen=True):
    items: list[Item]


def test_validate_and_decode_give_full_paths() -> None:
    box = Box([Item(1), Item(-1)])
    with pytest.raises(cr.ContractViolation) as info:
        cr.validate(box)
    assert (info.value.path, info.value.rule, info.value.detail) == ("$.items[1].n", "minimum", "Expected `int` >= 0")
    with pytest.raises(cr.ContractViolation) as info:
        cr.decode_json(b'{"items": [{"n": 1}, {"n": 2, "tags": ["a", "a"]}]}', Box)
    assert (info.value.path, info.value.rule) == ("$.items[1].tags", "unique_items")
    assert str(info.value) == "array items must be unique; item 1 repeats an earlier one - at `$.items[1].tags`"
    with pytest.raises(cr.ContractViolation) as info:
        cr.decode_json(b'{"items": [{}]}', Box)
    assert (info.value.path, info.value.rule) == ("$.items[0]", "required")
    assert cr.encode_json(Box([Item(1)])) == b'{"items":[{"n":1,"tags":[]}]}'


def test_contract_violation_is_a_value_error() -> None:
    # msgspec turns a ValueError raised in __post_init__ into a ValidationError with the path.
    assert issubclass(cr.ContractViolation, ValueError)


@pytest.mark.parametrize(
    "pattern",
    ["^[A-Z]{3}$", "a$", "a\\$", "a\\\\$", "$", "", "(x|y$)", "^$", r"^\d+$|^\w$", r"[\d\w.]\D\W", r"[]$]", r"[^]\d]$"],
)
def test_patterns_are_spelled_for_python_re(pattern: str) -> None:
    """Nested patterns go into msgspec's Meta as the compiler spells them (the runtime's spelling): they
    compile, and `$` means the very end."""
    re.compile(python_pattern(pattern))
    assert python_pattern("^[A-Z]{3}$") == r"^[A-Z]{3}\Z"
    assert re.search(python_pattern("^[A-Z]{3}$"), "ABC") and not re.search(python_pattern("^[A-Z]{3}$"), "ABC\n")


@pytest.mark.parametrize(
    ("pattern", "value", "ok"),
    [
        (r"^\d{4}$", "\u0663\u0664\u0665\u0666", False),  # Arabic-Indic digits: no \d in ECMA-262
        (r"^\d{4}$", "2024", True),
        (r"^\w+$", "h\u00e9llo", False),
        (r"^[\w-]+$", "a-b_c9", True),
        (r"^EUR$|^USD$", "EUR\n", False),  # every $, not only a final one, is the very end
        (r"^EUR$|^USD$", "USD", True),
        (r"^\D+$", "\u0663", True),  # not an ASCII digit
        (r"^[$]+$", "$$", True),  # a $ in a class is a dollar sign
    ],
)
def test_patterns_read_as_ecma_262(pattern: str, value: str, ok: bool) -> None:
    rule = cr.pattern_rule("f", pattern)
    if ok:
        rule(value)
    else:
        with pytest.raises(cr.ContractViolation):
            rule(value)
    assert (re.search(python_pattern(pattern), value) is not None) == ok  # defaults and enum values alike


def test_pattern_rule_follows_json_schema_regexes() -> None:
    rule = cr.pattern_rule("c", "^[A-Z]{3}$")
    rule("EUR")
    rule(None)
    rule(["USD", "GBP"])
    for bad in ("EURO", "eur", "EUR\n"):  # ECMA-262: a final `$` does not match before a newline
        with pytest.raises(cr.ContractViolation) as info:
            rule(bad)
        assert (info.value.path, info.value.rule) == ("$.c", "pattern")
    cr.pattern_rule("c", "b")("abc")  # searched, not anchored
    cr.pattern_rule("c", r"\$")("costs $")  # an escaped final `$` stays a literal dollar


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("10.50", True),
        ("10.5", True),
        ("10.500", True),
        ("10", True),
        ("0", True),
        ("0.00", True),
        ("-99999999.99", True),
        ("100000000.00", False),
        ("10.505", False),
        ("1E+8", False),
        ("9.99E+7", True),
        ("NaN", False),
        ("Infinity", False),
        ("-0.001", False),
    ],
)
def test_decimal_rule_fast_path_agrees_with_the_full_check(value: str, ok: bool) -> None:
    # precision 10, scale 2: at most 8 digits before the point and 2 after, counted by value.
    rule = cr.decimal_rule("d", precision=10, scale=2)
    bounded = cr.decimal_rule("d", precision=10, scale=2, ge=decimal.Decimal("-1E+9"))
    for check in (rule, bounded):
        if ok:
            check(decimal.Decimal(value))
        else:
            with pytest.raises(cr.ContractViolation):
                check(decimal.Decimal(value))


def test_rules_ignore_the_callers_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        cr.decimal_rule("d", precision=38, scale=9)(decimal.Decimal("12345678901234567890.123456789"))


@pytest.mark.parametrize(
    ("value", "kwargs", "rule"),
    [
        # 10**30 divided by 7 needs 30 digits, more than the default context's 28: was InvalidOperation
        ("1E+30", {"multiple_of": decimal.Decimal(7)}, "multiple_of"),
        ("7E+35", {"multiple_of": decimal.Decimal("0.01")}, None),
        # a value of a billion digits: was InvalidOperation from quantize, an error no reader expects
        ("1e999999999", {"scale": 2}, "precision"),
        ("1e999999999", {"precision": 38, "scale": 2}, "precision"),
        ("1e999999999", {"multiple_of": decimal.Decimal("0.5")}, "precision"),
    ],
)
def test_huge_decimals_are_judged_not_crashed_on(value: str, kwargs: dict[str, typing.Any], rule: str | None) -> None:
    check = cr.decimal_rule("f", **kwargs)
    if rule is None:
        check(decimal.Decimal(value))
        return
    with pytest.raises(cr.ContractViolation) as info:
        check(decimal.Decimal(value))
    assert (info.value.rule, info.value.path) == (rule, "$.f")


def test_a_value_no_wire_can_carry_is_a_type_violation_at_its_path() -> None:
    class Inner(msgspec.Struct):
        tags: list[str]

    class Outer(msgspec.Struct):
        maybe: str | msgspec.UnsetType = msgspec.UNSET  # absent: skipped, not reported
        inner: Inner | None = None

    record = Outer(inner=Inner(tags=["a", object()]))  # type: ignore[list-item]
    with pytest.raises(cr.ContractViolation) as info:
        cr.validate(record)
    assert (info.value.path, info.value.rule) == ("$.inner.tags[1]", "type")
    assert "cannot encode the value" in str(info.value)


def test_a_decimal_field_refuses_other_numbers() -> None:
    """A float or int where the contract has a decimal would reach the JSON wire as a number (the contract
    says a string, and msgspec reads numbers into Decimal): the field's rule refuses it, in lists too."""
    only = cr.decimal_rule("price", scale=2, decimals_only=True)
    only(decimal.Decimal("1.50"))
    only([decimal.Decimal("1.50"), None])
    for value, path in ((1.5, "$.price"), (2, "$.price"), ([decimal.Decimal(1), 1.5], "$.price[1]")):
        with pytest.raises(cr.ContractViolation) as info:
            only(value)
        assert (info.value.rule, info.value.path) == ("type", path)
    cr.decimal_rule("price", scale=2)(1.5)  # a field that also holds other kinds leaves them to their own checks


def test_only_a_field_of_decimals_alone_refuses_other_numbers() -> None:
    from codegen import ir
    from codegen.emitters.python_types import runtime_checks

    dec = ir.ScalarType(ir.Scalar.DECIMAL)
    for t in (dec, ir.NullableType(dec), ir.ArrayType(dec), ir.MapType(ir.ScalarType(ir.Scalar.STRING), dec)):
        assert runtime_checks(t) == [("decimal_rule", [("decimals_only", "True")])], t
    mixed = ir.UnionType((dec, ir.ScalarType(ir.Scalar.INT64)))
    assert all(("decimals_only", "True") not in kwargs for _, kwargs in runtime_checks(mixed))
