"""The dashboard's only data module: the cached engine and cached, scoped reads.

Cache keys are the function arguments, and every read takes the caller's scope, so one
user's cached rows can never be served to a caller with another scope.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from kpi.metrics import compute_metrics
from store import pages
from store.engine import make_engine
from store.pages import Scope

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


@st.cache_data(ttl=TTL_SECONDS)
def child_metrics(scope: Scope, parent_code: str, start: date, end: date, metrics: tuple[str, ...]) -> pd.DataFrame:
    """Metrics of each child of `parent_code` over the period, with names."""
    rows = pages.child_rollups(engine(), scope=scope, parent_code=parent_code, start=start, end=end)
    if rows.empty:
        return pd.DataFrame()
    values = compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end, by=["unit_code"])
    names = rows[["unit_code", "name", "name_en", "level"]].drop_duplicates("unit_code")
    return names.merge(values, on="unit_code").sort_values("unit_code").reset_index(drop=True)


@st.cache_data(ttl=TTL_SECONDS)
def unit_metrics(scope: Scope, code: str, start: date, end: date, metrics: tuple[str, ...]) -> pd.Series | None:
    rows = pages.unit_rollups(engine(), scope=scope, code=code, start=start, end=end)
    if rows.empty:
        return None
    values = compute_metrics(rows, metrics=list(metrics), period_start=start, period_end=end, by=["unit_code"])
    return values.iloc[0]
