"""Tables and figures of the data health page. Pure functions of DataFrames: no reads, no
Streamlit state; text comes in through `t`.

Times are stored in UTC and shown in China time (the bank's clock), without a zone so that
the Excel export can hold them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import PureWindowsPath

import pandas as pd
import plotly.graph_objects as go

Translate = Callable[..., str]
CLOCK = "Asia/Shanghai"
WARN_STATES = ("late", "no_success")  # the freshness states the warning names
RUN_MEASURES = ("duration_s", "rows_loaded", "rows_rejected")
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}


def _label(t: Translate, key: str, fallback: str) -> str:
    """A catalog label, or the raw code for a value the catalog does not know yet (a new
    source or status must still show, not break the page)."""
    try:
        return t(key)
    except KeyError:
        return fallback


def source_label(source: str, t: Translate) -> str:
    return f"{_label(t, f'health.source.{source}', source)} ({source})"


def status_label(status: str, t: Translate) -> str:
    return _label(t, f"health.status.{status}", status)


def file_name(path: str) -> str:
    """The file's name without its folder (the loader records the path it was given)."""
    return PureWindowsPath(path).name  # splits on both / and \


def china_time(values: pd.Series) -> pd.Series:
    """UTC timestamps (naive ones are UTC) as naive China time, to the second."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_convert(CLOCK).dt.tz_localize(None).dt.floor("s")


def judge_freshness(fresh: pd.DataFrame, *, late_after: int) -> pd.DataFrame:
    """`store.read.source_freshness` with how far each source is behind the newest day of
    any source, and its state: ok, late (more than `late_after` days behind), no_success
    (runs but none succeeded) or undated (files without days, e.g. the org and the roster)."""
    out = fresh.copy()
    days = [d if isinstance(d, date) else None for d in out["newest_day"]]
    newest = max((d for d in days if d is not None), default=None)
    out["days_behind_newest"] = [float((newest - d).days) if d is not None else float("nan") for d in days]
    out["state"] = [
        "no_success" if ok == 0 else "undated" if d is None else "late" if behind > late_after else "ok"
        for ok, d, behind in zip(out["ok_runs"], days, out["days_behind_newest"], strict=True)
    ]
    return out


def late_sources(judged: pd.DataFrame) -> list[str]:
    """Sources that are late or have never loaded successfully."""
    return judged.loc[judged["state"].isin(WARN_STATES), "source"].tolist()


def freshness_table(judged: pd.DataFrame, t: Translate) -> pd.DataFrame:
    return pd.DataFrame({
        t("health.col.source"): [source_label(s, t) for s in judged["source"]],
        t("health.col.state"): [t(f"health.state.{s}") for s in judged["state"]],
        t("health.col.last_loaded"): china_time(judged["last_loaded_at"]),
        t("health.col.newest_day"): judged["newest_day"],
        t("health.col.behind_newest"): judged["days_behind_newest"].astype("Int64"),
        t("health.col.behind_today"): pd.to_numeric(judged["days_behind"]).astype("Int64"),
        t("health.col.runs"): judged["runs"],
        t("health.col.ok_runs"): judged["ok_runs"],
        t("health.col.rows_loaded"): judged["rows_loaded"],
        t("health.col.rows_rejected"): judged["rows_rejected"],
    })


def runs_table(runs: pd.DataFrame, t: Translate) -> pd.DataFrame:
    """Runs newest first; a failed or interrupted run carries a mark a reader cannot miss."""
    marks = {"failed": "✖ ", "interrupted": "⚠ "}
    return pd.DataFrame({
        t("health.col.run"): runs["id"],
        t("health.col.source"): [source_label(s, t) for s in runs["source"]],
        t("health.col.file"): runs["file"].map(file_name),
        t("health.col.status"): [marks.get(s, "") + status_label(s, t) for s in runs["status"]],
        t("health.col.rows_in"): runs["rows_in"],
        t("health.col.rows_loaded"): runs["rows_loaded"],
        t("health.col.rows_rejected"): runs["rows_rejected"],
        t("health.col.first_day"): runs["first_day"],
        t("health.col.last_day"): runs["last_day"],
        t("health.col.started"): china_time(runs["started_at"]),
        t("health.col.finished"): china_time(runs["finished_at"]),
        t("health.col.duration"): runs["duration_s"].round(2),
        t("health.col.message"): runs["message"],
    })


def failed_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"].isin(["failed", "interrupted"])]


def runs_figure(runs: pd.DataFrame, *, measure: str, t: Translate) -> go.Figure:
    """One bar per run in load order, coloured by source; the hover names the file."""
    ordered = runs.sort_values("id")
    figure = go.Figure()
    for source, group in ordered.groupby("source", sort=True):
        figure.add_bar(x=[f"#{i}" for i in group["id"]], y=group[measure], name=source_label(source, t),
                       hovertext=group["file"].map(file_name), hovertemplate="%{x} %{hovertext}<br>%{y}<extra></extra>")
    figure.update_layout(xaxis={"type": "category", "categoryorder": "array",
                                "categoryarray": [f"#{i}" for i in ordered["id"]], "title": t("health.col.run")},
                         yaxis_title=t(f"health.measure.{measure}"), legend={"orientation": "h", "y": 1.15},
                         margin=MARGIN, height=320)
    return figure


def rejects_table(rejects: pd.DataFrame, t: Translate) -> pd.DataFrame:
    return pd.DataFrame({
        t("health.col.run"): rejects["run_id"],
        t("health.col.source"): [source_label(s, t) for s in rejects["source"]],
        t("health.col.file"): rejects["file"].map(file_name),
        t("health.col.line"): rejects["line"].astype("Int64"),
        t("health.col.column"): rejects["column"],
        t("health.col.reason"): rejects["reason"],
    })


def reject_counts_table(counts: pd.DataFrame, t: Translate) -> pd.DataFrame:
    return pd.DataFrame({
        t("health.col.source"): [source_label(s, t) for s in counts["source"]],
        t("health.col.reason"): counts["reason"],
        t("health.col.rejects"): counts["rejects"],
    })


def coverage_summary(roster: pd.DataFrame) -> tuple[int, int, float | None]:
    """(staff on the roster, staff with no data, their share; None without staff)."""
    total, silent = len(roster), int((~roster["has_data"]).sum())
    return total, silent, (silent / total if total else None)


def _outlet_name(roster: pd.DataFrame, language: str) -> pd.Series:
    column = "outlet_name" if language == "zh-CN" else "outlet_name_en"
    return roster[column].fillna(roster["outlet_code"])


def silent_staff_table(roster: pd.DataFrame, t: Translate, *, language: str) -> pd.DataFrame:
    """Staff with no data, by outlet then staff ID, with why that may be expected (WeCom
    not activated, no contact permission)."""
    silent = roster[~roster["has_data"]].sort_values(["outlet_code", "staff_id"]).reset_index(drop=True)
    return pd.DataFrame({
        t("health.col.staff_id"): silent["staff_id"],
        t("health.col.staff_name"): silent["name"],
        t("health.col.outlet_code"): silent["outlet_code"],
        t("health.col.outlet"): _outlet_name(silent, language),
        t("health.col.role"): [_label(t, f"workload.role.{r}", r) for r in silent["role"]],
        t("health.col.wecom_status"): [_label(t, f"health.wecom.{s}", str(s)) for s in silent["wecom_status"]],
        t("health.col.contact_enabled"): [t("health.yes") if v else t("health.no") for v in silent["contact_enabled"]],
    })


def outlet_coverage_table(roster: pd.DataFrame, t: Translate, *, language: str) -> pd.DataFrame:
    """Per outlet: staff on the roster, staff with no data and their share; most silent first."""
    named = roster.assign(outlet=_outlet_name(roster, language), silent=~roster["has_data"])
    per = (named.groupby(["outlet_code", "outlet"], as_index=False)
           .agg(staff=("staff_id", "size"), silent=("silent", "sum")))
    per["share"] = (per["silent"] / per["staff"]).round(3)
    per = per.sort_values(["silent", "outlet_code"], ascending=[False, True]).reset_index(drop=True)
    return pd.DataFrame({
        t("health.col.outlet_code"): per["outlet_code"],
        t("health.col.outlet"): per["outlet"],
        t("health.col.roster_staff"): per["staff"],
        t("health.col.silent_staff"): per["silent"].astype(int),
        t("health.col.silent_share"): per["share"],
    })
