"""Figures and tables of the workload page. Pure functions of DataFrames: no reads, no
Streamlit state; text comes in through `t` and metric labels from the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go

from kpi.registry import METRICS
from kpi.workload import FLAGS, IDLE_RULES, OVERLOAD_RULES, Thresholds

Translate = Callable[..., str]
ROLES = ("customer_manager", "wealth_manager", "outlet_head", "branch_head", "teller", "back_office")
FLAG_COLOURS = {"overloaded": "#cf222e", "idle": "#bf8700", "normal": "#8c959f"}
# Per-day rates shown as "<registry metric> per day": (rate column, registry metric).
RATE_OF = {"new_contacts_per_day": "new_contact_cnt", "chats_per_day": "chat_cnt",
           "messages_per_day": "message_cnt", "tasks_per_day": "tasks_assigned"}
WORKLOADS = ("new_contacts_per_day", "messages_per_day", "chats_per_day", "contacts_live", "chat_total", "tasks_per_day")
CONVERSIONS = ("account_cnt", "funded_cnt", "card_cnt", "wealth_cnt", "deposit_amount", "wealth_amount")
DISTRIBUTIONS = ("contacts_live", "new_contacts_per_day", "chat_cnt", "message_cnt", "chat_total")
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}


def label(column: str, language: str, t: Translate) -> str:
    """A column's label: the registry's name, or "<registry name> per day" for a rate."""
    metric = METRICS[RATE_OF.get(column, column)]
    name = metric.name_zh if language == "zh-CN" else metric.name_en
    return t("workload.per_day", metric=name) if column in RATE_OF else name


def roles_present(staff: pd.DataFrame) -> list[str]:
    """Roles in the data in a fixed, meaningful order (customer managers first)."""
    found = set(staff["role"].dropna())
    return [r for r in ROLES if r in found] + sorted(found - set(ROLES))


def role_label(role: str, t: Translate) -> str:
    return t(f"workload.role.{role}") if role in ROLES else role


def unit_label(code: str, *, level: str | None, name: str, t: Translate) -> str:
    """A unit in the scope picker: its level, name and code (the code makes it searchable)."""
    return f"{t(f'level.{level}')} · {name} ({code})" if level else f"{name} ({code})"


def box_by_role(staff: pd.DataFrame, columns: dict[str, str], *, t: Translate, y_title: str) -> go.Figure:
    """Box plots of one or more columns per role (several columns are grouped side by side)."""
    figure = go.Figure()
    order = roles_present(staff)
    names = staff["role"].map(lambda r: role_label(r, t))
    for column, name in columns.items():
        figure.add_box(x=names, y=staff[column], name=name, boxpoints="outliers",
                       hovertext=staff["name"], showlegend=len(columns) > 1)
    figure.update_layout(boxmode="group", yaxis_title=y_title, xaxis_title=t("workload.col.role"),
                         xaxis={"categoryorder": "array", "categoryarray": [role_label(r, t) for r in order]},
                         legend={"orientation": "h", "y": 1.1}, margin=MARGIN, height=360)
    return figure


def _number(value: float, digits: int = 1) -> str:
    """A figure for reading; a missing ratio (no denominator) is a dash, never 0."""
    return "–" if pd.isna(value) else f"{value:,.{digits}f}"


def reasons(row: pd.Series, thresholds: Thresholds, rules: Iterable[str], t: Translate) -> str:
    """Why a staff member is flagged, one clause per rule that fired."""
    th = thresholds
    values = {
        "over_contacts": {"value": _number(row["contacts_live"], 0), "limit": _number(th.contact_share * th.contact_cap, 0)},
        "over_new_contacts": {"value": _number(row["new_contacts_per_day"]), "limit": _number(th.new_per_day)},
        "over_groups": {"value": _number(row["members_per_group"]), "limit": _number(th.group_share * th.group_cap)},
        "over_tasks": {"value": _number(row["tasks_per_day"]), "limit": _number(th.tasks_per_day)},
        "idle_inactive": {},
        "idle_few_new": {"value": _number(row["new_contacts_per_month"]), "limit": _number(th.new_per_month_floor)},
    }
    return t("workload.reason_separator").join(t(f"workload.reason.{rule}", **values[rule]) for rule in rules if row[rule])


def flagged_table(staff: pd.DataFrame, which: str, *, thresholds: Thresholds, outlets: dict[str, str],
                  t: Translate, language: str) -> pd.DataFrame:
    """The staff flagged `which` ("overloaded" or "idle") with their reasons and key numbers."""
    rules = OVERLOAD_RULES if which == "overloaded" else IDLE_RULES
    rows = staff[staff[which]].sort_values(["outlet_code", "staff_id"])
    shown = ("contacts_live", "new_contacts_per_day", "members_per_group", "tasks_per_day") if which == "overloaded" \
        else ("contacts_live", "new_contacts_per_month", "chat_cnt")
    table = pd.DataFrame({
        t("workload.col.staff"): rows["name"],
        t("workload.col.staff_id"): rows["staff_id"],
        t("workload.col.outlet"): rows["outlet_code"].map(lambda c: outlets.get(c, c)),
        t("workload.col.role"): rows["role"].map(lambda r: role_label(r, t)),
        t("workload.col.reasons"): [reasons(row, thresholds, rules, t) for _, row in rows.iterrows()],
        t("workload.col.active_days"): rows["active_days"].astype("Int64"),
    })
    for column in shown:
        header = t("workload.col.new_per_month") if column == "new_contacts_per_month" else \
            t("workload.col.members_per_group") if column == "members_per_group" else label(column, language, t)
        values = rows[column]
        table[header] = values.map(_number).to_numpy() if column == "members_per_group" else values.round(1).to_numpy()
    return table.reset_index(drop=True)


def scatter(staff: pd.DataFrame, *, x: str, y: str, x_title: str, y_title: str, t: Translate) -> go.Figure:
    """One point per staff member: workload against conversion, coloured by flag."""
    figure = go.Figure()
    for flag in reversed(FLAGS):  # normal first, so flagged points are drawn on top
        rows = staff[staff["flag"] == flag]
        if rows.empty:
            continue
        figure.add_scatter(
            x=rows[x], y=rows[y], mode="markers", name=t(f"workload.flag.{flag}"),
            marker={"color": FLAG_COLOURS[flag], "size": 7, "opacity": 0.75},
            customdata=rows[["name", "staff_id", "outlet_code"]].to_numpy(),
            hovertemplate="%{customdata[0]} (%{customdata[1]}, %{customdata[2]})<br>"
                          + x_title + ": %{x:,.1f}<br>" + y_title + ": %{y:,.0f}<extra></extra>",
        )
    figure.update_layout(xaxis_title=x_title, yaxis_title=y_title, legend={"orientation": "h", "y": 1.1},
                         margin=MARGIN, height=420)
    return figure


def bin_labels(bins: pd.DataFrame, t: Translate) -> list[str]:
    return [t("workload.bin_label", rank=b + 1, low=_number(lo), high=_number(hi))
            for b, lo, hi in zip(bins["bin"], bins["x_min"], bins["x_max"], strict=True)]


def bins_figure(bins: pd.DataFrame, *, y_title: str, t: Translate) -> go.Figure:
    """Conversion per staff in each workload bin: does more work bring more conversions?"""
    figure = go.Figure()
    figure.add_bar(x=bin_labels(bins, t), y=bins["y_per_staff"], marker_color="#1f6feb",
                   text=[_number(v) for v in bins["y_per_staff"]], textposition="outside",
                   customdata=bins["staff"],
                   hovertemplate="%{x}<br>" + y_title + ": %{y:,.2f}<br>" + t("workload.col.bin_staff")
                                 + ": %{customdata}<extra></extra>")
    figure.update_layout(yaxis_title=y_title, xaxis_title=t("workload.col.bin"), margin=MARGIN, height=360)
    return figure


def bins_table(bins: pd.DataFrame, *, x_title: str, y_title: str, t: Translate) -> pd.DataFrame:
    return pd.DataFrame({
        t("workload.col.bin"): bin_labels(bins, t),
        t("workload.col.bin_staff"): bins["staff"].astype("Int64"),
        t("workload.col.x_per_staff", metric=x_title): bins["x_per_staff"].round(2),
        t("workload.col.y_sum", metric=y_title): bins["y_sum"].round(2),
        t("workload.col.y_per_staff", metric=y_title): bins["y_per_staff"].round(2),
        t("workload.col.y_per_x"): bins["y_per_x"].map(lambda v: _number(v, 4)),
    })
