"""Figures and tables of the conversion page. Pure functions of DataFrames: no reads, no
Streamlit state; every number arrives computed by the KPI engine through dashboard.data."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import percent
from kpi.targets import DEPARTMENTS, KINDS, SEGMENTS, credit_to_departments

SPLITS = ("segment", "kind", "department")
# add → chat → sell (加·聊·卖). Accounts and funding follow each other; wealth purchases and
# card applications are the other sales a contact can lead to.
STAGES = ("contacts_added", "contacts_first_chat", "account_cnt", "funded_cnt", "wealth_cnt", "card_cnt")
STEP = {"contacts_added": "add", "contacts_first_chat": "chat"}  # every other stage is "sell"
CONTACT_STAGES = ("contacts_added", "contacts_first_chat")
AMOUNTS = ("deposit_amount", "wealth_amount")
RATES = ("opening_rate", "funding_rate", "card_rate")
METRICS = (*STAGES, *AMOUNTS, "new_member_cnt", *RATES)
ORDER = {"segment": SEGMENTS, "kind": KINDS, "department": DEPARTMENTS}
PALETTE = ("#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#1b7c83")
WEEKLY_AFTER_DAYS = 45  # longer periods show weekly points: daily lines get too noisy to read
AMOUNT_UNIT = 10_000  # amounts read in 万元 (10k CNY), as the bank reports them


def stages_for(split: str) -> tuple[str, ...]:
    """Contacts are not split by department (docs/rollup.md), so that view shows sales only."""
    return STAGES[2:] if split == "department" else STAGES


def ordered(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    """Groups in their business order (long tail → private), unknown values last."""
    rank = {value: i for i, value in enumerate(ORDER[split])}
    return frame.sort_values(split, key=lambda c: c.map(rank).fillna(len(rank))).reset_index(drop=True)


def points_delta(now: float, before: float | None) -> float | None:
    """Change of a rate in percentage points; None when either side has no denominator."""
    if before is None or any(v is None or math.isnan(v) for v in (now, before)):
        return None
    return 100 * (now - before)


def with_credited_contacts(split: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The department split with its contact stages replaced: rollups do not split contacts by
    department, so each kind × segment cell is credited to the one department that owns it
    (kpi.targets ownership matrix) and departments add up to the total."""
    credited = credit_to_departments(cells[["kind", "segment", *CONTACT_STAGES]])
    totals = credited.groupby("department", as_index=False)[list(CONTACT_STAGES)].sum()
    return split.drop(columns=list(CONTACT_STAGES)).merge(totals, on="department", how="left").fillna(
        {s: 0 for s in CONTACT_STAGES})


def funnel_figure(split: pd.DataFrame, *, by: str, stage_labels: dict[str, str],
                  group_labels: Callable[[str], str]) -> go.Figure:
    """A funnel whose every stage is stacked by group: its width is the unit's total."""
    stages = stages_for(by)
    figure = go.Figure()
    for index, (_, row) in enumerate(ordered(split, by).iterrows()):
        label = group_labels(row[by])
        figure.add_trace(go.Funnel(
            name=label, y=[stage_labels[s] for s in stages], x=[row[s] for s in stages],
            textinfo="value", texttemplate="%{x:,.0f}", marker_color=PALETTE[index % len(PALETTE)],
            hovertemplate=label + "<br>%{y}: %{x:,.0f}<extra></extra>",
        ))
    figure.update_layout(funnelmode="stack", showlegend=True, legend={"orientation": "h", "y": 1.12},
                         uniformtext={"minsize": 10, "mode": "hide"},
                         margin={"l": 10, "r": 10, "t": 40, "b": 10}, height=420)
    return figure


def trend_figure(trend: pd.DataFrame, *, labels: dict[str, str], rates: bool, x_title: str,
                 y_title: str) -> go.Figure:
    """One line per metric over the days (or weeks) of the period."""
    figure = go.Figure()
    for index, (metric, label) in enumerate(labels.items()):
        value = "%{y:.1%}" if rates else "%{y:,.0f}"
        figure.add_scatter(x=trend["day"], y=trend[metric], name=label, mode="lines+markers",
                           line={"color": PALETTE[index % len(PALETTE)]},
                           hovertemplate="%{x|%Y-%m-%d}<br>" + label + ": " + value + "<extra></extra>")
    # The legend goes below: above the plot its rows would hide the peaks.
    figure.update_layout(xaxis={"title": x_title, "tickformat": "%m-%d"},
                         yaxis={"title": y_title, "tickformat": ".0%" if rates else ",d", "rangemode": "tozero"},
                         legend={"orientation": "h", "yanchor": "top", "y": -0.25},
                         margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=420)
    return figure


def split_table(split: pd.DataFrame, total: pd.Series, *, by: str, columns: dict[str, str],
                group_labels: Callable[[str], str], total_label: str, group_title: str) -> pd.DataFrame:
    """The groups and the unit's total (the engine's, not a sum here) with translated headers;
    counts stay numbers to sort and export, rates show as percentages ("–" when undefined)."""
    rows = ordered(split, by)
    labels = [*(group_labels(v) for v in rows[by]), total_label]
    table = pd.DataFrame({group_title: labels})
    for metric, header in columns.items():
        values = [*rows[metric], total[metric]]
        if metric in RATES:
            table[header] = [percent(v) for v in values]
        elif metric in AMOUNTS:
            table[header] = [round(v / AMOUNT_UNIT, 1) for v in values]
        else:
            table[header] = pd.array([round(v) for v in values], dtype="Int64")
    return table
