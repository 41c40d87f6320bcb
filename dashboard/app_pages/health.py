"""Data health (admin): freshness per source, load runs, rejects, coverage."""

from datetime import date

import streamlit as st

from dashboard import charts, data, state, widgets
from dashboard import health_view as view
from dashboard.state import t

RUN_LIMITS = (50, 200, 1000)

st.title(t("health.title"))
scope, language = state.scope(), state.language()
today = date.today()
fresh = data.health_freshness(scope, today)
if fresh.empty:  # nothing was ever loaded
    widgets.empty_state()
    st.stop()
about, refresh = st.columns([5, 1])
about.caption(t("health.caption", today=today))
if refresh.button(t("health.refresh"), key="hl-refresh", icon=":material/refresh:"):
    data.refresh_health()
    st.rerun()

# 1. Freshness: is every source up to the newest day the others have reached?
st.subheader(t("health.freshness"))
late_after = st.columns([1, 3])[0].number_input(t("health.late_after"), min_value=0, value=1, step=1, key="hl-late-after",
                                                   help=t("health.late_help"))
judged = view.judge_freshness(fresh, late_after=int(late_after))
late = view.late_sources(judged)
if late:
    names = t("health.list_separator").join(view.source_label(s, t) for s in late)
    st.warning(t("health.late_warning", count=len(late), days=int(late_after), sources=names), icon=":material/schedule:")
else:
    st.success(t("health.all_fresh", days=int(late_after)), icon=":material/check_circle:")
widgets.table_with_export(view.freshness_table(judged, t), name="health_freshness", key="hl-freshness")

# 2. Load runs, newest first, filterable; failures stand out.
st.subheader(t("health.runs"))
facets = data.health_run_facets(scope)
pick_status, pick_source, pick_limit = st.columns([2, 3, 1])
statuses = pick_status.multiselect(t("health.filter_status"), facets["status"], key="hl-run-status",
                                   format_func=lambda s: view.status_label(s, t), placeholder=t("health.any"))
sources = pick_source.multiselect(t("health.filter_source"), facets["source"], key="hl-run-source",
                                  format_func=lambda s: view.source_label(s, t), placeholder=t("health.any"))
limit = pick_limit.selectbox(t("health.run_limit"), RUN_LIMITS, index=1, key="hl-run-limit")
runs = data.health_runs(scope, limit, tuple(statuses), tuple(sources))
failed = view.failed_runs(runs)
if not failed.empty:
    st.error(t("health.failed_runs", count=len(failed), files=t("health.list_separator").join(
        failed["file"].map(view.file_name).head(5))), icon=":material/error:")
if runs.empty:
    st.info(t("health.no_runs"))
else:
    measure = st.segmented_control(t("health.chart_measure"), view.RUN_MEASURES, default="duration_s",
                                   format_func=lambda m: t(f"health.measure.{m}"), key="hl-run-measure")
    st.plotly_chart(view.runs_figure(runs, measure=measure or "duration_s", t=t), key="hl-runs-chart")
    st.caption(t("health.runs_caption", count=len(runs)))
    widgets.table_with_export(view.runs_table(runs, t), name="health_runs", key="hl-runs")

# 3. Rejects: every quarantined row with file, line, column and reason.
st.subheader(t("health.rejects"))
latest = data.health_rejects(scope)
files_of = {**dict(zip(runs["id"], runs["file"], strict=True)), **dict(zip(latest["run_id"], latest["file"], strict=True))}
run_choices = sorted(set(latest["run_id"]) | set(runs.loc[runs["rows_rejected"] > 0, "id"]), reverse=True)
pick_run, pick_file = st.columns(2)
run_id = pick_run.selectbox(
    t("health.filter_run"), [None, *run_choices], key="hl-rej-run",
    format_func=lambda r: t("health.latest_runs") if r is None else f"#{r} · {view.file_name(files_of.get(r, ''))}")
rejects = latest if run_id is None else data.health_rejects(scope, int(run_id))
file_choices = sorted(set(rejects["file"].map(view.file_name)))
chosen_file = pick_file.selectbox(t("health.filter_file"), [None, *file_choices], key="hl-rej-file",
                                  format_func=lambda f: t("health.all_files") if f is None else f)
if chosen_file is not None:
    rejects = rejects[rejects["file"].map(view.file_name) == chosen_file]
if rejects.empty:
    st.success(t("health.no_rejects"), icon=":material/check_circle:")
else:
    if len(rejects) >= data.REJECT_LIMIT:
        st.warning(t("health.rejects_truncated", limit=data.REJECT_LIMIT))
    widgets.table_with_export(view.rejects_table(rejects, t), name="health_rejects", key="hl-rejects")
    st.markdown(f"**{t('health.reject_counts')}**")
    st.caption(t("health.reject_counts_caption"))
    counts = data.health_reject_counts(scope, None if run_id is None else int(run_id))
    widgets.table_with_export(view.reject_counts_table(counts, t), name="health_reject_counts", key="hl-reject-counts")

# 4. Coverage: who is on the roster but sent no data in the period?
st.subheader(t("health.coverage"))
period = st.session_state.get("period")
if period is None:
    widgets.empty_state()
    st.stop()
unit = data.lineage(scope, scope.unit_code, period.end).iloc[-1][state.name_column()]
roster = data.health_coverage(scope, scope.unit_code, period.start, period.end)
total, silent, share = view.coverage_summary(roster)
st.caption(t("health.coverage_caption", unit=unit, start=period.start, end=period.end))
cards = st.columns(3)
cards[0].metric(t("health.roster_staff"), f"{total:,}")
cards[1].metric(t("health.silent_staff"), f"{silent:,}")
cards[2].metric(t("health.silent_share"), charts.percent(share))
if silent == 0:
    st.success(t("health.no_silent"), icon=":material/check_circle:")
    st.stop()
by_staff, by_outlet = st.tabs([t("health.silent_list", count=silent), t("health.per_outlet")])
with by_staff:
    widgets.table_with_export(view.silent_staff_table(roster, t, language=language),
                              name=f"health_silent_staff_{period.key}", key="hl-silent")
with by_outlet:
    widgets.table_with_export(view.outlet_coverage_table(roster, t, language=language),
                              name=f"health_coverage_outlets_{period.key}", key="hl-outlets")
