"""Overload and idle flags and the workload bins, on staff worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.workload import DEFAULTS, Thresholds, by_workload, flag, quantile_bins, rates

DAYS = 10


def staff_row(staff_id: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "staff_id": staff_id, "role": "customer_manager", "wecom_status": 1, "contact_enabled": True,
        "new_contact_cnt": 50, "chat_cnt": 20, "message_cnt": 100, "tasks_assigned": 10,
        "active_days": 8, "contacts_live": 300, "chat_total": 2, "member_total": 100,
    }
    return row | values


def staff(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_rates_are_per_calendar_day_of_the_period() -> None:
    out = rates(staff(staff_row("a"), staff_row("b", chat_total=0, member_total=0)), days=DAYS).set_index("staff_id")
    assert out.at["a", "new_contacts_per_day"] == 5.0  # 50 over 10 days
    assert out.at["a", "new_contacts_per_month"] == 150.0  # 5 a day × 30
    assert out.at["a", "messages_per_day"] == 10.0
    assert out.at["a", "tasks_per_day"] == 1.0
    assert out.at["a", "members_per_group"] == 50.0  # 100 members / 2 groups
    assert pd.isna(out.at["b", "members_per_group"])  # no groups: no ratio, not zero


def test_a_period_without_days_is_refused() -> None:
    with pytest.raises(ValueError):
        rates(staff(staff_row("a")), days=0)


def test_each_overload_rule_fires_on_its_own() -> None:
    out = flag(staff(
        staff_row("ordinary"),
        staff_row("big_book", contacts_live=16_000),  # exactly 80% of 20,000
        staff_row("almost_big", contacts_live=15_999),
        staff_row("adds_fast", new_contact_cnt=300),  # 30 a day
        staff_row("full_groups", chat_total=2, member_total=900),  # 450 = 90% of 500
        staff_row("many_tasks", tasks_assigned=30),  # 3 a day
        staff_row("left", wecom_status=5, new_contact_cnt=900),
    ), days=DAYS).set_index("staff_id")
    assert out.loc["big_book", ["over_contacts", "over_new_contacts", "over_groups", "over_tasks"]].tolist() == [True, False, False, False]
    assert not out.at["almost_big", "overloaded"]
    assert out.at["adds_fast", "over_new_contacts"]
    assert out.at["full_groups", "over_groups"]
    assert out.at["many_tasks", "over_tasks"]
    assert out["overloaded"].tolist() == [False, True, False, True, True, True, False]
    assert out.at["left", "flag"] == "normal"  # a leaver is never flagged
    assert out.at["ordinary", "flag"] == "normal"


def test_idle_rules_judge_only_staff_with_the_contact_permission() -> None:
    out = flag(staff(
        staff_row("silent", active_days=0, new_contact_cnt=0),
        staff_row("never_reported", active_days=None, new_contact_cnt=0),
        staff_row("slow", new_contact_cnt=3),  # 0.3 a day = 9 a month < 10
        staff_row("just_enough", new_contact_cnt=4),  # 12 a month
        staff_row("teller", contact_enabled=False, active_days=0, new_contact_cnt=0),
    ), days=DAYS).set_index("staff_id")
    assert out.loc["silent", ["idle_inactive", "idle_few_new"]].tolist() == [True, False]  # one reason, the stronger
    assert out.at["never_reported", "idle_inactive"]
    assert out.loc["slow", ["idle_inactive", "idle_few_new"]].tolist() == [False, True]
    assert out["idle"].tolist() == [True, True, True, False, False]


def test_thresholds_move_the_flags() -> None:
    rows = staff(staff_row("a", new_contact_cnt=100), staff_row("b", new_contact_cnt=3))  # 9 a month
    assert flag(rows, days=DAYS)["flag"].tolist() == ["normal", "idle"]
    stricter = Thresholds(new_per_day=10, new_per_month_floor=DEFAULTS.new_per_month_floor / 2)
    assert flag(rows, days=DAYS, thresholds=stricter)["flag"].tolist() == ["overloaded", "normal"]


def test_overloaded_wins_over_idle_in_the_single_flag() -> None:
    out = flag(staff(staff_row("a", active_days=0, new_contact_cnt=0, contacts_live=19_000)), days=DAYS)
    assert out.loc[0, ["overloaded", "idle"]].tolist() == [True, True]
    assert out.at[0, "flag"] == "overloaded"


def test_quantile_bins_keep_equal_workloads_together() -> None:
    values = pd.Series([0, 0, 0, 0, 1, 2, 3, 4, 5, 6], dtype=float)
    bins = quantile_bins(values, 5)
    assert bins[:4].nunique() == 1  # the four zeros share the lowest bin
    assert bins.is_monotonic_increasing
    assert quantile_bins(pd.Series([2.0, 2.0, 2.0]), 5).tolist() == [0, 0, 0]


def test_bins_are_ratios_of_sums() -> None:
    # Two bins by hand: {1, 1} and {4, 6}. Per staff: 2/2 = 1 and 10/2 = 5 conversions;
    # per unit of work: 2/2 = 1.0 and 10/10 = 1.0. A mean of per-staff ratios would give
    # (0/4 + 10/6)/2 ≈ 0.83 for the second bin instead.
    rows = pd.DataFrame({"x": [1.0, 1.0, 4.0, 6.0], "y": [1, 1, 0, 10]})
    out = by_workload(rows, x="x", y="y", bins=2)
    assert out["staff"].tolist() == [2, 2]
    assert out["x_min"].tolist() == [1.0, 4.0] and out["x_max"].tolist() == [1.0, 6.0]
    assert out["y_per_staff"].tolist() == [1.0, 5.0]
    assert out["x_per_staff"].tolist() == [1.0, 5.0]
    assert out["y_per_x"].tolist() == [1.0, 1.0]


def test_bins_of_no_work_have_no_yield_and_empty_input_gives_no_bins() -> None:
    out = by_workload(pd.DataFrame({"x": [0.0, 0.0], "y": [1, 0]}), x="x", y="y")
    assert out["staff"].tolist() == [2] and pd.isna(out.at[0, "y_per_x"])
    assert by_workload(pd.DataFrame({"x": [], "y": []}), x="x", y="y").empty
