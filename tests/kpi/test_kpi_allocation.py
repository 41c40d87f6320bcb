"""Allocation: exact sums (integer and cents), locks, caps, infeasibility reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.allocation import allocate

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def allocation_inputs(draw: st.DrawFn) -> tuple[int, pd.DataFrame]:
    n = draw(st.integers(1, 8))
    parent = draw(st.integers(0, 10_000))
    weights = draw(st.lists(st.one_of(st.integers(0, 50), st.floats(0, 50)), min_size=n,
                            max_size=n))
    locked = draw(st.lists(st.one_of(st.none(), st.integers(0, 3_000)), min_size=n, max_size=n))
    caps = draw(st.lists(st.one_of(st.none(), st.integers(0, 5_000)), min_size=n, max_size=n))
    children = pd.DataFrame({
        "child": [f"c{i:02d}" for i in range(n)],
        "w": [float(w) for w in weights],
        "lock": [np.nan if v is None else float(v) for v in locked],
        "cap": [np.nan if v is None else float(v) for v in caps],
    })
    return parent, children


def _feasible_by_hand(parent: int, children: pd.DataFrame) -> bool:
    locked = children["lock"].notna()
    remainder = parent - children.loc[locked, "lock"].sum()
    if remainder < 0 or (children.loc[locked, "lock"] > children.loc[locked, "cap"]).any():
        return False
    if remainder == 0:
        return True
    free = children.loc[~locked & (children["w"] > 0)]
    return free["cap"].isna().any() or free["cap"].sum() >= remainder


@SETTINGS
@given(allocation_inputs())
def test_integer_allocation_is_exact_respects_locks_and_caps(
        case: tuple[int, pd.DataFrame]) -> None:
    parent, children = case
    result = allocate(parent, children, weight_column="w", locked_column="lock",
                      cap_column="cap")
    frame = result.frame
    locked = children["lock"].notna().to_numpy()
    assert (frame.loc[locked, "value"].to_numpy() == children.loc[locked, "lock"]).all()
    assert result.ok == _feasible_by_hand(parent, children), result.message
    free_capped = ~locked & children["cap"].notna().to_numpy()
    assert (frame.loc[free_capped, "value"] <= children.loc[free_capped, "cap"]).all()
    assert (frame["value"] >= 0).all()
    assert frame["value"].sum() + result.unallocated == parent  # nothing vanishes silently
    if result.ok:
        assert frame["value"].sum() == parent  # exactly, in integers
    else:
        assert result.message


@SETTINGS
@given(cents=st.integers(0, 10**9), n=st.integers(1, 7), seed=st.integers(0, 1000))
def test_decimal_allocation_sums_exactly_in_cents(cents: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    children = pd.DataFrame({"child": [f"u{i}" for i in range(n)],
                             "w": rng.uniform(0, 10, n).round(3)})
    children.loc[0, "w"] += 0.001  # at least one positive weight
    parent = cents / 100
    result = allocate(parent, children, weight_column="w", mode="decimal")
    assert result.ok
    assert result.frame["value_units"].sum() == cents
    assert (result.frame["value"] * 100).round().astype(int).tolist() == \
        result.frame["value_units"].tolist()


@SETTINGS
@given(allocation_inputs(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order(case: tuple[int, pd.DataFrame], rnd) -> None:
    parent, children = case
    shuffled = children.sample(frac=1, random_state=rnd.randint(0, 10**6))
    kwargs = dict(weight_column="w", locked_column="lock", cap_column="cap")
    a = allocate(parent, children, **kwargs).frame.set_index("child")["value"]
    b = allocate(parent, shuffled, **kwargs).frame.set_index("child")["value"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index())


def test_even_split_largest_remainder_tie_break_by_code() -> None:
    children = pd.DataFrame({"child": ["b", "a", "c"]})
    result = allocate(10, children)
    assert dict(zip(result.frame["child"], result.frame["value"], strict=True)) == \
        {"a": 4, "b": 3, "c": 3}


def test_weighted_with_lock_and_cap_hand_worked() -> None:
    children = pd.DataFrame({"child": list("abcd"), "w": [1, 2, 3, 4],
                             "lock": [np.nan, 5, np.nan, np.nan],
                             "cap": [np.nan, np.nan, 3, np.nan]})
    result = allocate(100, children, weight_column="w", locked_column="lock", cap_column="cap")
    # 95 left for a, c, d (weights 1, 3, 4): c capped at 3; 92 over a:d = 1:4 → 18.4, 73.6
    assert result.frame["value"].tolist() == [18, 5, 3, 74]
    assert result.frame["capped"].tolist() == [False, False, True, False]


def test_money_split_to_the_cent() -> None:
    children = pd.DataFrame({"child": ["x", "y", "z"]})
    result = allocate(100.00, children, mode="decimal")
    assert result.frame["value"].tolist() == [33.34, 33.33, 33.33]


@pytest.mark.parametrize(("parent", "lock", "cap", "weights", "fragment"), [
    (10, [20, np.nan], [np.nan, np.nan], [1, 1], "exceed the parent"),
    (100, [np.nan, np.nan], [10, 20], [1, 1], "capacity is short by 70"),
    (10, [np.nan, np.nan], [np.nan, np.nan], [0, 0], "all weights are zero"),
    (10, [3, 4], [np.nan, np.nan], [1, 1], "every child is locked"),
    (10, [8, np.nan], [5, np.nan], [1, 1], "locked value above capacity"),
    (100, [np.nan, np.nan], [10, np.nan], [1, 0], "zero weight"),
])
def test_infeasible_is_reported_not_hidden(parent, lock, cap, weights, fragment) -> None:
    children = pd.DataFrame({"child": ["a", "b"], "w": weights, "lock": lock, "cap": cap})
    result = allocate(parent, children, weight_column="w", locked_column="lock",
                      cap_column="cap")
    assert result.status == "infeasible"
    assert fragment in result.message


def test_bad_inputs_are_errors() -> None:
    children = pd.DataFrame({"child": ["a", "a"]})
    with pytest.raises(ValueError, match="unique"):
        allocate(10, children)
    with pytest.raises(ValueError, match="precision"):
        allocate(10.5, pd.DataFrame({"child": ["a"]}))
    with pytest.raises(ValueError, match="reduction"):
        allocate(-5, pd.DataFrame({"child": ["a"]}))
