"""Hierarchy drill-down: any unit → its children with their KPIs → the staff of an outlet.

The unit in view is the `unit` query parameter, so every view is a shareable link. Drilling
(a bar, a treemap cell, the picker or a breadcrumb) changes it from a callback, and Streamlit
1.67 pushes each query-parameter change as a browser history entry and reruns on popstate, so
the browser's back button walks back up the drill path (tests/e2e/test_drilldown_browser.py).
"""

from functools import partial

import streamlit as st

from dashboard import data, periods, state, widgets
from dashboard import drilldown_view as view
from dashboard.state import t

st.title(t("drilldown.title"))
period = st.session_state.get("period")
if period is None:
    widgets.empty_state()
    st.stop()

scope, department, language = state.scope(), state.department(), state.language()
name_column = state.name_column()


def label(metric: str) -> str:
    return view.metric_label(metric, language)


def url_choice(where, param: str, title: str, options: tuple[str, ...]) -> str:  # noqa: ANN001
    """A metric picker kept in the `param` query parameter by metric name (not by its label,
    so a link works in either language); the key follows the URL, so back restores it."""
    current = st.query_params.get(param)
    current = current if current in options else options[0]
    key = f"{param}-{current}"
    where.selectbox(title, options, index=options.index(current), format_func=label, key=key,
                    on_change=lambda: st.query_params.update({param: st.session_state[key]}))
    return current


def drill_on_click(key: str, codes: tuple[str, ...]) -> None:
    """Chart callback: drill to the clicked child. A callback fires once per new click, so a
    click still held by the browser when back is pressed mid-run can never drill again."""
    picked = view.picked_unit([st.session_state.get(key)], codes)
    if picked:
        state.drill_to(picked)


def arrival(code: str) -> int:
    """Counts arrivals at units in this session. Chart keys carry it, so each arrival (by the
    back button too) gets new charts: the browser keeps a chart's last state per key (the
    treemap zoomed into the clicked cell, the clicked bar) and would show it again."""
    seen = st.session_state.setdefault("drilldown_arrival", {"unit": None, "count": 0})
    if seen["unit"] != code:
        seen.update(unit=code, count=seen["count"] + 1)
    return seen["count"]


# The unit in view; a unit outside the caller's scope (or unknown) is refused, not shown.
code, path = widgets.unit_in_view(scope, period)
here = path.iloc[-1]

# Breadcrumb: each level above is a button that drills back up.
widgets.breadcrumb(path, code=code, name_column=name_column)
st.caption(t("drilldown.caption", level=t(f"level.{here['level']}"), unit=widgets.plain(here[name_column]), code=code,
             start=period.start, end=period.end))

# Headline metrics of the unit, with the change against the previous period.
st.subheader(t("drilldown.headline"))
headline = data.unit_metrics(scope, code, period.start, period.end, view.HEADLINE, department)
if headline is None:
    st.info(t("drilldown.no_data", unit=widgets.plain(here[name_column])))
    st.stop()
bounds = data.data_period()
before_period = periods.previous(period, first=bounds[0]) if bounds else None
before = (data.unit_metrics(scope, code, before_period.start, before_period.end, view.HEADLINE, department)
          if before_period else None)
for row in (view.HEADLINE[:4], view.HEADLINE[4:]):
    for column, metric in zip(st.columns(len(row)), row, strict=True):
        delta = view.change(metric, headline[metric], before[metric], language) if before is not None else None
        column.metric(label(metric), view.display(metric, headline[metric], language), delta=delta, border=True)
if before is not None:
    st.caption(t("drilldown.previous", start=before_period.start, end=before_period.end))

# At an outlet: its staff, the bottom of the drill.
if here["level"] == "outlet":
    staff = data.staff_metrics_in(scope, code, period.start, period.end, department)
    st.subheader(t("drilldown.staff", unit=widgets.plain(here[name_column]), count=len(staff)))
    st.caption(t("drilldown.staff_note"))
    if department:
        st.caption(t("drilldown.staff_department", department=t(f"department.{department}")))
    if staff.empty:
        st.info(t("drilldown.no_staff"))
        st.stop()
    shown = url_choice(st, "staff_metric", t("drilldown.staff_metric"), view.STAFF_METRICS)
    st.plotly_chart(view.metric_bars(staff, metric=shown, label=label(shown), name_column="name",
                                     id_column="staff_id", drill=False, language=language), key=f"staff-bars-{code}")
    st.subheader(t("drilldown.staff_table"))
    widgets.table_with_export(view.staff_table(staff, labels=label, t=t),
                              name=t("drilldown.export_staff", code=code), key=f"staff-{code}")
    st.stop()

# Above an outlet: the children with their KPIs, as charts to click and a table to read.
children = data.child_metrics(scope, code, period.start, period.end, view.CHILD_METRICS, department)
if children.empty:
    st.info(t("drilldown.no_children"))
    st.stop()
st.subheader(t("drilldown.children", level=t(f"level.{children['level'].iloc[0]}")))
choices = st.columns(3)
shown = url_choice(choices[0], "metric", t("drilldown.bar_metric"), view.BAR_METRICS)
size = url_choice(choices[1], "size", t("drilldown.treemap_size"), view.SIZE_METRICS)
colour = url_choice(choices[2], "colour", t("drilldown.treemap_colour"), view.COLOUR_METRICS)
codes, visit = tuple(children["unit_code"]), arrival(code)
bars, cells = st.columns(2)
bars.plotly_chart(view.metric_bars(children, metric=shown, label=label(shown), name_column=name_column,
                                   id_column="unit_code", drill=True, language=language),
                  on_select=partial(drill_on_click, f"bars-{code}-{visit}", codes), selection_mode="points",
                  key=f"bars-{code}-{visit}")
cells.plotly_chart(view.children_treemap(children, root=(code, here[name_column]), size=size, colour=colour,
                                         labels=label, name_column=name_column),
                   on_select=partial(drill_on_click, f"treemap-{code}-{visit}", codes), selection_mode="points",
                   key=f"treemap-{code}-{visit}")

# The same drill for the keyboard (and for the tests: AppTest cannot click a chart).
names = dict(zip(children["unit_code"], children[name_column], strict=True))
picker = f"drill-{code}-{visit}"
st.selectbox(t("drilldown.drill_select"), [None, *names], key=picker,
             format_func=lambda c: t("drilldown.drill_none") if c is None else f"{names[c]} ({c})",
             on_change=lambda: state.drill_to(st.session_state[picker] or code))

st.subheader(t("drilldown.table"))
widgets.table_with_export(view.children_table(children, name_column=name_column, labels=label, t=t),
                          name=t("drilldown.export_children", code=code), key=f"children-{code}")
