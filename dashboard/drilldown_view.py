"""Figures and tables of the drill-down page. Pure functions of DataFrames: no reads, no
Streamlit state. Labels come in from the caller (registry names in the UI language, `t`)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import chart_text, percent
from kpi.registry import METRICS

# The unit's headline: adoption, contacts, conversion.
HEADLINE = ("staff_cnt", "contact_enabled_rate", "active_staff_rate", "new_contact_cnt",
            "contacts_live", "account_cnt", "funded_cnt", "deposit_amount")
# What a bar can show, what a treemap cell's size and colour can be.
BAR_METRICS = ("contact_enabled_rate", "active_staff_rate", "coverage_rate", "new_contact_cnt",
               "contacts_live", "account_cnt", "funded_cnt", "deposit_amount", "staff_cnt")
SIZE_METRICS = ("staff_cnt", "contacts_live")
COLOUR_METRICS = ("active_staff_rate", "contact_enabled_rate", "coverage_rate", "opening_rate")
# The children's table (every metric above, in reading order).
TABLE_METRICS = ("staff_cnt", "contact_enabled_cnt", "contact_enabled_rate", "active_7d_cnt",
                 "active_staff_rate", "new_contact_cnt", "contacts_live", "coverage_rate",
                 "account_cnt", "funded_cnt", "opening_rate", "deposit_amount")
CHILD_METRICS = tuple(dict.fromkeys((*TABLE_METRICS, *BAR_METRICS, *COLOUR_METRICS)))
# A staff member's figures, named as in kpi.staff (the count ones share registry names).
STAFF_METRICS = ("new_contact_cnt", "contacts_live", "chat_cnt", "message_cnt", "account_cnt",
                 "funded_cnt", "deposit_amount")
STAFF_COUNTS = ("managed_customers", "contacts_live", "new_contact_cnt", "chat_cnt", "message_cnt",
                "chat_total", "new_member_cnt", "tasks_assigned", "tasks_done", "card_cnt",
                "account_cnt", "funded_cnt")
RATE_UNITS = ("ratio",)

Label = Callable[[str], str]


def metric_label(name: str, language: str) -> str:
    """The registry's name of a metric in the UI language."""
    metric = METRICS[name]
    return metric.name_zh if language == "zh-CN" else metric.name_en


def is_rate(name: str) -> bool:
    return METRICS[name].unit in RATE_UNITS


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def display(name: str, value: float | None, language: str = "zh-CN") -> str:
    """A value as a person reads it: rates in %, amounts in 万元 / ¥M, counts with separators."""
    unit = METRICS[name].unit
    if unit == "ratio":
        return percent(value)
    if _missing(value):
        return "–"
    if unit == "CNY":
        return money(value, language)
    if unit in ("count", "staff_days"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def money(value: float, language: str, *, signed: bool = False) -> str:
    """CNY the way the reader counts: 万 and 亿 in Chinese, thousands and millions in English."""
    sign = "-" if value < 0 else "+" if signed else ""
    size = abs(value)
    if language == "zh-CN":
        for above, unit, word, digits in ((1e8, 1e8, "亿元", 2), (1e7, 1e4, "万元", 0), (1e4, 1e4, "万元", 1)):
            if size >= above:
                return f"{sign}{size / unit:,.{digits}f} {word}"
        return f"{sign}{size:,.0f} 元"
    for above, word in ((1e6, "M"), (1e3, "K")):
        if size >= above:
            return f"{sign}¥{size / above:,.2f}{word}"
    return f"{sign}¥{size:,.0f}"


def change(name: str, now: float | None, before: float | None, language: str = "zh-CN") -> str | None:
    """Change against the previous period: percentage points for rates; None if unknown."""
    if _missing(now) or _missing(before):
        return None
    if is_rate(name):
        return f"{(now - before) * 100:+.1f} pp"
    if METRICS[name].unit == "CNY":
        return money(now - before, language, signed=True)
    return f"{now - before:+,.0f}"


def _axis_format(name: str) -> dict[str, str]:
    return {"tickformat": ".0%"} if is_rate(name) else {"tickformat": ",~s"}


def _hover_value(name: str, field: str) -> str:
    return f"%{{{field}:.1%}}" if is_rate(name) else f"%{{{field}:,.0f}}"


def metric_bars(frame: pd.DataFrame, *, metric: str, label: str, name_column: str, id_column: str,
                drill: bool, language: str) -> go.Figure:
    """Horizontal bars of one metric, largest on top, one per id (two staff may share a
    name), labelled by name. With `drill` each bar carries its id to drill to (customdata)."""
    rows = frame.sort_values(metric, ascending=True, na_position="first")
    names = chart_text(rows[name_column])
    figure = go.Figure(go.Bar(
        x=rows[metric], y=rows[id_column].astype(str), orientation="h", name=label,
        marker_color="#1f6feb", hovertext=names,
        text=[display(metric, v, language) for v in rows[metric]],
        textposition="outside", textangle=0, cliponaxis=False,
        customdata=rows[id_column] if drill else None,
        hovertemplate="%{hovertext}<br>" + label + ": " + _hover_value(metric, "x") + "<extra></extra>",
    ))
    top = rows[metric].max()
    top = 1.0 if is_rate(metric) and not top > 1 else (top if top > 0 else 1.0)
    figure.update_layout(  # headroom on the right for the value printed after each bar
        xaxis={"title": {"text": label}, "range": [0, top * 1.15], **_axis_format(metric)},
        yaxis={"automargin": True, "type": "category", "tickmode": "array",
               "tickvals": rows[id_column].astype(str).tolist(), "ticktext": names.tolist()},
        margin={"l": 10, "r": 10, "t": 36, "b": 10},  # room for the modebar above the top bar
        height=max(260, 26 * len(rows) + 110),
        showlegend=False,
    )
    return figure


def children_treemap(children: pd.DataFrame, *, root: tuple[str, str], size: str, colour: str,
                     labels: Label, name_column: str) -> go.Figure:
    """Children as cells under the unit in view: area = `size`, colour = the rate `colour`.
    Cell ids are unit codes: Streamlit reports a treemap click by id, not customdata."""
    code, name = root
    rates = children[colour].astype(float)
    figure = go.Figure(go.Treemap(
        ids=[code, *children["unit_code"]],
        labels=[html.escape(str(name)), *chart_text(children[name_column])],
        parents=["", *[code] * len(children)],
        values=[0, *children[size].fillna(0)],
        marker={"colors": [None, *rates.where(rates.notna(), None)], "colorscale": "RdYlGn",
                "cmin": 0, "cmax": 1, "colorbar": {"title": {"text": labels(colour)}, "tickformat": ".0%"}},
        text=["", *rates.map(percent)],  # "–" for a missing rate; templates cannot format %{color}
        texttemplate="%{label}<br>%{value:,.0f} · %{text}",
        hovertemplate=("%{label}<br>" + labels(size) + ": %{value:,.0f}<br>" + labels(colour)
                       + ": %{text}<extra></extra>"),
        branchvalues="remainder",
        maxdepth=2,
    ))
    figure.update_layout(margin={"l": 0, "r": 0, "t": 30, "b": 0}, height=420)
    return figure


def picked_unit(events: Iterable[object], codes: Iterable[str]) -> str | None:
    """The child a person clicked in any of the charts: a bar's customdata or a treemap
    cell's id, kept only when it is one of `codes` (a click on the root cell is no drill)."""
    allowed = set(codes)
    for event in events:
        try:
            points = event["selection"]["points"]  # type: ignore[index]
        except (KeyError, TypeError):
            continue
        for point in points:
            found = point.get("customdata")
            found = found[0] if isinstance(found, list) and found else found
            for candidate in (found, point.get("id")):
                if isinstance(candidate, str) and candidate in allowed:
                    return candidate
    return None


def children_table(children: pd.DataFrame, *, name_column: str, labels: Label,
                   t: Callable[..., str]) -> pd.DataFrame:
    """The children and their KPIs with translated headers; rates as %, counts as integers."""
    table = pd.DataFrame({t("drilldown.col.unit"): children[name_column].astype(str),
                          t("drilldown.col.code"): children["unit_code"]})
    for name in TABLE_METRICS:
        table[labels(name)] = _column(children[name], name)
    return table


def _column(values: pd.Series, name: str) -> pd.Series:
    unit = METRICS[name].unit
    if unit == "ratio":
        return values.map(percent)
    if unit == "CNY":
        return values.astype(float).round(2)
    return values.round().astype("Int64")


def staff_table(staff: pd.DataFrame, *, labels: Label, t: Callable[..., str]) -> pd.DataFrame:
    """One row per staff member: who they are, their WeCom status, workload and sales.
    Names stay plain cell values (the Excel export neutralises formulas)."""
    rows = staff.sort_values(["new_contact_cnt", "staff_id"], ascending=[False, True])
    table = pd.DataFrame({
        t("drilldown.col.name"): rows["name"].astype(str),
        t("drilldown.col.staff_id"): rows["staff_id"].astype(str),
        t("drilldown.col.role"): rows["role"].map(lambda r: _known(t, "drilldown.role", r)),
        t("drilldown.col.wecom_status"): rows["wecom_status"].map(lambda s: _known(t, "drilldown.wecom", s)),
        t("drilldown.col.contact_enabled"): rows["contact_enabled"].map(
            lambda v: t("drilldown.yes") if bool(v) else t("drilldown.no")),
    })
    for name in STAFF_COUNTS:
        table[labels(name)] = rows[name].fillna(0).round().astype("Int64")
    table[labels("deposit_amount")] = rows["deposit_amount"].astype(float).round(2)
    table[t("drilldown.col.active_days")] = rows["active_days"].fillna(0).astype("Int64")
    return table.reset_index(drop=True)


def _known(t: Callable[..., str], prefix: str, value: object) -> str:
    """A translated code (role, WeCom status); an unknown code shows as itself."""
    try:
        return t(f"{prefix}.{value}")
    except KeyError:
        return str(value)
