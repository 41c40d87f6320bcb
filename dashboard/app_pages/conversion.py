"""Conversion: the add → chat → sell funnel (加·聊·卖) of a unit split by segment, kind or
department; opening, funding and card rates against the previous period; and their trends."""

from collections.abc import Callable

import streamlit as st

from dashboard import charts, data, periods, state, widgets
from dashboard import conversion_view as view
from dashboard.state import t
from kpi.registry import METRICS


def label(metric: str) -> str:
    """A metric's name from the registry, in the UI language."""
    return METRICS[metric].name_zh if state.language() == "zh-CN" else METRICS[metric].name_en


def stage_label(metric: str) -> str:
    return t("conversion.stage", step=t(f"conversion.step.{view.STEP.get(metric, 'sell')}"), metric=label(metric))


def group_label(split: str) -> Callable[[str], str]:
    """How to name the groups of a split (segment, kind, department) in the UI language."""
    prefix = "department" if split == "department" else f"conversion.{split}"
    return lambda value: t(f"{prefix}.{value}") if value in view.ORDER[split] else str(value)


st.title(t("conversion.title"))
period = st.session_state.get("period")
if period is None:
    widgets.empty_state()
    st.stop()

scope = state.scope()
department = state.department()
code, path = widgets.unit_in_view(scope, period)
name_column = state.name_column()
here = path.iloc[-1]

# Unit picker: the levels above are one click away, the units below one choice away.
widgets.breadcrumb(path, code=code, name_column=name_column)
if here["level"] != "outlet":
    children = data.child_metrics(scope, code, period.start, period.end, ("contacts_added",))
    options = dict(zip(children.get("unit_code", []), children.get(name_column, []), strict=True))
    st.selectbox(t("conversion.drill_select"), [None, *options], key=f"drill-{code}", width=320,
                 format_func=lambda c: t("conversion.drill_none") if c is None else f"{options[c]} ({c})",
                 on_change=lambda: state.drill_to(st.session_state[f"drill-{code}"] or code))
st.caption(t("conversion.caption", unit=widgets.plain(here[name_column]), start=period.start, end=period.end))

headline = data.unit_metrics(scope, code, period.start, period.end, view.METRICS, department)
if headline is None:
    st.info(t("conversion.no_data", unit=widgets.plain(here[name_column])))
    st.stop()

# Headline rates, each against the period before (in percentage points).
bounds = data.data_period()
before = periods.previous(period, first=bounds[0])
earlier = data.unit_metrics(scope, code, before.start, before.end, view.RATES, department) if before else None
cards = st.columns(len(view.RATES))
for card, rate in zip(cards, view.RATES, strict=True):
    change = view.points_delta(headline[rate], None if earlier is None else earlier[rate])
    card.metric(label(rate), charts.percent(headline[rate]), help=t(f"conversion.help.{rate}"), border=True,
                delta=None if change is None else t("conversion.delta_pp", points=f"{change:+.1f}"),
                delta_description=None if change is None else t("conversion.vs_previous"))
st.caption(t("conversion.previous_period", start=before.start, end=before.end) if before else t("conversion.no_previous"))

# The funnel, split the way the reader picks (kept in the URL so the view is a link).
st.subheader(t("conversion.funnel"))
wanted = st.query_params.get("split")
split = wanted if wanted in view.SPLITS else view.SPLITS[0]
picked = st.segmented_control(t("conversion.split"), view.SPLITS, default=split, key="conversion-split",
                              format_func=lambda s: t(f"conversion.split.{s}"))
if picked and picked != split:
    split = picked
    st.query_params["split"] = split
st.caption(t(f"conversion.grain.{split}"))
if department:
    st.caption(t("conversion.dept_filter", department=t(f"department.{department}")))

groups = data.split_metrics(scope, code, period.start, period.end, view.METRICS, (split,), department)
if split == "department":
    cells = data.split_metrics(scope, code, period.start, period.end, view.CONTACT_STAGES, ("kind", "segment"), department)
    groups = view.with_credited_contacts(groups, cells)
st.plotly_chart(view.funnel_figure(groups, by=split, stage_labels={s: stage_label(s) for s in view.STAGES},
                                   group_labels=group_label(split)), key=f"funnel-{split}")

st.subheader(t("conversion.table", split=t(f"conversion.split.{split}")))
columns = {s: stage_label(s) for s in view.STAGES}
if split == "department":
    columns.update({s: t("conversion.col.credited", metric=stage_label(s)) for s in view.CONTACT_STAGES})
columns.update({a: t("conversion.col.amount", metric=label(a)) for a in view.AMOUNTS})
columns.update({r: label(r) for r in view.RATES})
table = view.split_table(groups, headline, by=split, columns=columns, group_labels=group_label(split),
                         total_label=t("conversion.total"), group_title=t(f"conversion.group.{split}"))
widgets.table_with_export(table, name=f"conversion_{split}", key=f"conversion-{split}")

# Trends of the unit: daily, or weekly when the period is long.
st.subheader(t("conversion.trend"))
weekly = period.days > view.WEEKLY_AFTER_DAYS
bucket = "week" if weekly else "day"
st.caption(t("conversion.trend_caption", unit=widgets.plain(here[name_column]), bucket=t(f"conversion.bucket.{bucket}")))
trend = data.unit_trend(scope, code, period.start, period.end, view.METRICS, weekly, department)
left, right = st.columns(2)
left.markdown(f"**{t('conversion.trend_stages')}**")
right.markdown(f"**{t('conversion.trend_rates')}**")
left.plotly_chart(view.trend_figure(trend, labels={s: stage_label(s) for s in view.STAGES}, rates=False,
                                    x_title=t(f"conversion.axis.{bucket}"), y_title=t("conversion.axis.count")),
                  key="trend-stages")
right.plotly_chart(view.trend_figure(trend, labels={r: label(r) for r in view.RATES}, rates=True,
                                     x_title=t(f"conversion.axis.{bucket}"), y_title=t("conversion.axis.rate")),
                   key="trend-rates")
