"""The dashboard's only data module: the cached engine and cached, scoped reads.

Every read takes the caller's scope, and cache keys are the arguments, so one user's cached
rows can never be served to a caller with another scope. Numbers come from the KPI engine:
these functions read rollups through store and compute with kpi.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from kpi.metrics import compute_metrics
from kpi.staff import staff_metrics as per_staff
from store import pages
from store.engine import make_engine
from store.pages import Scope
from store.staff_reads import subtree_staff
from store.targets import read_targets

TTL_SECONDS = 300


@st.cache_resource
def engine():  # noqa: ANN201 - a SQLAlchemy Engine; the dashboard never imports SQLAlchemy
    return make_engine()


@st.cache_data(ttl=TTL_SECONDS)
def data_period() -> tuple[date, date] | None:
    return pages.data_period(engine())


@st.cache_data(ttl=TTL_SECONDS)
def lineage(scope: Scope, code: str, day: date) -> pd.DataFrame:
    return pages.lineage(engine(), scope=scope, code=code, day=day)


def _with_names(rows: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    names = rows[["unit_code", "name", "name_en", "level"]].drop_duplicates("unit_code")
    return names.merge(values, on="unit_code").sort_values("unit_code").reset_index(drop=True)


@st.cache_data(ttl=TTL_SECONDS)
def child_metrics(scope: Scope, parent_code: str, start: date, end: date, metrics: tuple[str, ...],
                  department: str | None = None) -> pd.DataFrame:
    """Metrics of each child of `parent_code` over the period, with names."""
    rows = pd.concat([pages.child_rollups(engine(), scope=scope, parent_code=parent_code, start=start, end=end, grain=g)
                      for g in ("behaviour", "customer", "conversion")], ignore_index=True)
    if rows.empty:
        return pd.DataFrame()
    values = compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end,
                             by=["unit_code"], department=department)
    return _with_names(rows, values)


@st.cache_data(ttl=TTL_SECONDS)
def unit_metrics(scope: Scope, code: str, start: date, end: date, metrics: tuple[str, ...],
                 department: str | None = None) -> pd.Series | None:
    rows = pd.concat([pages.unit_rollups(engine(), scope=scope, code=code, start=start, end=end, grain=g)
                      for g in ("behaviour", "customer", "conversion")], ignore_index=True)
    if rows.empty:
        return None
    values = compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end,
                             by=["unit_code"], department=department)
    return values.iloc[0]


@st.cache_data(ttl=TTL_SECONDS)
def level_metrics(scope: Scope, level: str, under: str, start: date, end: date, metrics: tuple[str, ...],
                  department: str | None = None) -> pd.DataFrame:
    """Metrics of every unit at `level` inside `under` (e.g. all outlets of a branch)."""
    rows = pages.level_rollups(engine(), scope=scope, level=level, under=under, start=start, end=end)
    if rows.empty:
        return pd.DataFrame()
    values = compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end,
                             by=["unit_code"], department=department)
    return _with_names(rows, values)


@st.cache_data(ttl=TTL_SECONDS)
def daily_metrics(scope: Scope, level: str, under: str, start: date, end: date, metrics: tuple[str, ...],
                  department: str | None = None) -> pd.DataFrame:
    """Metrics per unit at `level` and per day (trends, S-curves)."""
    rows = pages.level_rollups(engine(), scope=scope, level=level, under=under, start=start, end=end)
    if rows.empty:
        return pd.DataFrame()
    values = compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end,
                             by=["unit_code", "day"], department=department)
    names = rows[["unit_code", "name", "name_en"]].drop_duplicates("unit_code")
    return names.merge(values, on="unit_code").sort_values(["unit_code", "day"]).reset_index(drop=True)


@st.cache_data(ttl=TTL_SECONDS)
def split_metrics(scope: Scope, code: str, start: date, end: date, metrics: tuple[str, ...],
                  by: tuple[str, ...], department: str | None = None) -> pd.DataFrame:
    """Metrics of one unit split by department, kind and/or segment (funnels)."""
    rows = pd.concat([pages.unit_rollups(engine(), scope=scope, code=code, start=start, end=end, grain=g)
                      for g in ("behaviour", "customer", "conversion")], ignore_index=True)
    if rows.empty:
        return pd.DataFrame()
    return compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end,
                           by=["unit_code", *by], department=department)


@st.cache_data(ttl=TTL_SECONDS)
def staff_metrics(scope: Scope, under: str, start: date, end: date) -> pd.DataFrame:
    """One row per staff member of the subtree, with their workload and sales."""
    return per_staff(subtree_staff(engine(), scope=scope, under=under, start=start, end=end), start=start, end=end)


@st.cache_data(ttl=TTL_SECONDS)
def targets(scope: Scope, period: str, under: str, end: date) -> pd.DataFrame:
    """Target cells of a period for the units of `under` (inside the caller's scope)."""
    pages.lineage(engine(), scope=scope, code=under, day=end)
    codes = pages.subtree_codes(engine(), root=under, day=end)
    return read_targets(engine(), period=period, unit_codes=codes)
