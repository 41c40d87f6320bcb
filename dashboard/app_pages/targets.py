"""Targets & reconciliation (HR/ops, department heads): the target tree of one cell, allocation
of a node to the units below it with locks and caps, reconciliation, approval, import and the
audit trail. Every write names the version it was based on, so nobody overwrites a colleague."""

import streamlit as st

from dashboard import data, state, targets_sections, widgets
from dashboard import targets_view as view
from dashboard.state import t

st.title(t("targets.title"))
widgets.show_flash()
period = st.session_state.get("period")
periods = view.newest_first(data.target_periods(state.scope())) if period else []
if not periods:
    widgets.empty_state()
    st.stop()

# The node in view (the URL's unit, refused outside the caller's scope) and its org subtree.
scope, name_column = state.scope(), state.name_column()
code, path = widgets.unit_in_view(scope, period)
units = data.subtree_units(scope, scope.unit_code, period.end)
names = dict(zip(units["code"], units[name_column], strict=True))

# The cell in view: period, department, kpi, kind and segment, each kept in the URL.
picks = st.columns(5)
tperiod = state.pick(picks[0], "tperiod", t("targets.period"), periods)
in_period = data.targets(scope, tperiod, scope.unit_code, period.end)
departments = view.choices(in_period, "department") or list(state.DEPARTMENTS)
departments.sort(key=lambda d: not state.can_edit_targets(d))  # the caller's own department first
department = state.pick(picks[1], "dept", t("sidebar.department"), departments, shared=True,
                        format_func=lambda d: t(f"department.{d}"))
kpi = state.pick(picks[2], "kpi", t("targets.kpi"), view.choices(in_period, "kpi", department=department) or ["new_contact_cnt"],
                 format_func=state.metric_name)
kind = state.pick(picks[3], "kind", t("targets.kind"), view.choices(in_period, "kind", department=department, kpi=kpi) or ["all"],
                  format_func=lambda k: t(f"targets.kind.{k}"))
segment = state.pick(picks[4], "segment", t("targets.segment"),
                     view.choices(in_period, "segment", department=department, kpi=kpi, kind=kind) or ["all"],
                     format_func=lambda s: t(f"targets.segment.{s}"))
cell = view.Cell(tperiod, department, kpi, kind, segment)
widgets.breadcrumb(path, code=code, name_column=name_column)
editable = state.can_edit_targets(department)
if not editable:
    st.info(t("targets.read_only"), icon=":material/lock:")

# The open tab lives in the URL (a link opens the same tab) and only the open tab runs.
tree, allocate, reconcile, approve, upload, audit = st.tabs(
    [t("targets.tab.tree"), t("targets.tab.allocate"), t("targets.tab.reconcile"), t("targets.tab.approve"),
     t("targets.tab.import"), t("targets.tab.audit")], key="tab", bind="query-params")

if tree.open:
    with tree:
        nodes = view.node_table(in_period, units, cell=cell, code=code)
        st.caption(t("targets.tree_caption", unit=widgets.plain(names.get(code, code)), period=tperiod))
        picked = st.dataframe(targets_sections.tree_display(nodes, name_column=name_column), hide_index=True,
                              width="stretch", on_select="rerun", selection_mode="single-row", key=f"tree-{code}-{cell}")
        targets_sections.drill_on_pick(picked, nodes, here=code)
        st.plotly_chart(targets_sections.tree_chart(nodes, name_column=name_column), key=f"tree-chart-{code}")

if allocate.open:
    with allocate:
        targets_sections.allocation_section(cell=cell, code=code, units=units, targets=in_period, period=period,
                                            name_column=name_column, editable=editable)

if reconcile.open:
    with reconcile:
        targets_sections.reconciliation_section(in_period, units, name_column=name_column,
                                                here=view.selection_key(code, cell))

if approve.open:
    with approve:
        targets_sections.approval_section(in_period, units, cell=cell, code=code, name_column=name_column,
                                          editable=editable and state.can_approve_targets(department))

if upload.open:
    with upload:
        targets_sections.import_section(scope=scope, period=period, editable=editable)

if audit.open:
    with audit:
        targets_sections.audit_section(view.node_table(in_period, units, cell=cell, code=code), cell=cell,
                                       name_column=name_column, day=period.end)
