"""Outlet comparison: league table with peer groups and change vs last period, the adoption vs
conversion scatter, distributions per peer group and an outlet's staff.

Pure functions of DataFrames (the metric frames of dashboard.data): no reads, no Streamlit.
Scores, peer groups and ranks come from kpi (bulletin.rankings, scorecard), never re-derived
here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import percent
from kpi.bulletin import RANKING_METRICS, rankings
from kpi.registry import METRICS
from kpi.scorecard import peer_groups, rank_within_groups

Translate = Callable[..., str]

ADOPTION = ("contact_enabled_rate", "active_staff_rate")
CONTACTS = ("new_contact_cnt", "contacts_live", "contacts_per_manager")
CONVERSION = ("account_cnt", "funded_cnt", "opening_rate", "funding_rate")
SHOWN = ("staff_cnt", *ADOPTION, *CONTACTS, *CONVERSION)
LEAGUE_METRICS = tuple(dict.fromkeys((*SHOWN, *RANKING_METRICS)))
X_CHOICES = ADOPTION
Y_CHOICES = ("opening_rate", "funding_rate")
STAFF_COLUMNS = ("new_contact_cnt", "contacts_live", "chat_cnt", "message_cnt",
                 "tasks_assigned", "tasks_done", "account_cnt", "funded_cnt")
ROLES = ("customer_manager", "wealth_manager", "teller", "outlet_head", "branch_head", "back_office")
PALETTE = ("#8ecae6", "#219ebc", "#fb8500", "#023047")
SELECTED = "#d62728"
RATE_UNITS = ("ratio",)


def metric_labels(language: str) -> dict[str, str]:
    """Every registry metric's name in the UI language (the registry is the authority)."""
    return {name: m.name_zh if language == "zh-CN" else m.name_en for name, m in METRICS.items()}


def group_count(outlets: int) -> int:
    """How many size groups: enough outlets per group that a rank means something."""
    return max(1, min(4, outlets // 6))


def scope_choices(units: pd.DataFrame, *, name_column: str) -> dict[str, str]:
    """Root, provinces and branches in tree order, each labelled with its path below the root
    (outlets are what is compared, so they are not offered as a scope)."""
    inner = units[units["level"] != "outlet"]
    children = inner.groupby("parent_code")["code"].apply(sorted).to_dict()
    names = dict(zip(inner["code"], inner[name_column], strict=True))
    roots = [c for c, parent in zip(inner["code"], inner["parent_code"], strict=True) if parent not in names]
    out: dict[str, str] = {}
    stack = [(c, names[c], 0) for c in reversed(sorted(roots))]
    while stack:
        code, label, depth = stack.pop()
        out[code] = label
        prefix = "" if depth == 0 else label + " / "
        stack += [(c, prefix + names[c], depth + 1) for c in reversed(children.get(code, []))]
    return out


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Score (kpi.bulletin.rankings) over every grouped outlet, rank within its peer group."""
    grouped = frame[frame["peer_group"].notna()]
    if grouped.empty:
        return frame.assign(score=np.nan, rank=pd.NA, group_size=pd.NA)
    scored = rankings(grouped).rename(columns={"rank": "overall_rank"})
    ranked = rank_within_groups(scored, score_column="score")
    return pd.concat([ranked, frame[frame["peer_group"].isna()]], ignore_index=True)


def league(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """One row per outlet: its metrics, peer group by staff on roster (an outlet with nobody on
    the roster at period end is not grouped nor ranked), score, rank in group, and the same
    outlet's score, rank (within today's groups, so a change of rank is a like-for-like move)
    and metrics last period as prev_*."""
    sized = current.assign(size=current["staff_cnt"].where(current["staff_cnt"] > 0))
    n_groups = group_count(int(sized["size"].notna().sum()))
    ranked = _ranked(peer_groups(sized, size_column="size", n_groups=n_groups).drop(columns="size"))
    before = _previous(previous, ranked[["unit_code", "peer_group"]])
    out = ranked.merge(before, on="unit_code", how="left")
    out["rank_change"] = (out["prev_rank"] - out["rank"]).astype("Int64")  # > 0: moved up
    out["score_change"] = out["score"] - out["prev_score"]
    return out.sort_values(["peer_group", "rank", "unit_code"], na_position="last").reset_index(drop=True)


def _previous(previous: pd.DataFrame | None, groups: pd.DataFrame) -> pd.DataFrame:
    columns = ["unit_code", "prev_score", "prev_rank", *[f"prev_{m}" for m in LEAGUE_METRICS]]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=columns).astype({"unit_code": str, "prev_rank": "Int64"})
    ranked = _ranked(previous[["unit_code", *LEAGUE_METRICS]].merge(groups, on="unit_code"))
    values = previous[["unit_code", *LEAGUE_METRICS]].add_prefix("prev_").rename(
        columns={"prev_unit_code": "unit_code"})
    ranks = ranked[["unit_code", "score", "rank"]].rename(columns={"score": "prev_score", "rank": "prev_rank"})
    return values.merge(ranks, on="unit_code", how="left")[columns]


def group_names(frame: pd.DataFrame, t: Translate) -> dict[int, str]:
    """Each peer group's label with the staff range it covers."""
    sizes = frame.dropna(subset=["peer_group"]).groupby("peer_group")["staff_cnt"].agg(["min", "max"])
    return {int(g): t("compare.group", group=int(g), low=int(r["min"]), high=int(r["max"])) if r["min"] < r["max"]
            else t("compare.group_one", group=int(g), staff=int(r["min"])) for g, r in sizes.iterrows()}


def shown(values: pd.Series, metric: str) -> pd.Series:
    """A metric column as people read it: rates in %, per-staff with one decimal, counts whole;
    a missing ratio is "–", never 0."""
    unit = METRICS[metric].unit
    if unit in RATE_UNITS:
        return values.map(percent)
    if unit == "count":
        return values.round().astype("Int64")
    return values.map(lambda v: "–" if missing(v) else f"{v:,.1f}")


def shown_change(values: pd.Series, metric: str, t: Translate) -> pd.Series:
    """A change vs last period with its sign: rates in percentage points, counts whole."""
    unit = METRICS[metric].unit
    if unit == "count":
        return values.round().astype("Int64")
    if unit in RATE_UNITS:
        return values.map(lambda v: "–" if missing(v) else t("compare.points", value=f"{100 * v:+.1f}"))
    return values.map(lambda v: "–" if missing(v) else f"{v:+,.1f}")


def missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def league_table(frame: pd.DataFrame, *, name_column: str, labels: Mapping[str, str], t: Translate,
                 change_metric: str) -> pd.DataFrame:
    """The league with translated headers, in peer-group and rank order."""
    names = group_names(frame, t)
    table = {
        t("compare.col.group"): frame["peer_group"].map(lambda g: t("compare.group_none") if missing(g) else names[int(g)]),
        t("compare.col.rank"): frame["rank"].astype("Int64"),
        t("compare.col.rank_change"): frame["rank_change"].astype("Int64"),
        t("compare.col.score"): frame["score"].round(1),
        t("compare.col.score_change"): frame["score_change"].round(1),
        t("compare.col.unit"): frame[name_column],
        t("compare.col.code"): frame["unit_code"],
    }
    table |= {labels[m]: shown(frame[m], m) for m in SHOWN}
    change = frame[change_metric] - frame[f"prev_{change_metric}"]
    table[t("compare.col.change", metric=labels[change_metric])] = shown_change(change, change_metric, t)
    return pd.DataFrame(table)


def axis_title(metric: str, labels: Mapping[str, str], t: Translate) -> str:
    """An axis title that says what the ratio divides (the reader should not have to guess)."""
    return t("compare.axis", metric=labels[metric], formula=t(f"compare.formula.{metric}"))


def _axis(metric: str, labels: Mapping[str, str], t: Translate) -> dict:
    rate = METRICS[metric].unit in RATE_UNITS
    return {"title": {"text": axis_title(metric, labels, t)}, "tickformat": ".0%" if rate else ",.1f",
            "zeroline": False}


def scatter(frame: pd.DataFrame, *, x: str, y: str, name_column: str, labels: Mapping[str, str],
            t: Translate, selected: str | None, overall: Mapping[str, float] | None) -> go.Figure:
    """Adoption (x) against conversion (y): bubble area = staff on roster, colour = peer group;
    each point carries its outlet code for click-to-select. Dotted lines mark the whole scope's
    own ratio (of sums), so the quadrants read as above or below the scope."""
    figure = go.Figure()
    names = group_names(frame, t)
    plotted = frame.dropna(subset=[x, y, "peer_group"])
    widest = 40 if len(plotted) <= 40 else 26  # px: smaller bubbles when there are many
    sizeref = 2.0 * max(float(plotted["staff_cnt"].max() or 1), 1.0) / widest**2
    bubble = {"sizemode": "area", "sizeref": sizeref, "sizemin": 5}
    for group, rows in plotted.groupby("peer_group"):
        figure.add_scatter(
            x=rows[x], y=rows[y], mode="markers", name=names[int(group)],
            customdata=rows["unit_code"], text=rows[name_column],
            marker={**bubble, "size": rows["staff_cnt"], "color": PALETTE[(int(group) - 1) % len(PALETTE)],
                    "opacity": 0.8, "line": {"width": 0.5, "color": "#ffffff"}},
            hovertemplate=(f"<b>%{{text}}</b> (%{{customdata}})<br>{labels[x]}: %{{x:.1%}}<br>"
                           f"{labels[y]}: %{{y:.1%}}<br>{labels['staff_cnt']}: %{{marker.size}}<extra></extra>"),
        )
    for metric, add in ((x, figure.add_vline), (y, figure.add_hline)):
        value = (overall or {}).get(metric)
        if not missing(value):
            add(value, line_dash="dot", line_color="#888888")
    if selected in set(plotted["unit_code"]):  # a ring on the selected outlet, and its name
        point = plotted.set_index("unit_code").loc[selected]
        figure.add_scatter(x=[point[x]], y=[point[y]], mode="markers", showlegend=False, hoverinfo="skip",
                           customdata=[selected], marker={**bubble, "size": [point["staff_cnt"]],
                           "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": SELECTED}})
        figure.add_annotation(x=point[x], y=point[y], text=point[name_column], showarrow=True,
                              arrowcolor=SELECTED, font={"color": SELECTED}, bgcolor="rgba(255,255,255,0.8)")
    figure.update_layout(xaxis=_axis(x, labels, t), yaxis=_axis(y, labels, t), height=480,
                         legend={"orientation": "h", "y": 1.08, "itemsizing": "constant",
                                 "title": {"text": t("compare.col.group")}},
                         margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


def distribution(frame: pd.DataFrame, *, metric: str, name_column: str, labels: Mapping[str, str],
                 t: Translate) -> go.Figure:
    """One box per peer group with every outlet as a point (hover names it)."""
    figure = go.Figure()
    names = group_names(frame, t)
    rate = METRICS[metric].unit in RATE_UNITS
    for group, rows in frame.dropna(subset=["peer_group"]).groupby("peer_group"):
        figure.add_box(
            y=rows[metric], name=names[int(group)], boxpoints="all", jitter=0.4, pointpos=0,
            marker_color=PALETTE[(int(group) - 1) % len(PALETTE)], customdata=rows["unit_code"],
            text=rows[name_column], boxmean=True,
            hovertemplate=f"%{{text}} (%{{customdata}})<br>{labels[metric]}: %{{y:{'.1%' if rate else ',.1f'}}}<extra></extra>",
        )
    figure.update_layout(yaxis={"title": {"text": labels[metric]}, "tickformat": ".0%" if rate else ",.0f"},
                         showlegend=False, height=420, margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return figure


def staff_table(staff: pd.DataFrame, *, labels: Mapping[str, str], t: Translate) -> pd.DataFrame:
    """The outlet's staff: who they are, role, permission, and their contacts, chats, messages,
    tasks and conversions over the period (most new contacts first)."""
    rows = staff.sort_values(["new_contact_cnt", "staff_id"], ascending=[False, True])
    table = {
        t("compare.col.staff_name"): rows["name"],
        t("compare.col.staff_id"): rows["staff_id"],
        t("compare.col.role"): rows["role"].map(lambda r: t(f"compare.role.{r}") if r in ROLES else r),
        t("compare.col.enabled"): rows["contact_enabled"].map(lambda e: t("compare.yes") if e else t("compare.no")),
        t("compare.col.active_days"): rows["active_days"].astype("Int64"),
    }
    table |= {labels[m]: rows[m].fillna(0).round().astype("Int64") for m in STAFF_COLUMNS}
    return pd.DataFrame(table)
