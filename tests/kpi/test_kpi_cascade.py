"""Cascading a target down the tree: leaves sum exactly to the node, every unit in between is
the sum of its leaves, and rates are copied instead of split."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.cascade import allocate_cell, cascade_values, units_between
from kpi.reconcile import vertical_reconciliation

# A province P with two branches; B1 has three outlets, B2 two.
ORG = pd.DataFrame({
    "code": ["P", "B1", "B2", "O1", "O2", "O3", "O4", "O5"],
    "parent_code": [None, "P", "P", "B1", "B1", "B1", "B2", "B2"],
    "level": ["province", "branch", "branch", "outlet", "outlet", "outlet", "outlet", "outlet"],
})
OUTLETS = ["O1", "O2", "O3", "O4", "O5"]


def leaves(weights=(1, 1, 1, 1, 1), locked=(None,) * 5, caps=(None,) * 5) -> pd.DataFrame:
    return pd.DataFrame({"child": OUTLETS, "weight": weights,
                         "locked": [np.nan if v is None else v for v in locked],
                         "cap": [np.nan if v is None else v for v in caps]})


def test_a_province_allocated_to_outlets_balances_at_every_level() -> None:
    result = allocate_cell(1001, leaves(weights=(3, 2, 1, 2, 2), locked=(None, 150, None, None, None),
                                        caps=(None, None, None, 200, None)), kpi="account_cnt")
    assert result.ok
    values = cascade_values(result, org=ORG, root="P", kpi="account_cnt", parent_value=1001).set_index("unit_code")["value"]
    assert values["O2"] == 150 and values["O4"] <= 200
    assert values["B1"] == values[["O1", "O2", "O3"]].sum() and values["B2"] == values[["O4", "O5"]].sum()
    assert values["B1"] + values["B2"] == 1001
    cells = pd.concat([pd.DataFrame({"unit_code": ["P"], "value": [1001.0]}), values.reset_index()])
    targets = cells.assign(period="2026Q4", kpi="account_cnt", department="online", kind="incremental", segment="long_tail")
    statuses = vertical_reconciliation(targets, org=ORG)["status"]
    assert set(statuses) == {"balanced"}


def test_money_is_split_to_the_cent() -> None:
    result = allocate_cell(1000.01, leaves(), kpi="deposit_amount")
    values = cascade_values(result, org=ORG, root="P", kpi="deposit_amount", parent_value=1000.01).set_index("unit_code")["value"]
    assert round(values["B1"] + values["B2"], 2) == 1000.01
    assert sorted(values[OUTLETS]) == [200.0, 200.0, 200.0, 200.0, 200.01]


def test_a_rate_is_copied_to_every_unit_not_split() -> None:
    result = allocate_cell(0.8, leaves(locked=(0.9, None, None, None, None)), kpi="contact_enabled_rate")
    values = cascade_values(result, org=ORG, root="P", kpi="contact_enabled_rate", parent_value=0.8).set_index("unit_code")["value"]
    assert values["O1"] == 0.9 and values["O2"] == 0.8 and values["B1"] == 0.8 and values["B2"] == 0.8


def test_a_leaf_outside_the_node_is_refused() -> None:
    try:
        units_between(ORG, root="B2", leaves=["O1"])
    except ValueError as error:
        assert "not below B2" in str(error)
    else:
        raise AssertionError("O1 is not below B2")


@settings(max_examples=60, deadline=None)
@given(total=st.integers(0, 10**7), weights=st.lists(st.integers(0, 50), min_size=5, max_size=5))
def test_every_level_sums_exactly_to_the_node(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights = [1] * 5
    result = allocate_cell(total, leaves(weights=tuple(weights)), kpi="new_contact_cnt")
    values = cascade_values(result, org=ORG, root="P", kpi="new_contact_cnt", parent_value=total).set_index("unit_code")["value"]
    assert values["B1"] + values["B2"] == total
    assert values["B1"] == values[["O1", "O2", "O3"]].sum()
