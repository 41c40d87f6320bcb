"""Scorecards, peer groups, ranks; payout curves and what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from kpi.incentives import PayoutCurve, payout, what_if
from kpi.scorecard import kpi_scores, peer_groups, rank_within_groups, unit_scores


def test_scores_are_capped_weighted_and_skip_missing_targets() -> None:
    attainment = pd.DataFrame({
        "unit_code": ["a", "a", "b", "b", "b"],
        "kpi": ["contacts_added", "card_cnt", "contacts_added", "card_cnt", "chat_cnt"],
        "completion": [2.0, 0.5, 0.9, np.nan, -0.3],
    })
    scores = kpi_scores(attainment, weights={"contacts_added": 0.6, "card_cnt": 0.4}, cap=1.2)
    assert len(scores) == 4  # chat_cnt is not on the card
    a = scores.loc[scores["unit_code"] == "a"].set_index("kpi")
    assert a.loc["contacts_added", "score"] == pytest.approx(1.2 * 0.6)
    assert a.loc["card_cnt", "score"] == pytest.approx(0.5 * 0.4)
    totals = unit_scores(scores).set_index("unit_code")
    assert totals.loc["a", "total_score"] == pytest.approx(0.92)
    assert totals.loc["b", "weight_used"] == pytest.approx(0.6)
    assert totals.loc["b", "normalized_score"] == pytest.approx(0.9)


def test_negative_completion_is_floored() -> None:
    attainment = pd.DataFrame({"unit_code": ["a"], "kpi": ["k"], "completion": [-0.5]})
    assert kpi_scores(attainment, weights={"k": 1.0})["score"].tolist() == [0.0]


def test_peer_groups_keep_ties_together_and_ranks_are_deterministic() -> None:
    units = pd.DataFrame({"unit_code": list("abcdefgh"),
                          "staff_cnt": [5, 5, 8, 12, 12, 12, 30, np.nan]})
    grouped = peer_groups(units, size_column="staff_cnt", n_groups=2).set_index("unit_code")
    assert grouped["peer_group"].tolist()[:7] == [1, 1, 1, 2, 2, 2, 2]
    assert pd.isna(grouped.loc["h", "peer_group"])
    scores = pd.DataFrame({"unit_code": list("dcbae"), "peer_group": [1, 1, 1, 1, 2],
                           "total_score": [0.9, 0.9, 0.7, 1.1, 0.5]})
    ranked = rank_within_groups(scores)
    assert ranked["unit_code"].tolist() == ["a", "c", "d", "b", "e"]
    assert ranked["rank"].tolist() == [1, 2, 2, 4, 1]
    dense = rank_within_groups(scores, method="dense")
    assert dense["rank"].tolist() == [1, 2, 2, 3, 1]


@settings(max_examples=50, deadline=None)
@given(sizes=st.lists(st.integers(1, 50), min_size=1, max_size=30), n=st.integers(1, 6))
def test_peer_groups_are_ordered_by_size(sizes: list[int], n: int) -> None:
    units = pd.DataFrame({"unit_code": [f"u{i}" for i in range(len(sizes))], "s": sizes})
    groups = peer_groups(units, size_column="s", n_groups=n)
    assert groups["peer_group"].between(1, n).all()
    ordered = groups.sort_values("s")
    assert ordered["peer_group"].is_monotonic_increasing
    assert (groups.groupby("s")["peer_group"].nunique() == 1).all()


CURVE = PayoutCurve(role="customer_manager", threshold=0.6, target=1.0, cap=1.5,
                    threshold_payout=0.0, accelerator=2.0)


@pytest.mark.parametrize(("completion", "fraction"), [
    (0.0, 0.0), (0.59, 0.0), (0.6, 0.0), (0.8, 0.5), (1.0, 1.0), (1.25, 1.5), (1.5, 2.0),
    (3.0, 2.0),
])
def test_payout_at_threshold_target_and_cap(completion: float, fraction: float) -> None:
    assert payout(completion, CURVE, 10_000) == pytest.approx(10_000 * fraction)


def test_payout_with_a_step_at_threshold_and_bad_curves() -> None:
    stepped = CURVE.model_copy(update={"threshold_payout": 0.5})
    assert payout(0.6, stepped, 100) == pytest.approx(50)
    assert payout(0.8, stepped, 100) == pytest.approx(75)
    assert np.isnan(payout(np.nan, CURVE, 100))
    with pytest.raises(ValidationError):
        PayoutCurve(role="x", threshold=1.2, target=1.0)


def _staff() -> pd.DataFrame:
    return pd.DataFrame({
        "staff_id": ["s1", "s2", "s3", "s4"],
        "role": ["customer_manager", "customer_manager", "outlet_head", "customer_manager"],
        "level": ["outlet"] * 4,
        "base_amount": [1000.0, 1000.0, 3000.0, 1000.0],
        "target": [100.0, 100.0, 100.0, 0.0],
        "forecast": [65.0, 100.0, 150.0, 20.0],
    })


def test_what_if_budget_distribution_and_crossings() -> None:
    curves = {"customer_manager": CURVE, "outlet_head": CURVE.model_copy(update={"role": "h"})}
    base = what_if(_staff(), curves=curves)
    # s1 at 0.65 → 0.125; s2 at 1.0 → 1; s3 at 1.5 → 2 (cap); s4 has no target → nothing.
    assert base.budget["baseline"].iloc[0] == pytest.approx(125 + 1000 + 6000)
    assert base.budget["delta"].iloc[0] == 0
    raised = what_if(_staff(), curves=curves, target_change=1.1)
    rows = raised.rows.set_index("staff_id")
    assert rows.loc["s1", "change"] == "falls_below"  # 65/110 < 0.6
    assert rows.loc["s2", "scenario_completion"] == pytest.approx(100 / 110)
    assert raised.budget["scenario"].iloc[0] < raised.budget["baseline"].iloc[0]
    assert raised.crossings["staff_id"].tolist() == ["s1"]
    by_role = raised.by_group.set_index("role")
    assert by_role.loc["customer_manager", "headcount"] == 3
    assert by_role["scenario"].sum() == pytest.approx(raised.budget["scenario"].iloc[0])
    eased = what_if(_staff(), curves=curves,
                    curve_change={"customer_manager": CURVE.model_copy(update={"threshold": 0.2})},
                    target_change=pd.DataFrame({"staff_id": ["s4"], "target": [25.0]}))
    rows = eased.rows.set_index("staff_id")
    assert rows.loc["s4", "change"] == "crosses_threshold"
    assert rows.loc["s4", "baseline_payout"] == 0
    assert bool(rows.loc["s4", "no_target"])  # the baseline had no usable target


def test_what_if_needs_a_curve_for_every_role() -> None:
    with pytest.raises(ValueError, match="outlet_head"):
        what_if(_staff(), curves={"customer_manager": CURVE})
