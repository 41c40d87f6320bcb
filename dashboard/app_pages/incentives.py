"""Incentives what-if (HR/ops): change targets or payout curves in a scratch scenario, see the
payout budget at the current run-rate against the approved plan, and save it as a draft.

The scenario lives in st.session_state and starts from what the editor saw when they opened it
(the current targets and the newest curves, with their versions): nothing is written until
"save as draft", and a save based on versions someone else has changed since is refused."""

import streamlit as st

from dashboard import data, state, widgets
from dashboard import incentives_view as view
from dashboard.overview_view import metric_label
from dashboard.state import t
from dashboard.workload_view import role_label, unit_label
from store.incentives import CurveError, StaleCurve
from store.targets import StaleEdit, TargetError

LEVELS = ("head_office", "province", "branch", "outlet")

st.title(t("incentives.title"))
bounds, period = data.data_period(), st.session_state.get("period")
scope, language, name_column = state.scope(), state.language(), state.name_column()
windows = view.target_windows(data.target_periods(scope), first=bounds[0], last=bounds[1]) if bounds and period else {}
if not windows:
    widgets.empty_state()
    st.stop()
if flash := st.session_state.pop("inc-flash", None):
    st.success(flash, icon=":material/check_circle:")

# What is priced: a target period, the unit in view, the department and the KPI.
periods = list(windows)
wanted = st.query_params.get("tperiod", period.key)
tperiod = wanted if wanted in windows else periods[0]
start, end = windows[tperiod]
code, path = widgets.unit_in_view(scope, period)
units = data.subtree_units(scope, scope.unit_code, end)
units = units[units["level"].isin(LEVELS)]
names = dict(zip(units["code"], units[name_column], strict=True))
levels = dict(zip(units["code"], units["level"], strict=True))
codes = [scope.unit_code, *sorted(c for c in names if c != scope.unit_code)]
codes = codes if code in codes else [code, *codes]
picks = st.columns([2, 3, 2, 2])
picks[0].selectbox(t("incentives.period_picker"), periods, index=periods.index(tperiod), key="inc-period",
                   on_change=lambda: st.query_params.update(tperiod=st.session_state["inc-period"]))
# Labels are made now: a format_func may be called outside the run (AppTest), where the language
# in the URL is not at hand.
unit_labels = {c: unit_label(c, level=levels.get(c), name=names.get(c, c), t=t) for c in codes}
picks[1].selectbox(t("incentives.unit_picker"), codes, index=codes.index(code), key=f"inc-unit-{code}",
                   format_func=unit_labels.get,
                   on_change=lambda: state.drill_to(st.session_state[f"inc-unit-{code}"]))
departments = [None, *state.DEPARTMENTS]
department_labels = {d: t(f"department.{d or 'all'}") for d in departments}
department = picks[2].selectbox(t("sidebar.department"), departments, index=departments.index(state.department()),
                                key="inc-dept", format_func=department_labels.get)
all_cells = data.incentive_targets(scope, tperiod, scope.unit_code, start, end)
kpis = view.kpi_choices(all_cells, department)
if not kpis:
    st.info(t("incentives.no_targets", period=tperiod))
    st.stop()
wanted_kpi = st.query_params.get("kpi", kpis[0])
kpi = picks[3].selectbox(t("incentives.kpi_picker"), kpis, index=kpis.index(wanted_kpi) if wanted_kpi in kpis else 0,
                         key="inc-kpi", format_func={k: metric_label(k, language) for k in kpis}.get,
                         on_change=lambda: st.query_params.update(kpi=st.session_state["inc-kpi"]))
mode = view.mode_for(kpi)
st.caption(t("incentives.caption", path=" › ".join(path[name_column].map(widgets.plain)), period=tperiod, start=start, end=end))
st.caption(t("incentives.method"))
if department is not None:
    st.caption(t("incentives.unsplit_note"))

# The approved plan (baseline) and the scratch scenario's starting point, kept per view (and
# per generation: "start over" and a save begin a new one).
cells = view.cells_in_view(all_cells, kpi=kpi, department=department)
plan = view.plan_from(data.payout_curves(scope, "approved"))
generation = st.session_state.setdefault("inc-generation", 0)
context = f"{tperiod}|{code}|{department}|{kpi}|{generation}"
started = st.session_state.setdefault("inc-started", {}).setdefault(context, {
    "cells": cells[["id", "unit_code", "value", "version"]].copy(),
    "curves": view.curve_table(view.plan_from(data.payout_curves(scope, None))),
})
totals = view.holder_totals(cells)
never = int((totals["cells"] - totals["approved_cells"]).sum())
if never == int(totals["cells"].sum()):
    st.info(t("incentives.no_approved_targets"), icon=":material/info:")
elif never:
    st.info(t("incentives.partly_approved_targets", count=never), icon=":material/info:")
if plan.source != "stored":
    st.info(t(f"incentives.{plan.source}_curves", cm=f"{view.DEMO_BASE['customer_manager']:,.0f}",
              wm=f"{view.DEMO_BASE['wealth_manager']:,.0f}"), icon=":material/info:")

staff = data.staff_metrics_in(scope, scope.unit_code, start, end, department)
in_view_units = view.subtree(units, code)
holders_here = view.holders_in_view(totals.index, units, staff, code=code)

# The scenario: a multiplier for every target in view, typed overrides, edited curves.
st.subheader(t("incentives.scenario"))
st.caption(t("incentives.scenario_help"))
multiplier = st.slider(t("incentives.multiplier"), 0.5, 1.5, 1.0, 0.05, key=f"inc-mult-{context}", format="%.2f")
begun = started["cells"].groupby("unit_code")["value"].sum()
st.markdown(f"**{t('incentives.unit_targets')}**")
holders = view.holder_editor(totals.loc[sorted(holders_here)], begun, names=names, levels=levels)
holders["level"] = holders["level"].map(lambda lv: t(f"level.{lv}") if lv in LEVELS else t("incentives.level.staff"))
edited_targets = st.data_editor(
    holders, key=f"inc-targets-{context}", hide_index=True, width="stretch",
    disabled=["code", "name", "level", "approved", "current"],
    column_config={"code": t("incentives.col.code"), "name": t("incentives.col.unit"),
                   "level": t("incentives.col.level"),
                   "approved": st.column_config.NumberColumn(t("incentives.col.approved"), format="%,.2f"),
                   "current": st.column_config.NumberColumn(t("incentives.col.current"), format="%,.2f"),
                   "override": st.column_config.NumberColumn(t("incentives.col.override"), min_value=0)})
st.markdown(f"**{t('incentives.curves')}**")
curve_rows = started["curves"].assign(role_name=started["curves"]["role"].map(lambda r: role_label(r, t)))
edited_curves = st.data_editor(
    curve_rows, key=f"inc-curves-{context}", hide_index=True, width="stretch",
    column_order=["role_name", *view.CURVE_FIELDS, "base_amount", "version"],
    disabled=["role_name", "base_amount", "version"],
    column_config={"role_name": t("incentives.col.role"), "base_amount": t("incentives.col.base_amount"),
                   "version": t("incentives.col.version"),
                   **{f: st.column_config.NumberColumn(t(f"incentives.field.{f}"), min_value=0.0, step=0.05)
                      for f in view.CURVE_FIELDS}})
st.caption(t("incentives.curves_help"))
if st.button(t("incentives.reset"), icon=":material/restart_alt:", key="inc-reset"):
    st.session_state["inc-generation"] = generation + 1
    st.rerun()

overrides = view.overrides_from(edited_targets)
scenario_curves_table = edited_curves.drop(columns="role_name")
try:
    scenario_curves = view.curves_from_table(scenario_curves_table)
except ValueError as error:
    st.error(t("incentives.bad_curve", detail=str(error)), icon=":material/error:")
    st.stop()
scenario = view.scenario_totals(begun, multiplier=multiplier, overrides=overrides, scaled=holders_here, mode=mode)
rows, scenario_targets = view.staff_rows(staff, units, baseline=totals["approved"], scenario=scenario, kpi=kpi,
                                         period=tperiod, as_of=end, base=plan.base)
rows = rows[rows["outlet_code"].isin(in_view_units)].reset_index(drop=True)
if rows.empty:
    st.info(t("incentives.no_staff", unit=widgets.plain(names.get(code, code))))
    st.stop()
results = view.run_what_if(rows, scenario_targets, plan=plan, curves=scenario_curves)
budget = results["role"].budget.iloc[0]

# Side by side: the approved plan against the scenario.
st.subheader(t("incentives.results"))
cards = st.columns(4)
cards[0].metric(t("incentives.budget_baseline"), view.money(budget["baseline"]))
cards[1].metric(t("incentives.budget_scenario"), view.money(budget["scenario"]),
                delta=f"{budget['delta']:+,.0f}" + ("" if budget["baseline"] == 0 else f" ({budget['delta_pct']:+.1%})"),
                delta_color="off")
crossings = results["role"].crossings
cards[2].metric(t("incentives.crossing_up"), f"{int((crossings['change'] == 'crosses_threshold').sum()):,}")
cards[3].metric(t("incentives.crossing_down"), f"{int((crossings['change'] == 'falls_below').sum()):,}")
st.caption(t("incentives.results_caption", staff=len(rows), no_target=int(results["role"].rows["no_target"].sum())))

tabs = st.tabs([t(f"incentives.by.{by}") for by in view.GROUPINGS])
labels = {"role": {r: role_label(r, t) for r in view.ELIGIBLE_ROLES}, "province": names, "branch": names}
for tab, by in zip(tabs, view.GROUPINGS, strict=True):
    with tab:
        groups = results[by].by_group
        st.plotly_chart(view.group_figure(groups, column=by, labels=labels[by], t=t), key=f"inc-bars-{by}")
        widgets.table_with_export(view.group_table(groups, column=by, labels=labels[by], t=t),
                                  name=f"incentives_by_{by}_{code}_{tperiod}", key=f"inc-by-{by}")

st.subheader(t("incentives.curve_chart"))
st.plotly_chart(view.curve_figure(plan, scenario_curves, role_label=lambda r: role_label(r, t), t=t), key="inc-curves-chart")

st.subheader(t("incentives.crossings"))
outlets = {c: n for c, n in names.items() if levels.get(c) == "outlet"}
for which in ("crosses_threshold", "falls_below"):
    table = view.crossing_table(crossings, which=which, outlets=outlets, role_label=lambda r: role_label(r, t), t=t)
    st.markdown(f"**{t(f'incentives.{which}', count=len(table))}**")
    if table.empty:
        st.caption(t("incentives.none_crossing"))
    else:
        widgets.table_with_export(table, name=f"incentives_{which}_{code}_{tperiod}", key=f"inc-{which}")

# Save the scenario as draft versions: changed target cells and changed curves, with a reason.
st.subheader(t("incentives.save"))
changes = view.target_changes(started["cells"], scenario, mode=mode)
curve_edits = view.curve_changes(scenario_curves_table, started["curves"])
st.caption(t("incentives.save_summary", cells=len(changes), curves=len(curve_edits)))
with st.form("inc-save"):
    reason = st.text_input(t("incentives.reason"), key="inc-reason")
    submitted = st.form_submit_button(t("incentives.save_button"), icon=":material/save:",
                                      disabled=not state.can("incentives"))
if submitted:
    if not reason.strip():
        st.error(t("incentives.reason_required"))
    elif changes.empty and curve_edits.empty:
        st.info(t("incentives.nothing_to_save"))
    else:
        try:
            saved = view.save_scenario(data.engine(), changes=changes, curves=curve_edits, by=state.who(), reason=reason)
        except StaleEdit as stale:
            unit = started["cells"].set_index("id")["unit_code"].get(stale.target_id, stale.target_id)
            st.error(t("incentives.stale_target", unit=widgets.plain(names.get(unit, unit)), by=stale.by, at=f"{stale.at:%Y-%m-%d %H:%M:%S}"))
        except StaleCurve as stale:
            st.error(t("incentives.stale_curve", role=role_label(stale.role, t), by=stale.by, at=f"{stale.at:%Y-%m-%d %H:%M:%S}"))
        except (TargetError, CurveError) as error:
            st.error(t("incentives.save_failed", detail=str(error)))
        else:
            data.forget_incentives()
            st.session_state["inc-generation"] = generation + 1
            st.session_state["inc-flash"] = t("incentives.saved", cells=saved[0], curves=saved[1])
            st.rerun()
