"""Staff workload: per-day rates, overload and idle flags, and workload against conversion.

Pure: the frame of kpi.staff.staff_metrics in, the same rows with rates and flags out. The
default thresholds come from the platform's hard limits and common bank practice (DESIGN §4):
WeCom lets one member hold at most 20,000 customer contacts and a customer group at most 500
members; banks ask a manager for 50–100 new contacts a month, and ~20 a day is already a
strong manager, so 30 a day on average is more than a person can look after. Every rule is
"at or above" a ceiling (overload) or "below" a floor (idle); each one is its own column so a
page can say why someone is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CONTACT_CAP = 20_000  # WeCom: customer contacts one member can hold
GROUP_MEMBER_CAP = 500  # WeCom: members of one customer group
LEFT = 5  # wecom_status of a member who left: never flagged
MONTH_DAYS = 30

# Per-day rates of period flows: (rate column, flow column).
RATES = {
    "new_contacts_per_day": "new_contact_cnt",
    "chats_per_day": "chat_cnt",
    "messages_per_day": "message_cnt",
    "tasks_per_day": "tasks_assigned",
}
OVERLOAD_RULES = ("over_contacts", "over_new_contacts", "over_groups", "over_tasks")
IDLE_RULES = ("idle_inactive", "idle_few_new")
FLAGS = ("overloaded", "idle", "normal")


@dataclass(frozen=True)
class Thresholds:
    """Where overload starts and idleness begins; every field is editable on the page."""

    contact_cap: int = CONTACT_CAP
    contact_share: float = 0.8  # overloaded at ≥ 80% of the cap in live contacts
    new_per_day: float = 30.0  # overloaded at ≥ 30 new contacts a day on average
    group_cap: int = GROUP_MEMBER_CAP
    group_share: float = 0.9  # overloaded when groups average ≥ 90% of the member cap
    tasks_per_day: float = 3.0  # overloaded at ≥ 3 tasks assigned a day
    new_per_month_floor: float = 10.0  # idle below 10 new contacts per 30 days


DEFAULTS = Thresholds()


def rates(staff: pd.DataFrame, *, days: int) -> pd.DataFrame:
    """The staff rows with per-day rates over a period of `days` calendar days, new contacts
    per month (30 days) and members per group (a ratio of sums; missing without groups)."""
    if days <= 0:
        raise ValueError(f"a period has at least one day, got {days}")
    out = staff.copy()
    for rate, flow in RATES.items():
        out[rate] = out[flow].fillna(0) / days
    out["new_contacts_per_month"] = out["new_contacts_per_day"] * MONTH_DAYS
    groups = out["chat_total"].fillna(0)
    out["members_per_group"] = out["member_total"].fillna(0).div(groups.where(groups > 0))
    return out


def flag(staff: pd.DataFrame, *, days: int, thresholds: Thresholds = DEFAULTS) -> pd.DataFrame:
    """The staff rows with rates, one boolean column per rule, `overloaded`, `idle` and
    `flag` (overloaded wins over idle). Staff who left are never flagged; idleness is judged
    only for staff holding the contact permission, who are expected to work contacts."""
    out = rates(staff, days=days)
    th = thresholds
    on_roster = out["wecom_status"] != LEFT
    enabled = on_roster & out["contact_enabled"].fillna(False).astype(bool)
    out["over_contacts"] = on_roster & (out["contacts_live"] >= th.contact_share * th.contact_cap)
    out["over_new_contacts"] = on_roster & (out["new_contacts_per_day"] >= th.new_per_day)
    out["over_groups"] = on_roster & (out["members_per_group"] >= th.group_share * th.group_cap)
    out["over_tasks"] = on_roster & (out["tasks_per_day"] >= th.tasks_per_day)
    # No reported activity at all counts as inactive: a member who never opened WeCom is idle.
    out["idle_inactive"] = enabled & (out["active_days"].fillna(0) == 0)
    out["idle_few_new"] = enabled & ~out["idle_inactive"] & (out["new_contacts_per_month"] < th.new_per_month_floor)
    out["overloaded"] = out[list(OVERLOAD_RULES)].any(axis=1)
    out["idle"] = out[list(IDLE_RULES)].any(axis=1)
    out["flag"] = np.select([out["overloaded"], out["idle"]], ["overloaded", "idle"], "normal")
    return out


def quantile_bins(values: pd.Series, bins: int) -> pd.Series:
    """Bin number (0 = least work) of each value by quantiles; equal quantile edges merge,
    so many staff with the same workload (often zero) share one bin instead of being split
    arbitrarily."""
    edges = np.unique(np.quantile(values.to_numpy(dtype=float), np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return pd.Series(0, index=values.index)
    return pd.Series(np.digitize(values, edges[1:-1], right=True), index=values.index)


def by_workload(staff: pd.DataFrame, *, x: str, y: str, bins: int = 5) -> pd.DataFrame:
    """Conversion against workload: staff cut into quantile bins of `x`; per bin the staff
    count, the range of `x`, Σx, Σy, and the ratios of sums Σx/staff, Σy/staff and Σy/Σx
    (never means of per-staff ratios)."""
    rows = staff[[x, y]].dropna()
    if rows.empty:
        return pd.DataFrame(columns=["bin", "staff", "x_min", "x_max", "x_sum", "y_sum",
                                     "x_per_staff", "y_per_staff", "y_per_x"])
    rows = rows.assign(bin=quantile_bins(rows[x], bins))
    out = rows.groupby("bin").agg(staff=(x, "size"), x_min=(x, "min"), x_max=(x, "max"),
                                  x_sum=(x, "sum"), y_sum=(y, "sum")).reset_index()
    out["x_per_staff"] = out["x_sum"] / out["staff"]
    out["y_per_staff"] = out["y_sum"] / out["staff"]
    out["y_per_x"] = out["y_sum"].div(out["x_sum"].where(out["x_sum"] > 0))
    out["bin"] = range(len(out))  # consecutive after merged edges
    return out
