"""Outlet comparison (branch leaders): the outlets of a subtree ranked among peers of similar
size, change vs last period, adoption against conversion, distributions, and one outlet's staff.

State in the URL: ?unit= the subtree compared, ?outlet= the outlet whose staff are shown.
"""

import streamlit as st

from dashboard import charts, data, periods, state, widgets
from dashboard import compare_view as view
from dashboard.state import t
from store.pages import OutOfScope

st.title(t("compare.title"))
period = st.session_state.get("period")
if period is None:
    widgets.empty_state()
    st.stop()

scope, department, name_column = state.scope(), state.department(), state.name_column()
labels = view.metric_labels(state.language())


def pick_scope() -> None:
    state.drill_to(st.session_state["compare-scope"])
    st.query_params.pop("outlet", None)  # an outlet belongs to the old comparison


def pick_outlet() -> None:
    chosen = st.session_state["compare-outlet"]
    if chosen:
        st.query_params["outlet"] = chosen
    else:
        st.query_params.pop("outlet", None)


# Which subtree to compare within: ?unit=, checked against the caller's scope.
code, path = widgets.unit_in_view(scope, period, also_drop=("outlet",))
if path.iloc[-1]["level"] == "outlet" and len(path) > 1:  # a link to an outlet: compare it among its siblings
    st.query_params["outlet"] = code
    code = path.iloc[-2]["code"]
    state.drill_to(code)
here = path.set_index("code").loc[code]

choices = view.scope_choices(data.subtree_units(scope, scope.unit_code, period.end), name_column=name_column)
choices.setdefault(code, here[name_column])
st.session_state["compare-scope"] = code
st.selectbox(t("compare.scope"), list(choices), format_func=choices.get, key="compare-scope", on_change=pick_scope)

# The league: this period's metrics, and last period's for the change.
current = data.level_metrics(scope, "outlet", code, period.start, period.end, view.LEAGUE_METRICS, department)
if current.empty:
    st.info(t("compare.no_outlets", unit=widgets.plain(here[name_column])))
    st.stop()
before = periods.previous(period, first=data.data_period()[0])
try:
    previous = data.level_metrics(scope, "outlet", code, before.start, before.end, view.LEAGUE_METRICS,
                                  department) if before else None
except OutOfScope:  # the unit did not exist yet last period
    previous = None
league = view.league(current, previous)
groups = view.group_names(league, t)
st.caption(t("compare.caption", unit=widgets.plain(here[name_column]), outlets=len(league), groups=len(groups),
             start=period.start, end=period.end) + " · "
           + (t("compare.previous", start=before.start, end=before.end) if previous is not None and not previous.empty
              else t("compare.no_previous")))

outlet = st.query_params.get("outlet")
if outlet and outlet not in set(league["unit_code"]):
    st.warning(t("compare.outlet_refused", code=outlet))
    st.query_params.pop("outlet", None)
    outlet = None

st.subheader(t("compare.league"))
st.caption(t("compare.league_help"))
change_metric = st.selectbox(t("compare.change_metric"), view.SHOWN[1:], index=view.SHOWN[1:].index("active_staff_rate"),
                             format_func=labels.get, key="compare-change")
widgets.table_with_export(
    view.league_table(league, name_column=name_column, labels=labels, t=t, change_metric=change_metric),
    name=f"outlet_league_{code}_{period.key}", key="compare-league",
)

# Adoption against conversion: click a bubble to open that outlet's staff below.
st.subheader(t("compare.scatter"))
st.caption(t("compare.scatter_help"))
left, right = st.columns(2)
x = left.radio(t("compare.x_axis"), view.X_CHOICES, format_func=labels.get, horizontal=True, key="compare-x")
y = right.radio(t("compare.y_axis"), view.Y_CHOICES, format_func=labels.get, horizontal=True, key="compare-y")
overall = data.unit_metrics(scope, code, period.start, period.end, (x, y), department)
figure = view.scatter(league, x=x, y=y, name_column=name_column, labels=labels, t=t, selected=outlet,
                      overall=None if overall is None else overall.to_dict())
# The key carries the selected outlet so a handled click does not linger and override the picker.
event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=f"scatter-{code}-{x}-{y}-{outlet}")
picked = charts.picked_code(event)
if picked and picked != outlet:
    st.query_params["outlet"] = picked
    st.rerun()

# The selected outlet: where it stands, and its staff.
st.subheader(t("compare.staff"))
outlets = dict(zip(league["unit_code"], league[name_column], strict=True))
st.session_state["compare-outlet"] = outlet
st.selectbox(t("compare.outlet"), sorted(outlets), key="compare-outlet", on_change=pick_outlet,
             format_func=lambda c: f"{outlets[c]} ({c})", placeholder=t("compare.outlet_none"))
if outlet is None:
    st.info(t("compare.pick_outlet"))
else:
    row = league.set_index("unit_code").loc[outlet]
    cards = st.columns(4)
    grouped = not view.missing(row["peer_group"])
    cards[0].metric(t("compare.card.group", group=int(row["peer_group"])) if grouped else t("compare.group_none"),
                    t("compare.card.size", staff=int(row["staff_cnt"])))
    cards[1].metric(t("compare.card.rank"), "–" if view.missing(row["rank"]) else f"{int(row['rank'])} / {int(row['group_size'])}",
                    delta=None if view.missing(row["rank_change"]) else int(row["rank_change"]))
    cards[2].metric(t("compare.card.score"), "–" if view.missing(row["score"]) else f"{row['score']:.1f}",
                    delta=None if view.missing(row["score_change"]) else round(float(row["score_change"]), 1))
    cards[3].metric(labels["new_contact_cnt"], f"{row['new_contact_cnt']:,.0f}")
    st.page_link("app_pages/drilldown.py", label=t("compare.open_drilldown", unit=outlets[outlet]),
                 icon=":material/lan:", query_params={"unit": outlet})
    staff = data.staff_metrics(scope, outlet, period.start, period.end)
    if staff.empty:
        st.info(t("compare.no_staff"))
    else:
        widgets.table_with_export(view.staff_table(staff, labels=labels, t=t),
                                  name=f"outlet_staff_{outlet}_{period.key}", key="compare-staff")

# How each size group is spread on a metric of your choice.
st.subheader(t("compare.distribution"))
metric = st.selectbox(t("compare.distribution_metric"), view.SHOWN[1:], format_func=labels.get, key="compare-dist")
st.plotly_chart(view.distribution(league, metric=metric, name_column=name_column, labels=labels, t=t),
                key=f"distribution-{code}-{metric}")
