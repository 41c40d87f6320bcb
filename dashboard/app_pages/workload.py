"""Workload: per-staff distributions, overload and idle flags, and workload against conversion."""

import streamlit as st

from dashboard import data, state, widgets
from dashboard import workload_view as view
from dashboard.state import t
from kpi import workload

LEVELS = ("head_office", "province", "branch", "outlet")
# Threshold inputs in the order a leader reads them: (field, step, format).
INPUTS = (("contact_cap", 1000, "%d"), ("contact_share", 0.05, "%.2f"), ("new_per_day", 1.0, "%.1f"),
          ("group_cap", 50, "%d"), ("group_share", 0.05, "%.2f"), ("tasks_per_day", 0.5, "%.1f"),
          ("new_per_month_floor", 1.0, "%.1f"))

st.title(t("workload.title"))
period = st.session_state.get("period")
if period is None:
    widgets.empty_state()
    st.stop()

# The unit in view comes from the URL: anything outside the caller's scope is refused.
scope = state.scope()
code, path = widgets.unit_in_view(scope, period)
language, name_column = state.language(), state.name_column()
here = path.iloc[-1]

# Pickers: the subtree in view and the role the flags and the scatter look at.
units = data.subtree_units(scope, scope.unit_code, period.end)
units = units[units["level"].isin(LEVELS)]
names = dict(zip(units["code"], units[name_column], strict=True))
levels = dict(zip(units["code"], units["level"], strict=True))
codes = [scope.unit_code, *sorted(c for c in names if c != scope.unit_code)]
codes = codes if code in codes else [code, *codes]
pick_unit, pick_role = st.columns([3, 2])
pick_unit.selectbox(
    t("workload.unit_picker"), codes, index=codes.index(code), key=f"wl-unit-{code}",
    format_func=lambda c: view.unit_label(c, level=levels.get(c), name=names.get(c, c), t=t),
    on_change=lambda: state.drill_to(st.session_state[f"wl-unit-{code}"]),
)

staff = data.staff_metrics(scope, code, period.start, period.end)
st.caption(t("workload.caption", path=" › ".join(path[name_column].map(widgets.plain)), start=period.start, end=period.end,
             days=period.days, count=len(staff)))
if staff.empty:
    st.info(t("workload.no_staff", unit=widgets.plain(here[name_column])))
    st.stop()

roles = ["all", *view.roles_present(staff)]
wanted = st.query_params.get("role", "customer_manager" if "customer_manager" in roles else "all")
role = wanted if wanted in roles else "all"
pick_role.selectbox(
    t("workload.role_picker"), roles, index=roles.index(role), key="wl-role",
    format_func=lambda r: t("workload.role_all") if r == "all" else view.role_label(r, t),
    on_change=lambda: st.query_params.update(role=st.session_state["wl-role"]),
)

# Thresholds: defaults from kpi.workload, editable for this view.
with st.expander(t("workload.thresholds"), icon=":material/tune:"):
    st.caption(t("workload.thresholds_help"))
    columns = st.columns(4)
    chosen = {}
    for i, (field, step, shape) in enumerate(INPUTS):
        default = getattr(workload.DEFAULTS, field)
        chosen[field] = columns[i % 4].number_input(
            t(f"workload.th.{field}"), min_value=type(default)(0), value=default, step=type(default)(step),
            format=shape, key=f"wl-th-{field}")
thresholds = workload.Thresholds(**chosen)
flagged = workload.flag(staff, days=period.days, thresholds=thresholds)
in_role = flagged if role == "all" else flagged[flagged["role"] == role]

cards = st.columns(4)
cards[0].metric(t("workload.staff"), f"{len(in_role):,}")
cards[1].metric(t("workload.enabled"), f"{int(in_role['contact_enabled'].sum()):,}")
cards[2].metric(t("workload.overloaded"), f"{int(in_role['overloaded'].sum()):,}")
cards[3].metric(t("workload.idle"), f"{int(in_role['idle'].sum()):,}")

# Distributions of each workload measure, every role side by side.
st.subheader(t("workload.distributions"))
measures = [*view.DISTRIBUTIONS, "tasks"]
tabs = st.tabs([t("workload.tasks") if m == "tasks" else view.label(m, language, t) for m in measures])
for tab, measure in zip(tabs, measures, strict=True):
    if measure == "tasks":
        series = {c: view.label(c, language, t) for c in ("tasks_assigned", "tasks_done")}
        figure = view.box_by_role(flagged, series, t=t, y_title=t("workload.tasks"))
    else:
        figure = view.box_by_role(flagged, {measure: view.label(measure, language, t)}, t=t,
                                  y_title=view.label(measure, language, t))
    tab.plotly_chart(figure, key=f"wl-box-{measure}")

# Who is flagged and why, ready to export.
st.subheader(t("workload.flagged"))
outlets = {c: n for c, n in names.items() if levels.get(c) == "outlet"}
lists = st.tabs([t(f"workload.flagged_{w}", count=int(in_role[w].sum())) for w in ("overloaded", "idle")])
for tab, which in zip(lists, ("overloaded", "idle"), strict=True):
    with tab:
        table = view.flagged_table(in_role, which, thresholds=thresholds, outlets=outlets, t=t, language=language)
        if table.empty:
            st.info(t("workload.none_flagged"))
        else:
            widgets.table_with_export(table, name=f"workload_{which}_{code}_{period.key}", key=f"wl-{which}")

# Workload against conversion: does pushing harder pay?
st.subheader(t("workload.vs_conversion"))
pick_x, pick_y = st.columns(2)
x = pick_x.selectbox(t("workload.x_picker"), view.WORKLOADS, key="wl-x", format_func=lambda c: view.label(c, language, t))
y = pick_y.selectbox(t("workload.y_picker"), view.CONVERSIONS, key="wl-y", format_func=lambda c: view.label(c, language, t))
x_title, y_title = view.label(x, language, t), view.label(y, language, t)
st.caption(t("workload.scatter_caption"))
st.plotly_chart(view.scatter(in_role, x=x, y=y, x_title=x_title, y_title=y_title, t=t), key="wl-scatter")
bins = workload.by_workload(in_role, x=x, y=y, bins=5)
st.markdown(f"**{t('workload.bins_title', metric=y_title, workload=x_title)}**")
st.caption(t("workload.bins_caption"))
st.plotly_chart(view.bins_figure(bins, y_title=t("workload.per_staff", metric=y_title), t=t), key="wl-bins")
widgets.table_with_export(view.bins_table(bins, x_title=x_title, y_title=y_title, t=t),
                          name=f"workload_bins_{code}_{period.key}", key="wl-bins")
