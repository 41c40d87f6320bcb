"""Figures and tables of the overview page: pure functions of DataFrames."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import percent
from kpi.attainment import attainment as judge
from kpi.registry import METRICS

# The rollout S-curve's metric. store.schema.TREND_COLUMNS holds its terms in rollup_day's
# indexes, so a year of the curve is read from the index alone (tests/dashboard checks they agree).
S_CURVE = "contact_enabled_rate"
HEADLINES = ("contact_enabled_rate", "active_staff_rate", "new_contact_cnt", "contacts_live",
             "account_cnt", "funded_cnt", "card_cnt", "deposit_amount")


def metric_label(name: str, language: str) -> str:
    metric = METRICS[name]
    return metric.name_zh if language == "zh-CN" else metric.name_en


def fmt(name: str, value: float | None) -> str:
    """A metric value as a person reads it: rates as %, money in 万 CNY, counts with commas."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    unit = METRICS[name].unit
    if unit in ("ratio",):
        return percent(value)
    if unit == "CNY":  # 亿 (10^8) and 万 (10^4): how Chinese bank reports state money
        return f"¥{value / 1e8:,.2f}亿" if abs(value) >= 1e8 else f"¥{value / 1e4:,.1f}万"
    return f"{value:,.0f}"


def headline_attainment(cells: pd.DataFrame, *, period: str, as_of: date) -> pd.DataFrame:
    """Per KPI: Σ target and Σ actual over the cells that can be attributed, and completion,
    time progress, gap and status of those sums (a ratio of sums, never a mean of ratios)."""
    if cells.empty:
        return pd.DataFrame(columns=["kpi", "target", "actual", "completion", "time_progress", "gap", "status"])
    usable = cells[cells["actual"].notna()]
    summed = usable.groupby("kpi", as_index=False)[["target", "actual"]].sum()
    return judge(summed.assign(period=period), as_of=as_of)[
        ["kpi", "target", "actual", "completion", "time_progress", "gap", "status"]]


def s_curves(daily: pd.DataFrame, plan: pd.DataFrame, *, name_column: str, metric: str,
             plan_label: str, y_label: str) -> go.Figure:
    """Daily lines of `metric` per unit, with the plan's month-end values as dashed steps."""
    figure = go.Figure()
    palette = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#1b7c83", "#57606a", "#d4a72c"]
    for i, (code, rows) in enumerate(daily.groupby("unit_code", sort=True)):
        colour = palette[i % len(palette)]
        name = rows[name_column].iloc[0]
        figure.add_scatter(x=rows["day"], y=rows[metric], mode="lines", name=name, line={"color": colour},
                           customdata=[code] * len(rows), hovertemplate="%{x}<br>" + name + ": %{y:.1%}<extra></extra>")
        planned = plan[plan["unit_code"] == code]
        if not planned.empty:
            ends = pd.PeriodIndex(planned["period"], freq="M").to_timestamp(how="end").normalize()
            figure.add_scatter(x=ends, y=planned["value"], mode="lines+markers", line={"color": colour, "dash": "dot"},
                               name=f"{name} · {plan_label}", showlegend=False, legendgroup=code,
                               hovertemplate="%{x|%Y-%m}<br>" + name + " " + plan_label + ": %{y:.0%}<extra></extra>")
    figure.update_layout(yaxis={"tickformat": ".0%", "range": [0, 1], "title": y_label}, height=380,
                         margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend={"orientation": "h", "y": 1.12})
    return figure


def lagging_table(cells: pd.DataFrame, *, name_column: str, t: Callable[..., str], language: str) -> pd.DataFrame:
    """Children behind time progress (red, then amber), with which KPI and how far behind."""
    behind = cells[cells["status"].isin(["red", "amber"])].copy()
    behind["order"] = behind["status"].map({"red": 0, "amber": 1})
    behind = behind.sort_values(["order", "gap"])
    return pd.DataFrame({
        t("overview.col.status"): behind["status"].map(lambda s: t(f"overview.status.{s}")),
        t("col.unit"): behind[name_column],
        t("overview.col.kpi"): behind["kpi"].map(lambda k: metric_label(k, language)),
        t("overview.col.cell"): [_cell(r, t) for r in behind.itertuples()],
        t("overview.col.target"): [fmt(k, v) for k, v in zip(behind["kpi"], behind["target"], strict=True)],
        t("overview.col.actual"): [fmt(k, v) for k, v in zip(behind["kpi"], behind["actual"], strict=True)],
        t("overview.col.completion"): behind["completion"].map(percent),
        t("overview.col.time_progress"): behind["time_progress"].map(percent),
        t("overview.col.gap"): behind["gap"].map(lambda g: f"{g * 100:+.1f} pt"),
    })


def _cell(row, t: Callable[..., str]) -> str:  # noqa: ANN001 - a namedtuple row
    parts = [t(f"department.{row.department}")]
    parts += [t(f"overview.{dim}.{value}") for dim, value in (("kind", row.kind), ("segment", row.segment)) if value != "all"]
    return " · ".join(parts)
