"""Figures and display tables. Pure functions of DataFrames: no reads, no Streamlit state."""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

COLOURS = {"contact_enabled_rate": "#1f6feb", "active_staff_rate": "#2da44e"}


def chart_text(values: pd.Series) -> pd.Series:
    """Names for plotly, which reads a subset of HTML in labels: escaped, they stay text."""
    return values.astype(str).map(html.escape)


def percent(value: float | None) -> str:
    """A rate as a percentage; a missing rate (no denominator) shows as a dash, never 0%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1%}"


def adoption_bars(children: pd.DataFrame, *, name_column: str, labels: dict[str, str]) -> go.Figure:
    """Grouped bars of enabled and active rates per child unit; each bar carries its code."""
    figure = go.Figure()
    for metric, label in labels.items():
        figure.add_bar(
            x=children[name_column],
            y=children[metric],
            name=label,
            marker_color=COLOURS.get(metric),
            customdata=children["unit_code"],
            hovertemplate="%{x}<br>" + label + ": %{y:.1%}<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        yaxis={"tickformat": ".0%", "range": [0, 1]},
        legend={"orientation": "h", "y": 1.1},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=380,
    )
    return figure


def picked_code(event: object) -> str | None:
    """The unit code of the bar a person clicked, if any."""
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    for point in points:
        code = point.get("customdata")
        if isinstance(code, list):
            code = code[0] if code else None
        if code:
            return str(code)
    return None


def adoption_table(children: pd.DataFrame, *, name_column: str, t: Callable[..., str]) -> pd.DataFrame:
    """The children's adoption figures with translated headers, rates as percentages."""
    table = pd.DataFrame(
        {
            t("col.unit"): children[name_column],
            t("col.code"): children["unit_code"],
            t("col.staff"): children["staff_cnt"].astype("Int64"),
            t("col.enabled"): children["contact_enabled_cnt"].astype("Int64"),
            t("col.enabled_rate"): children["contact_enabled_rate"].map(percent),
            t("col.active"): children["active_7d_cnt"].astype("Int64"),
            t("col.active_rate"): children["active_staff_rate"].map(percent),
            t("col.contacts_added"): children["new_contact_cnt"].astype("Int64"),
        }
    )
    return table
