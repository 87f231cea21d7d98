"""The inline fast paths of generated ``__post_init__`` methods: whatever a fast path accepts, the rule it
stands in front of accepts too (else an invalid value would pass unchecked), and on the values producers
send it says yes (else it would be dead code, costing a test and the rule call as well)."""

from __future__ import annotations

import decimal
import inspect
from collections.abc import Callable
from typing import Any

import contract_runtime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen import ir
from codegen.emitters.python_fast_checks import (
    FastPath,
    decimal_fast_path,
    oneof_fast_test,
    pattern_fast_path,
)
from tests.python.conftest import Generated
from tests.python.test_python_models import make_order


def compiled(fast: FastPath | None) -> Callable[[Any], bool]:
    """The fast path as a function of ``v``, its constants defined as the generated module defines them."""
    assert fast is not None
    namespace: dict[str, Any] = {"decimal": decimal}
    exec("".join(fast.constants), namespace)
    return eval(f"lambda v: {fast.test}", namespace)  # type: ignore[no-any-return]


def accepts(rule: Callable[[Any], None], v: Any) -> bool:
    try:
        rule(v)
    except contract_runtime.ContractViolation:
        return False
    return True


def string(pattern: str, nullable: bool = False) -> ir.Type:
    t: ir.Type = ir.ScalarType(ir.Scalar.STRING, ir.Constraints(pattern=pattern))
    return ir.NullableType(t) if nullable else t


SIMPLE = [
    "^[A-Z]{3}$",
    "^[A-Z]{2}$",
    "^[0-9]{4}$",
    r"^\d{5}$",
    "^[a-z]+$",
    "^[A-Za-z]{2,8}$",
    "^[a-zA-Z0-9]{3,}$",
    "^[0-9A-Za-z]+$",
]
ASCII_AND_MORE = st.text(alphabet=st.sampled_from("AZaz09_-. \n\x1céÉ٣"), max_size=10)


@pytest.mark.parametrize("pattern", SIMPLE)
@settings(max_examples=400, deadline=None)
@given(value=ASCII_AND_MORE)
def test_simple_pattern_agrees_with_the_rule(pattern: str, value: str) -> None:
    fast = compiled(pattern_fast_path(string(pattern), "v"))
    rule = contract_runtime.pattern_rule("f", pattern=pattern)
    if fast(value):
        assert accepts(rule, value)
    elif value.isascii() and "\n" not in value:
        # On ASCII text the str methods decide exactly what the regex decides: nothing valid is sent the
        # slow way. (Python's \d also takes other digits, and those do take the rule.)
        assert not accepts(rule, value)


@pytest.mark.parametrize("pattern", ["^[A-Z]{3}$", "^[0-9]{4}$"])
def test_simple_pattern_takes_valid_values_and_none_when_nullable(pattern: str) -> None:
    fast = compiled(pattern_fast_path(string(pattern, nullable=True), "v"))
    assert fast("EUR" if "A-Z" in pattern else "4242")
    assert fast(None)
    assert not fast(b"EUR"), "only str passes the fast path; the rule explains anything else"


@pytest.mark.parametrize(
    "pattern",
    ["[A-Z]{3}", "^[A-Z]{3}", "^[A-Z0-9]{3}$", "^[A-Z]*$", "^[A-Z]{0,3}$", "^(ab)+$", "^[A-Z]{3}$|^x$"],
)
def test_other_patterns_have_no_fast_path(pattern: str) -> None:
    """Unanchored, empty-admitting, or classes no str method decides: the rule alone checks them."""
    assert pattern_fast_path(string(pattern), "v") is None


def money(precision: int, scale: int, **bounds: float) -> ir.ScalarType:
    return ir.ScalarType(ir.Scalar.DECIMAL, ir.Constraints(**bounds), precision=precision, scale=scale)


DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.integers(-(10**14), 10**14).map(lambda i: decimal.Decimal(i).scaleb(-2)),
    st.sampled_from(["0.00", "-0.00", "0E-2", "9999999999.99", "10000000000.00", "1.5", "-1.00", "sNaN"]).map(
        decimal.Decimal
    ),
)
TYPES = [
    money(12, 2, minimum=0),
    money(10, 2),
    money(4, 4, exclusive_maximum=0.5),
    money(5, 0, minimum=-10, maximum=10, exclusive_minimum=-5),
    ir.ScalarType(ir.Scalar.DECIMAL, ir.Constraints(exclusive_minimum=0)),  # bounds, no digits stated
    ir.ScalarType(ir.Scalar.DECIMAL, ir.Constraints(minimum=-1.5, exclusive_maximum=1e6)),
]


@pytest.mark.parametrize("t", TYPES, ids=lambda t: f"{t.precision},{t.scale},{t.constraints}")
@settings(max_examples=500, deadline=None)
@given(value=DECIMALS)
def test_decimal_fast_path_only_takes_what_the_rule_takes(t: ir.ScalarType, value: decimal.Decimal) -> None:
    fast = compiled(decimal_fast_path(t, "_r", "v"))
    c = t.constraints
    rule = contract_runtime.decimal_rule(
        "f",
        precision=t.precision,
        scale=t.scale,
        **{
            k: decimal.Decimal(str(v))
            for k, v in (
                ("ge", c.minimum),
                ("le", c.maximum),
                ("gt", c.exclusive_minimum),
                ("lt", c.exclusive_maximum),
            )
            if v is not None
        },
    )
    if fast(value):
        assert accepts(rule, value)


def test_decimal_fast_path_takes_amounts_spelled_with_the_scale() -> None:
    fast = compiled(decimal_fast_path(ir.NullableType(money(12, 2, minimum=0)), "_r", "v"))
    assert fast(decimal.Decimal("63.00")) and fast(decimal.Decimal("9999999999.99")) and fast(None)
    assert not fast(decimal.Decimal("63.0")), "another spelling takes the rule, which counts digits by value"
    assert not fast(decimal.Decimal("-1.00")) and not fast(decimal.Decimal("10000000000.00"))
    assert not fast(63.0)


def test_decimal_with_only_bounds_takes_finite_values_within_them() -> None:
    fast = compiled(decimal_fast_path(ir.ScalarType(ir.Scalar.DECIMAL, ir.Constraints(exclusive_minimum=0)), "_r", "v"))
    assert fast(decimal.Decimal("0.001")) and fast(decimal.Decimal("12E+3"))
    assert not fast(decimal.Decimal("0")) and not fast(decimal.Decimal("Infinity")) and not fast(decimal.Decimal("NaN"))


def test_decimal_with_multiple_of_or_no_scale_has_no_fast_path() -> None:
    assert decimal_fast_path(money(12, 2, multiple_of=0.05), "_r", "v") is None
    assert decimal_fast_path(ir.ScalarType(ir.Scalar.DECIMAL, precision=12), "_r", "v") is None


@pytest.mark.parametrize("n", [2, 3, 4])
def test_oneof_fast_test_is_at_most_one_set(n: int) -> None:
    names = [f"m{i}" for i in range(n)]
    test = eval(f"lambda {', '.join(names)}: {oneof_fast_test(names)}")
    for mask in range(2**n):
        values = [object() if mask >> i & 1 else None for i in range(n)]
        assert test(*values) == (bin(mask).count("1") <= 1)


def test_generated_record_checks_past_its_fast_paths(generated: Generated) -> None:
    """A value the fast path turns down still meets the rule: valid ones in another spelling pass,
    invalid ones fail with the rule's path and name."""
    orders = generated.module("orders")
    source = inspect.getsource(orders.Order.__post_init__)
    assert "v_total.same_quantum(" in source and "v_code.isupper()" in source, "the example takes both fast paths"
    order = make_order(orders, total=decimal.Decimal("5.5"), code="XYZ")  # not spelled with the scale
    assert order.total == decimal.Decimal("5.5")
    for bad, path in (({"total": decimal.Decimal("-1.00")}, "$.total"), ({"code": "xyz"}, "$.code")):
        with pytest.raises(contract_runtime.ContractViolation) as info:
            make_order(orders, **bad)
        assert info.value.path == path
