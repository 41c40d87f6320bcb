"""Overview: adoption of the unit in view and of the units below it, with click-to-drill."""

import streamlit as st

from dashboard import charts, data, state
from dashboard.state import t
from store.pages import OutOfScope

METRICS = ("staff_cnt", "contact_enabled_cnt", "contact_enabled_rate", "active_7d_cnt", "active_staff_rate", "new_contact_cnt")

st.title(t("overview.title"))
period = st.session_state.get("period")
if period is None:
    st.info(f"**{t('empty.title')}**  \n{t('empty.body')}", icon=":material/inbox:")
    st.stop()

scope = state.scope()
code = state.unit(scope.unit_code)
try:
    path = data.lineage(scope, code, period.end)
except OutOfScope:
    st.warning(t("error.out_of_scope", code=code))
    code = scope.unit_code
    state.drill_to(code)
    path = data.lineage(scope, code, period.end)
name_column = state.name_column()
here = path.iloc[-1]

# Breadcrumb: every level above is one click away.
crumbs = st.columns([1] * len(path) + [max(1, 8 - len(path))], gap="small")
for column, (_, unit) in zip(crumbs, path.iterrows()):
    if unit["code"] == code:
        column.markdown(f"**{unit[name_column]}**")
    else:
        column.button(unit[name_column], key=f"crumb-{unit['code']}", on_click=state.drill_to, args=(unit["code"],))
st.caption(t("overview.caption", unit=here[name_column], start=period.start, end=period.end))

# Headline cards for the unit in view.
headline = data.unit_metrics(scope, code, period.start, period.end, METRICS)
cards = st.columns(4)
if headline is not None:
    cards[0].metric(t("overview.staff"), f"{headline['staff_cnt']:,.0f}")
    cards[1].metric(t("overview.enabled_rate"), charts.percent(headline["contact_enabled_rate"]))
    cards[2].metric(t("overview.active_rate"), charts.percent(headline["active_staff_rate"]))
    cards[3].metric(t("overview.contacts_added"), f"{headline['new_contact_cnt']:,.0f}")

# The units below, as a chart to click and a table to read.
if here["level"] == "outlet":
    st.info(t("overview.leaf", unit=here[name_column]))
    st.stop()
children = data.child_metrics(scope, code, period.start, period.end, METRICS)
if children.empty:
    st.info(t("overview.no_children"))
    st.stop()

st.subheader(t("overview.children_chart"))
figure = charts.adoption_bars(children, name_column=name_column, labels={
    "contact_enabled_rate": t("col.enabled_rate"),
    "active_staff_rate": t("col.active_rate"),
})
event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=f"bars-{code}")
picked = charts.picked_code(event)
if picked:
    state.drill_to(picked)
    st.rerun()

options = {row["unit_code"]: row[name_column] for _, row in children.iterrows()}
st.selectbox(
    t("overview.drill_select"),
    [None, *options],
    format_func=lambda c: t("overview.drill_none") if c is None else f"{options[c]} ({c})",
    key=f"drill-{code}",
    on_change=lambda: state.drill_to(st.session_state[f"drill-{code}"] or code),
)

st.subheader(t("overview.table"))
st.dataframe(
    charts.adoption_table(children, name_column=name_column, t=t),
    hide_index=True,
    width="stretch",
)
