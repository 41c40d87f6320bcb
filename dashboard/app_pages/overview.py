"""Overview (executives): headline KPIs against targets, rollout S-curves against the plan,
the units lagging behind time progress, and adoption of the units below, with click-to-drill."""

import streamlit as st

from dashboard import charts, data, state, widgets
from dashboard import overview_view as view
from dashboard.state import t

ADOPTION = ("staff_cnt", "contact_enabled_cnt", "contact_enabled_rate", "active_7d_cnt", "active_staff_rate", "new_contact_cnt")
CHILD_LEVEL = {"head_office": "province", "province": "branch", "branch": "outlet"}

st.title(t("overview.title"))
period = st.session_state.get("period")
if period is None:
    widgets.empty_state()
    st.stop()
scope, department, language, name_column = state.scope(), state.department(), state.language(), state.name_column()
code, path = widgets.unit_in_view(scope, period)
here = path.iloc[-1]

# Breadcrumb: every level above is one click away.
widgets.breadcrumb(path, code=code, name_column=name_column)
st.caption(t("overview.caption", unit=widgets.plain(here[name_column]), start=period.start, end=period.end))

# Headline cards: actual, and where the period has targets, target, completion and time progress.
values = data.unit_metrics(scope, code, period.start, period.end, view.HEADLINES, department)
cells = data.attainment(scope, code, period.key, period.start, period.end, False, department)
judged = view.headline_attainment(cells, period=period.key, as_of=period.end).set_index("kpi")
for row in (view.HEADLINES[:4], view.HEADLINES[4:]):
    for column, kpi in zip(st.columns(4), row):
        with column.container(border=True):
            actual = None if values is None else values[kpi]
            if kpi in judged.index:
                j = judged.loc[kpi]
                st.metric(view.metric_label(kpi, language), view.fmt(kpi, actual),
                          delta=t("overview.gap_delta", gap=f"{j['gap'] * 100:+.1f}"), help=t("overview.completion_help"))
                st.caption(t("overview.target_caption", target=view.fmt(kpi, j["target"]),
                             completion=charts.percent(j["completion"]), progress=charts.percent(j["time_progress"])))
            else:
                st.metric(view.metric_label(kpi, language), view.fmt(kpi, actual))
                st.caption(t("overview.no_target"))

if here["level"] == "outlet":
    st.info(t("overview.leaf", unit=widgets.plain(here[name_column])))
    st.stop()
child_level = CHILD_LEVEL[here["level"]]

# Rollout S-curves of the units below, against the plan's month-end targets.
st.subheader(t("overview.scurve_title"))
first_day = (data.data_period() or (period.start, period.end))[0]
daily = data.daily_metrics(scope, child_level, code, first_day, period.end, (view.S_CURVE,), None)
if not daily.empty:
    plan = data.plan(scope, view.S_CURVE, code, period.end)
    st.plotly_chart(view.s_curves(daily, plan, name_column=name_column, metric=view.S_CURVE,
                                  plan_label=t("overview.plan"), y_label=view.metric_label(view.S_CURVE, language)),
                    key=f"scurve-{code}")
    st.caption(t("overview.scurve_caption"))

# Lagging units: which KPI, how far behind time progress.
st.subheader(t("overview.lagging_title"))
behind = data.attainment(scope, code, period.key, period.start, period.end, True, department)
lagging = view.lagging_table(behind, name_column=name_column, t=t, language=language) if not behind.empty else behind
if lagging.empty:
    st.success(t("overview.lagging_none") if not behind.empty else t("overview.no_child_targets"))
else:
    widgets.table_with_export(lagging, name=f"lagging-{code}-{period.key}", key="lagging")

# Adoption of the units below, as a chart to click and a table to read.
children = data.child_metrics(scope, code, period.start, period.end, ADOPTION, department)
if children.empty:
    st.info(t("overview.no_children"))
    st.stop()
st.subheader(t("overview.children_chart"))
figure = charts.adoption_bars(children, name_column=name_column, labels={
    "contact_enabled_rate": t("col.enabled_rate"), "active_staff_rate": t("col.active_rate")})
event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=f"bars-{code}")
picked = charts.picked_code(event)
if picked:
    state.drill_to(picked)
    st.rerun()
options = {row["unit_code"]: row[name_column] for _, row in children.iterrows()}
st.selectbox(t("overview.drill_select"), [None, *options],
             format_func=lambda c: t("overview.drill_none") if c is None else f"{options[c]} ({c})",
             key=f"drill-{code}", on_change=lambda: state.drill_to(st.session_state[f"drill-{code}"] or code))
st.subheader(t("overview.table"))
widgets.table_with_export(charts.adoption_table(children, name_column=name_column, t=t),
                          name=f"adoption-{code}-{period.key}", key="adoption")

# The weekly ranking bulletin (通报) of the unit in view: the same workbook as `python -m kpi bulletin`.
st.subheader(t("overview.bulletin_title"))
if st.button(t("overview.bulletin_prepare"), key="bulletin-prepare", icon=":material/description:"):
    st.download_button(t("overview.bulletin_download"), key="bulletin-download", icon=":material/download:",
                       data=data.bulletin_workbook(scope, period.key, code, period.start, period.end, language),
                       file_name=f"bulletin-{code}-{period.key}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
