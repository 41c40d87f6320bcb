"""compute_metrics: flows, snapshots, ratios of sums, filters and grains, sets of units."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.metrics import (
    DistinctMetricError, compute_metrics, compute_metrics_for_sets, metrics_from_components,
)
from kpi.registry import COMPONENTS, METRICS
from rollup_factory import leaf_rows, oracle_term, parent_rows

OCT1, OCT31 = date(2026, 10, 1), date(2026, 10, 31)
RATIOS = [m.name for m in METRICS.values() if m.aggregation in ("ratio", "chat_weighted")]
ADDITIVE = [m.name for m in METRICS.values() if m.additive]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(*records: dict) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    for name in COMPONENTS:
        if name not in frame.columns:
            frame[name] = 0
    return frame.fillna({c: 0 for c in COMPONENTS})


def _behaviour(day: date, unit: str = "o1", **values: float) -> dict:
    return {"day": day, "unit_code": unit, "level": "outlet", "department": "all",
            "kind": "all", "segment": "all", **values}


def _customer(day: date, kind: str, segment: str, unit: str = "o1", **values: float) -> dict:
    return {"day": day, "unit_code": unit, "level": "outlet", "department": "all",
            "kind": kind, "segment": segment, **values}


def _conversion(day: date, department: str, kind: str, segment: str, unit: str = "o1",
                **values: float) -> dict:
    return {"day": day, "unit_code": unit, "level": "outlet", "department": department,
            "kind": kind, "segment": segment, **values}


def test_constant_snapshot_over_n_days_is_the_constant_not_n_times() -> None:
    days = [OCT1 + timedelta(i) for i in range(10)]
    rows = _rows(*(_behaviour(d, staff_cnt=7, chat_total=4, chat_has_msg=2, chat_cnt=3)
                   for d in days))
    out = compute_metrics(rows, metrics=["staff_cnt", "chat_total", "chat_cnt",
                                         "group_activity_rate"],
                          period_start=OCT1, period_end=OCT31, by=[])
    assert out.loc[0, "staff_cnt"] == 7
    assert out.loc[0, "chat_total"] == 4
    assert out.loc[0, "chat_cnt"] == 30  # a flow is summed
    assert out.loc[0, "group_activity_rate"] == pytest.approx(0.5)


def test_snapshot_takes_the_last_day_with_data_up_to_period_end() -> None:
    rows = _rows(_behaviour(date(2026, 9, 30), staff_cnt=1),
                 _behaviour(date(2026, 10, 3), staff_cnt=5),
                 _behaviour(date(2026, 10, 7), staff_cnt=9),
                 _behaviour(date(2026, 11, 1), staff_cnt=100))
    out = compute_metrics(rows, metrics=["staff_cnt"], period_start=OCT1, period_end=OCT31)
    assert out["staff_cnt"].tolist() == [9]
    early = compute_metrics(rows, metrics=["staff_cnt"], period_start=OCT1,
                            period_end=date(2026, 10, 5))
    assert early["staff_cnt"].tolist() == [5]


def test_a_unit_merged_away_before_period_end_has_no_period_end_snapshot() -> None:
    """o2 is merged into o1 on Oct 3: its staff are counted once, in o1, and children still
    add up to the branch."""
    rows = _rows(
        _behaviour(OCT1, unit="o1", staff_cnt=5, chat_cnt=1),
        _behaviour(OCT1, unit="o2", staff_cnt=3, chat_cnt=2),
        _behaviour(date(2026, 10, 2), unit="o1", staff_cnt=5, chat_cnt=1),
        _behaviour(date(2026, 10, 2), unit="o2", staff_cnt=3, chat_cnt=2),
        _behaviour(date(2026, 10, 3), unit="o1", staff_cnt=8, chat_cnt=1),
    )
    out = compute_metrics(rows, metrics=["staff_cnt", "chat_cnt"], period_start=OCT1,
                          period_end=OCT31).set_index("unit_code")
    assert out.loc["o1", "staff_cnt"] == 8 and out.loc["o2", "staff_cnt"] == 0
    assert out.loc["o2", "chat_cnt"] == 4  # its flows stay where they happened
    branch = parent_rows(rows, mapping={"o1": "b1", "o2": "b1"}, level="branch")
    at_branch = compute_metrics(branch, metrics=["staff_cnt", "chat_cnt"], period_start=OCT1,
                                period_end=OCT31)
    assert at_branch[["staff_cnt", "chat_cnt"]].iloc[0].tolist() == out.sum().tolist()


def test_snapshot_as_of_day_is_per_grain_and_chosen_before_filters() -> None:
    """Contacts arrive a day late: contacts_live is read on its own grain's last day."""
    late = _rows(_customer(OCT1, "stock", "wealth", contacts_live=6),
                 _behaviour(OCT1, staff_cnt=2), _behaviour(date(2026, 10, 2), staff_cnt=2))
    out = compute_metrics(late, metrics=["contacts_live", "staff_cnt"], period_start=OCT1,
                          period_end=OCT31)
    assert out[["contacts_live", "staff_cnt"]].iloc[0].tolist() == [6, 2]
    # On the last day the unit has no private contacts: that is 0, not an older value.
    """On the last day the unit has no private contacts: that is 0, not an older value."""
    rows = _rows(_customer(date(2026, 10, 1), "stock", "private", contacts_live=3),
                 _customer(date(2026, 10, 2), "stock", "wealth", contacts_live=8,
                           contacts_removed=0))
    out = compute_metrics(rows, metrics=["contacts_live"], period_start=OCT1, period_end=OCT31,
                          segment="private")
    assert out["contacts_live"].tolist() == [0]


def test_ratio_is_nan_not_zero_or_inf_when_denominator_is_zero() -> None:
    rows = _rows(_behaviour(OCT1, tasks_done=0, tasks_assigned=0, staff_cnt=0))
    out = compute_metrics(rows, metrics=["task_completion_rate", "contact_enabled_rate"],
                          period_start=OCT1, period_end=OCT31)
    assert out[["task_completion_rate", "contact_enabled_rate"]].isna().all(axis=None)


def test_hand_worked_ratios_and_filters() -> None:
    rows = _rows(
        _behaviour(OCT1, staff_cnt=10, contact_enabled_cnt=8, managed_customers=200,
                   message_cnt=4000, intercepted_msgs=2, reply_percentage_num=3 * 50 + 1 * 100,
                   reply_percentage_den=4),
        _behaviour(date(2026, 10, 2), staff_cnt=10, contact_enabled_cnt=8, managed_customers=200,
                   message_cnt=1000, intercepted_msgs=3),
        _customer(date(2026, 10, 2), "stock", "wealth", contacts_live=50, contacts_added=1),
        _customer(date(2026, 10, 2), "incremental", "long_tail", contacts_live=30,
                  contacts_added=10),
        _conversion(date(2026, 10, 2), "online", "incremental", "long_tail", account_cnt=4,
                    funded_cnt=1, deposit_amount=12000.5),
        _conversion(date(2026, 10, 2), "retail", "stock", "wealth", account_cnt=7),
    )
    metrics = ["coverage_rate", "opening_rate", "funding_rate", "interceptions_per_k",
               "reply_percentage", "contacts_per_manager", "account_cnt", "deposit_amount"]
    out = compute_metrics(rows, metrics=metrics, period_start=OCT1, period_end=OCT31).iloc[0]
    assert out["coverage_rate"] == pytest.approx(50 / 200)  # stock contacts only
    assert out["opening_rate"] == pytest.approx(4 / 10)  # incremental on both sides
    assert out["funding_rate"] == pytest.approx(1 / 10)
    assert out["interceptions_per_k"] == pytest.approx(1000 * 5 / 5000)
    assert out["reply_percentage"] == pytest.approx(62.5)  # chat-weighted, not (50+100)/2
    assert out["contacts_per_manager"] == pytest.approx(80 / 8)
    assert out["account_cnt"] == 11
    retail = compute_metrics(rows, metrics=metrics, period_start=OCT1, period_end=OCT31,
                             department="retail").iloc[0]
    assert retail["account_cnt"] == 7  # conversion grain is filtered by department …
    assert retail["coverage_rate"] == pytest.approx(0.25)  # … the customer grain is not
    assert retail["interceptions_per_k"] == pytest.approx(1.0)  # nor the behaviour grain


def test_distinct_metric_needs_distinct_counts() -> None:
    rows = _rows(_behaviour(OCT1, staff_cnt=1))
    with pytest.raises(DistinctMetricError, match="customer-level facts"):
        compute_metrics(rows, metrics=["distinct_customers"], period_start=OCT1,
                        period_end=OCT31)
    given_counts = pd.DataFrame({"unit_code": ["o1"], "distinct_customers": [42]})
    out = compute_metrics(rows, metrics=["staff_cnt", "distinct_customers"], period_start=OCT1,
                          period_end=OCT31, distinct_counts=given_counts)
    assert out["distinct_customers"].tolist() == [42]


def test_unknown_metric_and_missing_component_are_clear_errors() -> None:
    rows = _rows(_behaviour(OCT1, staff_cnt=1))
    with pytest.raises(KeyError, match="unknown metric"):
        compute_metrics(rows, metrics=["nope"], period_start=OCT1, period_end=OCT31)
    with pytest.raises(KeyError, match="chat_cnt"):
        compute_metrics(rows.drop(columns="chat_cnt"), metrics=["chat_cnt"], period_start=OCT1,
                        period_end=OCT31)


@FAST
@given(seed=st.integers(0, 2**31), n_leaves=st.integers(1, 5), n_branches=st.integers(1, 3),
       days=st.integers(1, 6), end_offset=st.integers(0, 6), dense=st.booleans())
def test_every_level_equals_ratio_of_sums_of_its_children(seed: int, n_leaves: int,
                                                          n_branches: int, days: int,
                                                          end_offset: int, dense: bool) -> None:
    leaves = [f"o{i}" for i in range(n_leaves)]
    to_branch = {leaf: f"b{i % n_branches}" for i, leaf in enumerate(leaves)}
    outlets = leaf_rows(leaves=leaves, days=days, seed=seed, dense=dense)
    branches = parent_rows(outlets, mapping=to_branch, level="branch")
    province = parent_rows(branches, mapping=dict.fromkeys(to_branch.values(), "p0"),
                           level="province")
    end = OCT1 + timedelta(end_offset)
    metrics = RATIOS + ADDITIVE
    at_branch = compute_metrics(branches, metrics=metrics, period_start=OCT1, period_end=end)
    sets = pd.DataFrame({"set_code": list(to_branch.values()), "unit_code": leaves})
    from_outlets = compute_metrics_for_sets(outlets, unit_sets=sets, metrics=metrics,
                                            period_start=OCT1, period_end=end)
    pd.testing.assert_frame_equal(at_branch.drop(columns="unit_code"),
                                  from_outlets.drop(columns="set_code"), check_dtype=False)
    at_province = compute_metrics(province, metrics=metrics, period_start=OCT1, period_end=end,
                                  by=[])
    from_branches = compute_metrics(branches, metrics=metrics, period_start=OCT1, period_end=end,
                                    by=[])
    pd.testing.assert_frame_equal(at_province, from_branches, check_dtype=False)
    records = outlets.to_dict("records")
    for name in RATIOS:
        metric = METRICS[name]
        num = sum(oracle_term(records, term=t, units=leaves, start=OCT1, end=end)
                  for t in metric.numerator)
        den = sum(oracle_term(records, term=t, units=leaves, start=OCT1, end=end)
                  for t in metric.denominator)
        expected = metric.scale * num / den if den else np.nan
        np.testing.assert_allclose(at_province.loc[0, name], expected, rtol=1e-12)


@FAST
@given(seed=st.integers(0, 2**31), n_leaves=st.integers(1, 4), days=st.integers(1, 6),
       kind=st.sampled_from(["incremental", "stock"]),
       department=st.sampled_from(["online", "retail"]))
def test_sparse_rows_match_the_oracle_and_grouping_equals_filtering(
        seed: int, n_leaves: int, days: int, kind: str, department: str) -> None:
    leaves = [f"o{i}" for i in range(n_leaves)]
    rows = leaf_rows(leaves=leaves, days=days, seed=seed, dense=False)
    metrics = ["contacts_live", "coverage_rate", "opening_rate", "account_cnt", "staff_cnt",
               "card_rate", "deposit_amount"]
    filtered = compute_metrics(rows, metrics=metrics, period_start=OCT1, period_end=OCT31,
                               kind=kind, department=department, include_components=True)
    grouped = compute_metrics(rows, metrics=metrics, period_start=OCT1, period_end=OCT31,
                              by=["unit_code", "kind", "department"], include_components=True)
    picked = grouped.loc[(grouped["kind"] == kind) & (grouped["department"] == department)]
    if len(picked):  # the group exists whenever the data has that kind and department
        pd.testing.assert_frame_equal(
            picked.drop(columns=["kind", "department"]).reset_index(drop=True),
            filtered.loc[filtered["unit_code"].isin(picked["unit_code"])].reset_index(drop=True),
            check_dtype=False)
    records = rows.to_dict("records")
    for _, row in filtered.iterrows():
        for name in ("contacts_live", "staff_cnt", "account_cnt"):
            term = METRICS[name].numerator[0]
            expected = oracle_term(records, term=term, units=[row["unit_code"]], start=OCT1,
                                   end=OCT31, filters={"kind": kind, "department": department})
            assert row[name] == pytest.approx(expected)
    # A set's ratio is Σnum/Σden of its members' components, never a mean of their ratios.
    members = filtered.assign(set_code="all")
    at_set = metrics_from_components(members, metrics=["coverage_rate"], by=["set_code"])
    num, den = filtered["contacts_live[kind=stock]"].sum(), filtered["managed_customers"].sum()
    expected = num / den if den else np.nan
    np.testing.assert_allclose(at_set.loc[0, "coverage_rate"], expected)


def test_by_level_and_by_day() -> None:
    rows = _rows(*(_behaviour(OCT1 + timedelta(i), unit=u, staff_cnt=s, chat_cnt=1)
                   for i in range(3) for u, s in (("o1", 4), ("o2", 6))))
    by_level = compute_metrics(rows, metrics=["staff_cnt", "chat_cnt"], period_start=OCT1,
                               period_end=OCT31, by=["level"])
    assert by_level[["staff_cnt", "chat_cnt"]].iloc[0].tolist() == [10, 6]
    by_day = compute_metrics(rows, metrics=["staff_cnt", "chat_cnt"], period_start=OCT1,
                             period_end=OCT31, by=["day"])
    assert by_day["staff_cnt"].tolist() == [10, 10, 10]
    assert by_day["chat_cnt"].tolist() == [2, 2, 2]
