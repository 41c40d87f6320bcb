"""The incentives what-if page's shaping: the plan and the scenario, the per-staff rows for
kpi.incentives.what_if, display tables, figures, and the page's one write (save as draft).

Everything but `save_scenario` is a pure function of DataFrames; text comes in through `t`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import ValidationError

from kpi.allocation import Mode, allocate
from kpi.incentives import PayoutCurve, WhatIfResult, what_if
from kpi.registry import METRICS
from kpi.staff_targets import ELIGIBLE_ROLES, ancestor_at, nearest_holder, run_rate_forecast, share_targets
from kpi.targets import parse_period
from store.incentives import check_curve_versions, save_curve_draft
from store.targets import Change, TargetError, save_changes

Translate = Callable[..., str]
# Demo defaults, used until a curve is approved: a fraction of a monthly-style base per role.
DEMO_BASE = {"customer_manager": 3000.0, "wealth_manager": 4000.0}
DEMO_CURVES = {
    "customer_manager": PayoutCurve(role="customer_manager", threshold=0.6, target=1.0, cap=1.5,
                                    threshold_payout=0.3, accelerator=1.5),
    "wealth_manager": PayoutCurve(role="wealth_manager", threshold=0.7, target=1.0, cap=1.5,
                                  threshold_payout=0.4, accelerator=2.0),
}
CURVE_FIELDS = ("threshold", "target", "cap", "threshold_payout", "accelerator")
# Target KPIs with a per-staff actual of the same name in dashboard.data.staff_metrics_in.
STAFF_KPIS = ("account_cnt", "funded_cnt", "card_cnt", "deposit_amount", "wealth_amount", "new_contact_cnt")
UNSPLIT = ("new_contact_cnt",)  # WeCom's new-contact count is not credited to a department
GROUPINGS = ("role", "province", "branch")
PLAN_COLOURS = {"baseline": "#8c959f", "scenario": "#1f6feb"}
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}


@dataclass(frozen=True)
class Plan:
    curves: dict[str, PayoutCurve]
    base: dict[str, float]
    versions: dict[str, int]  # the stored version each role's curve came from (0 = demo default)
    source: str               # "stored" (every role), "partial" or "defaults"


def target_windows(periods: list[str], *, first: date, last: date) -> dict[str, tuple[date, date]]:
    """Target periods overlapping the data, newest first, each with its days that have data."""
    windows = {}
    for period in periods:
        start, end = parse_period(period)
        if start <= last and end >= first:
            windows[period] = (max(start, first), min(end, last))
    return dict(sorted(windows.items(), key=lambda item: (parse_period(item[0])[1], parse_period(item[0])[0]),
                       reverse=True))


def kpi_choices(cells: pd.DataFrame, department: str | None) -> list[str]:
    found = set(cells["kpi"])
    return [k for k in STAFF_KPIS if k in found and (department is None or k not in UNSPLIT)]


def cells_in_view(cells: pd.DataFrame, *, kpi: str, department: str | None) -> pd.DataFrame:
    keep = cells["kpi"] == kpi
    if department is not None:
        keep &= cells["department"] == department
    return cells.loc[keep].reset_index(drop=True)


def mode_for(kpi: str) -> Mode:
    return "decimal" if METRICS[kpi].unit == "CNY" else "integer"


def plan_from(stored: pd.DataFrame) -> Plan:
    """Curves and base amounts from stored curve rows; roles without one use the demo defaults."""
    curves, base, versions = dict(DEMO_CURVES), dict(DEMO_BASE), dict.fromkeys(DEMO_CURVES, 0)
    for _, row in stored.iterrows():
        curves[row["role"]] = PayoutCurve(role=row["role"], **{f: float(row[f]) for f in CURVE_FIELDS})
        base[row["role"]], versions[row["role"]] = float(row["base_amount"]), int(row["version"])
    known = set(stored["role"]) & set(ELIGIBLE_ROLES)
    source = "stored" if known == set(ELIGIBLE_ROLES) else "partial" if known else "defaults"
    return Plan(curves, base, versions, source)


def curve_table(plan: Plan) -> pd.DataFrame:
    """One editable row per role: the curve's fields, its base amount and stored version."""
    return pd.DataFrame([{"role": role, **{f: getattr(curve, f) for f in CURVE_FIELDS},
                          "base_amount": plan.base[role], "version": plan.versions.get(role, 0)}
                         for role, curve in sorted(plan.curves.items())])


def curves_from_table(table: pd.DataFrame) -> dict[str, PayoutCurve]:
    """PayoutCurves from an edited curve table; a bad row raises ValueError naming its role."""
    curves = {}
    for _, row in table.iterrows():
        try:
            curves[row["role"]] = PayoutCurve(role=row["role"], **{f: float(row[f]) for f in CURVE_FIELDS})
        except (ValidationError, TypeError, ValueError) as error:
            detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
            raise ValueError(f"{row['role']}: {detail}") from None
    return curves


def holder_totals(cells: pd.DataFrame) -> pd.DataFrame:
    """Per target holder (unit or staff id): Σ current values, Σ approved values (the current
    value where a cell was never approved) and how many of its cells were approved."""
    approved = cells["approved_value"].fillna(cells["value"])
    return (cells.assign(approved=approved, was_approved=cells["approved_value"].notna())
            .groupby("unit_code").agg(current=("value", "sum"), approved=("approved", "sum"),
                                      cells=("id", "size"), approved_cells=("was_approved", "sum")))


def round_total(value: float, mode: Mode) -> float:
    """A scenario total as a target can hold it: whole numbers for counts, cents for money."""
    return float(np.floor(value + 0.5)) if mode == "integer" else round(float(value), 2)


def scenario_totals(current: pd.Series, *, multiplier: float, overrides: Mapping[str, float],
                    scaled: set[str], mode: Mode) -> pd.Series:
    """Each holder's scenario total: an override typed in, else the current total × the
    multiplier for the holders in view, else unchanged."""
    def one(code: str, value: float) -> float:
        typed = overrides.get(code)
        if typed is not None and not pd.isna(typed):
            return round_total(float(typed), mode)
        return round_total(value * multiplier, mode) if code in scaled else value
    return pd.Series({code: one(code, value) for code, value in current.items()}, dtype=float)


def subtree(units: pd.DataFrame, code: str) -> set[str]:
    """`code` and every unit below it."""
    found, frontier = {code}, {code}
    while frontier:
        frontier = set(units.loc[units["parent_code"].isin(frontier), "code"]) - found
        found |= frontier
    return found


def holders_in_view(holders: pd.Index, units: pd.DataFrame, staff: pd.DataFrame, *, code: str) -> set[str]:
    """The target holders the unit in view is about: those inside its subtree, the nearest
    holder above each of its outlets, and its staff's own targets."""
    inside = subtree(units, code)
    outlets = set(staff.loc[staff["outlet_code"].isin(inside), "outlet_code"]) | inside
    nearest = nearest_holder(units, holders)
    above = {nearest.get(o) for o in outlets} - {None}
    own = set(holders) & set(staff.loc[staff["outlet_code"].isin(inside), "staff_id"])
    return (set(holders) & inside) | above | own


def holder_editor(totals: pd.DataFrame, started: pd.Series, *, names: Mapping[str, str],
                  levels: Mapping[str, str]) -> pd.DataFrame:
    """The editable table of target holders: approved and current totals, an empty override."""
    codes = list(totals.index)
    return pd.DataFrame({
        "code": codes, "name": [names.get(c, c) for c in codes], "level": [levels.get(c, "staff") for c in codes],
        "approved": totals["approved"].to_numpy(dtype=float),
        "current": started.reindex(codes).to_numpy(dtype=float),
        "override": np.full(len(codes), np.nan),
    })


def overrides_from(edited: pd.DataFrame) -> dict[str, float]:
    typed = edited.dropna(subset=["override"])
    return dict(zip(typed["code"], typed["override"].astype(float), strict=True))


def staff_rows(staff: pd.DataFrame, units: pd.DataFrame, *, baseline: pd.Series, scenario: pd.Series,
               kpi: str, period: str, as_of: date, base: Mapping[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The what-if input: eligible staff with their baseline target, forecast, base amount,
    province and branch; and the scenario's targets (staff_id, target)."""
    mode = mode_for(kpi)
    planned = share_targets(staff, units, baseline, mode=mode).rows
    changed = share_targets(staff, units, scenario, mode=mode).rows
    rows = planned[["staff_id", "name", "outlet_code", "role", "holder"]].copy()
    rows["actual"] = planned[kpi].astype(float)
    rows["target"] = planned["target"].astype(float)
    rows["forecast"] = run_rate_forecast(rows["actual"], kpi=kpi, period=period, as_of=as_of)
    rows["direction"] = METRICS[kpi].direction
    rows["base_amount"] = rows["role"].map(base).astype(float)
    for level in ("province", "branch"):
        rows[level] = ancestor_at(units, rows["outlet_code"], level=level)
    return rows, changed[["staff_id", "target"]]


def run_what_if(rows: pd.DataFrame, scenario: pd.DataFrame, *, plan: Plan,
                curves: Mapping[str, PayoutCurve]) -> dict[str, WhatIfResult]:
    """kpi.incentives.what_if grouped by role, province and branch (same rows, same budget)."""
    return {by: what_if(rows, curves=plan.curves, target_change=scenario, curve_change=dict(curves), group_by=(by,))
            for by in GROUPINGS}


def target_changes(cells: pd.DataFrame, totals: pd.Series, *, mode: Mode) -> pd.DataFrame:
    """New cell values for every holder whose scenario total moved, shared over its cells in
    proportion to their current values (exactly, kpi.allocation); unchanged cells left out."""
    out = []
    for code, mine in cells.groupby("unit_code", sort=True):
        total = float(totals.get(code, mine["value"].sum()))
        if abs(total - mine["value"].sum()) < 0.005:
            continue
        whole = mode == "integer" and float(total).is_integer()
        weights = mine["value"] if mine["value"].sum() > 0 else pd.Series(1.0, index=mine.index)
        shared = allocate(total, mine.assign(weight=weights.to_numpy(), child=mine["id"].astype(str)),
                          weight_column="weight", mode="integer" if whole else "decimal")
        out.append(mine.assign(new_value=shared.frame["value"].to_numpy(dtype=float)))
    if not out:
        return cells.iloc[0:0].assign(new_value=pd.Series(dtype=float))
    changed = pd.concat(out, ignore_index=True)
    return changed[(changed["new_value"] - changed["value"]).abs() >= 0.005].reset_index(drop=True)


def curve_changes(edited: pd.DataFrame, started: pd.DataFrame) -> pd.DataFrame:
    """The edited roles whose curve differs from what the scenario started from, with the
    version it was based on (for store.incentives.save_curve_draft)."""
    fields = [*CURVE_FIELDS, "base_amount"]
    both = edited.merge(started[["role", *fields, "version"]], on="role", suffixes=("", "_was"))
    moved = np.column_stack([~np.isclose(both[f].astype(float), both[f"{f}_was"].astype(float)) for f in fields]).any(axis=1)
    return both.loc[moved, ["role", *fields]].assign(based_on=both.loc[moved, "version_was"].astype(int)).reset_index(drop=True)


def save_scenario(engine, *, changes: pd.DataFrame, curves: pd.DataFrame, by: str, reason: str) -> tuple[int, int]:  # noqa: ANN001
    """Save the scenario as drafts: the changed target cells (each from the version it was
    read at) and the changed curves. A stale curve is found before anything is written; the
    target cells are all or nothing (store.targets.save_changes)."""
    if not reason or not reason.strip():
        raise TargetError("a reason is required for every target change")
    if len(curves):
        check_curve_versions(engine, seen=dict(zip(curves["role"], curves["based_on"], strict=True)))
    if len(changes):
        save_changes(engine, changes=[Change(int(r.id), float(r.new_value), int(r.version)) for r in changes.itertuples()],
                     by=by, reason=reason)
    if len(curves):
        save_curve_draft(engine, curves=curves, by=by, reason=reason)
    return len(changes), len(curves)


def money(value: float) -> str:
    return "–" if pd.isna(value) else f"¥{value:,.0f}"


def group_table(by_group: pd.DataFrame, *, column: str, labels: Mapping[str, str], t: Translate) -> pd.DataFrame:
    """The payout budget of each group, baseline (approved plan) against scenario."""
    return pd.DataFrame({
        t(f"incentives.group.{column}"): by_group[column].map(lambda c: labels.get(c, c)),
        t("incentives.col.headcount"): by_group["headcount"].astype("Int64"),
        t("incentives.col.earning_baseline"): by_group["baseline_earning"].astype("Int64"),
        t("incentives.col.earning_scenario"): by_group["scenario_earning"].astype("Int64"),
        t("incentives.col.budget_baseline"): by_group["baseline"].round(2),
        t("incentives.col.budget_scenario"): by_group["scenario"].round(2),
        t("incentives.col.delta"): by_group["delta"].round(2),
        t("incentives.col.delta_pct"): by_group["delta_pct"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1%}"),
    })


def group_figure(by_group: pd.DataFrame, *, column: str, labels: Mapping[str, str], t: Translate) -> go.Figure:
    figure = go.Figure()
    names = by_group[column].map(lambda c: labels.get(c, c))
    for plan in ("baseline", "scenario"):
        figure.add_bar(x=names, y=by_group[plan], name=t(f"incentives.plan.{plan}"), marker_color=PLAN_COLOURS[plan],
                       hovertemplate="%{x}<br>" + t(f"incentives.plan.{plan}") + ": ¥%{y:,.0f}<extra></extra>")
    figure.update_layout(barmode="group", yaxis_title=t("incentives.axis.payout"), legend={"orientation": "h", "y": 1.1},
                         margin=MARGIN, height=360)
    return figure


def curve_figure(plan: Plan, curves: Mapping[str, PayoutCurve], *, role_label: Callable[[str], str],
                 t: Translate) -> go.Figure:
    """Payout per person against completion, each role's approved curve (dashed) and scenario."""
    top = max(c.cap for c in [*plan.curves.values(), *curves.values()]) + 0.25
    completion = np.linspace(0.0, top, 241)
    figure = go.Figure()
    for role in sorted(curves):
        for which, curve, dash in (("baseline", plan.curves[role], "dash"), ("scenario", curves[role], "solid")):
            figure.add_scatter(x=completion, y=curve.fraction(completion) * plan.base[role], mode="lines",
                               name=f"{role_label(role)} · {t(f'incentives.plan.{which}')}", line={"dash": dash},
                               hovertemplate="%{x:.0%} → ¥%{y:,.0f}<extra></extra>")
    figure.update_layout(xaxis={"title": t("incentives.axis.completion"), "tickformat": ".0%"},
                         yaxis_title=t("incentives.axis.payout_person"), legend={"orientation": "h", "y": 1.15},
                         margin=MARGIN, height=380)
    return figure


def crossing_table(crossings: pd.DataFrame, *, which: str, outlets: Mapping[str, str],
                   role_label: Callable[[str], str], t: Translate) -> pd.DataFrame:
    """Who crosses the threshold (which="crosses_threshold") or falls below it ("falls_below")."""
    rows = crossings[crossings["change"] == which].sort_values(["outlet_code", "staff_id"])
    pct = lambda v: "–" if pd.isna(v) else f"{v:.1%}"  # noqa: E731
    return pd.DataFrame({
        t("incentives.col.staff"): rows["name"],
        t("incentives.col.staff_id"): rows["staff_id"],
        t("incentives.col.outlet"): rows["outlet_code"].map(lambda c: outlets.get(c, c)),
        t("incentives.col.role"): rows["role"].map(role_label),
        t("incentives.col.forecast"): rows["forecast"].round(2),
        t("incentives.col.target_baseline"): rows["target"].round(2),
        t("incentives.col.target_scenario"): rows["scenario_target"].round(2),
        t("incentives.col.completion_baseline"): rows["baseline_completion"].map(pct),
        t("incentives.col.completion_scenario"): rows["scenario_completion"].map(pct),
        t("incentives.col.payout_baseline"): rows["baseline_payout"].round(2),
        t("incentives.col.payout_scenario"): rows["scenario_payout"].round(2),
    }).reset_index(drop=True)
