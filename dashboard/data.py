"""The dashboard's only data module: the cached engine and cached, scoped reads.

Every read takes the caller's scope, and cache keys are the arguments, so one user's cached
rows can never be served to a caller with another scope. Numbers come from the KPI engine:
these functions read rollups through store and compute with kpi.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st

from kpi.metrics import metrics_from_components
from kpi.staff import staff_metrics_from_sums
from kpi.totals import period_totals_by, shape_totals, term_specs
from store import pages
from store import totals as store_totals
from store.engine import make_engine
from store.pages import Scope
from store.collapsed import collapsed_rollups, collapsed_units
from store.totals import Units
from store.staff_reads import staff_sums
from store import targets as target_store
from store.targets import read_targets

TTL_SECONDS = 300
P, R = ParamSpec("P"), TypeVar("R")


def _cached(ttl: int = TTL_SECONDS) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A cached read: each caller gets its own copy of the result, as from st.cache_data, but
    without its pickle. st.cache_data pickles every result on a miss and unpickles it on every
    hit (Python's default protocol 4: numbers copied out twice into fresh memory), ~20-30 ms
    each way for a head office's 50,000 staff rows. st.cache_resource keeps the result itself,
    and _own hands out copies that cannot change it. `read.clear()` drops the read's entries."""
    def decorate(read: Callable[P, R]) -> Callable[P, R]:
        # show_spinner: its default text is English-only. Streamlit keys the cache on the
        # read's name, source and parameter names: the decorated function is the read itself.
        cached = st.cache_resource(ttl=ttl, show_spinner=False)(read)

        @functools.wraps(read)
        def own(*args: P.args, **kwargs: P.kwargs) -> R:
            return _own(cached(*args, **kwargs))

        own.clear = cached.clear  # type: ignore[attr-defined]
        _READS.append(cached)
        return own
    return decorate


def _own(value: R) -> R:
    """The caller's copy of a cached result. A frame's or series' shallow copy shares the data
    but not its fate: under pandas' Copy-on-Write (always on since 3.0) any write to it copies
    first, so the cached result never changes. Anything else (lists, dicts) is copied whole."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    return copy.deepcopy(value)


_READS: list = []  # every cached read (st.cache_data.clear() does not reach them: see clear_reads)


def clear_reads() -> None:
    """Empty the cache of every read (tests and the benchmark start from a cold cache)."""
    for read in _READS:
        read.clear()


@st.cache_resource
def engine():  # noqa: ANN201 - a SQLAlchemy Engine; the dashboard never imports SQLAlchemy
    return make_engine()


@_cached()
def data_period() -> tuple[date, date] | None:
    return pages.data_period(engine())


@_cached()
def lineage(scope: Scope, code: str, day: date) -> pd.DataFrame:
    return pages.lineage(engine(), scope=scope, code=code, day=day)


def _totals(scope: Scope, units: Units, start: date, end: date, metrics: tuple[str, ...],
            department: str | None, *, dimensions: tuple[str, ...] = (), per_day: bool = False,
            prune_grains: bool = False, row_counts: bool = False) -> tuple[pd.DataFrame, list[dict]] | None:
    """Component totals of `metrics` per unit (× dimensions, × day), summed by the store in SQL
    and laid out for kpi.metrics_from_components; None when the units have no rows."""
    specs = term_specs(metrics, department=department, row_counts=row_counts)
    raw = store_totals.period_totals(engine(), scope=scope, units=units, start=start, end=end, terms=specs,
                                     dimensions=dimensions, per_day=per_day, prune_grains=prune_grains)
    if raw.empty:
        return None
    return shape_totals(raw, specs, dimensions=dimensions, per_day=per_day, department=department), specs


def _named(values: pd.DataFrame, end: date, *, level: bool = True) -> pd.DataFrame:
    """Each unit's name (latest version begun by `end`) and level before its values."""
    codes = values["unit_code"].tolist()
    names = store_totals.unit_names(engine(), codes=list(dict.fromkeys(codes)), day=end)
    names = names if level else names.drop(columns="level")
    # A left merge on unit_code (names has one row per code), as positions: pandas' merge on
    # string keys cost ~10 ms a call for the bank's 5,000 outlets.
    at = pd.Index(names["unit_code"]).get_indexer(values["unit_code"])
    named = {"unit_code": values["unit_code"].array}
    named |= {c: names[c].array.take(at, allow_fill=True) for c in names.columns if c != "unit_code"}
    named |= {c: values[c].array for c in values.columns if c != "unit_code"}
    return pd.DataFrame(named)


def _unit_values(scope: Scope, units: Units, start: date, end: date, metrics: tuple[str, ...],
                 department: str | None) -> pd.DataFrame | None:
    found = _totals(scope, units, start, end, metrics, department)
    if found is None:
        return None
    return metrics_from_components(found[0], metrics=list(metrics), by=["unit_code"])


@_cached()
def child_metrics(scope: Scope, parent_code: str, start: date, end: date, metrics: tuple[str, ...],
                  department: str | None = None) -> pd.DataFrame:
    """Metrics of each child of `parent_code` over the period, with names."""
    values = _unit_values(scope, Units("children", parent_code), start, end, metrics, department)
    return pd.DataFrame() if values is None else _named(values, end)


@_cached()
def unit_metrics(scope: Scope, code: str, start: date, end: date, metrics: tuple[str, ...],
                 department: str | None = None) -> pd.Series | None:
    values = _unit_values(scope, Units("unit", code), start, end, metrics, department)
    return None if values is None else values.iloc[0]


@_cached()
def level_metrics(scope: Scope, level: str, under: str, start: date, end: date, metrics: tuple[str, ...],
                  department: str | None = None) -> pd.DataFrame:
    """Metrics of every unit at `level` inside `under` (e.g. all outlets of a branch)."""
    values = _unit_values(scope, Units("level", under, level), start, end, metrics, department)
    return pd.DataFrame() if values is None else _named(values, end)


@_cached()
def daily_metrics(scope: Scope, level: str, under: str, start: date, end: date, metrics: tuple[str, ...],
                  department: str | None = None) -> pd.DataFrame:
    """Metrics per unit at `level` and per day (trends, S-curves). Only the rows of the grains
    the metrics need are read (a unit-day with rows of other grains only is not a point)."""
    found = _totals(scope, Units("level", under, level), start, end, metrics, department, per_day=True,
                    prune_grains=True)
    if found is None:
        return pd.DataFrame()
    values = metrics_from_components(found[0], metrics=list(metrics), by=["unit_code", "day"])
    return _named(values, end, level=False).sort_values(["unit_code", "day"]).reset_index(drop=True)


@_cached()
def split_metrics(scope: Scope, code: str, start: date, end: date, metrics: tuple[str, ...],
                  by: tuple[str, ...], department: str | None = None) -> pd.DataFrame:
    """Metrics of one unit split by department, kind and/or segment (funnels)."""
    found = _totals(scope, Units("unit", code), start, end, metrics, department, dimensions=tuple(by))
    if found is None:
        return pd.DataFrame()
    return metrics_from_components(found[0], metrics=list(metrics), by=["unit_code", *by])


@_cached()
def staff_metrics(scope: Scope, under: str, start: date, end: date) -> pd.DataFrame:
    """One row per staff member of the subtree, with their workload and sales."""
    return staff_metrics_from_sums(staff_sums(engine(), scope=scope, under=under, start=start, end=end))


@_cached()
def targets(scope: Scope, period: str, under: str, end: date) -> pd.DataFrame:
    """Target cells of a period for the units of `under` (inside the caller's scope)."""
    pages.lineage(engine(), scope=scope, code=under, day=end)
    codes = pages.subtree_codes(engine(), root=under, day=end)
    return read_targets(engine(), period=period, unit_codes=codes)


@_cached()
def target_periods(scope: Scope) -> list[str]:
    """The periods that have targets (every scope sees the same calendar of periods)."""
    return target_store.target_periods(engine())


@_cached()
def cell_actuals(scope: Scope, under: str, level: str | None, start: date, end: date, cell: tuple[str, str, str, str],
                 ) -> pd.Series:
    """Actual of one target cell shape (kpi, department, kind, segment) over [start, end] for the
    children of `under` (level None) or its units at `level`: the weights of 'last period's actual'."""
    from kpi.bulletin import target_actuals

    units = Units("children", under) if level is None else Units("level", under, level)
    rows = collapsed_rollups(engine(), scope=scope, units=units, start=start, end=end, names=False)
    if rows.empty:
        return pd.Series(dtype=float)
    kpi, department, kind, segment = cell
    shape = pd.DataFrame({"unit_code": sorted(set(rows["unit_code"]))}).assign(
        kpi=kpi, department=department, kind=kind, segment=segment, value=0.0)
    actual = target_actuals(rows, shape, start=start, end=end)
    return actual.set_index("unit_code")["actual"]


@_cached()
def audit(scope: Scope, target_id: int, day: date) -> pd.DataFrame:
    """The audit trail of one target, if its unit is inside the caller's scope."""
    unit = target_store.target_unit(engine(), target_id=target_id)
    pages.lineage(engine(), scope=scope, code=unit or "", day=day)
    return target_store.audit_trail(engine(), target_id=target_id)


@_cached()
def first_unit_at(level: str, day: date) -> str | None:
    """The first unit (by code) of a level on `day`: the demo's branch-leader persona."""
    units = pages.units_on(engine(), day=day)
    found = units.loc[units["level"] == level, "code"]
    return found.iloc[0] if not found.empty else None


def forget_targets() -> None:
    """Drop every cached read that shows targets, after a write (other users' caches too:
    a saved target must not look unsaved to anyone)."""
    for read in (targets, target_periods, attainment, plan, bulletin_workbook, audit):
        read.clear()


@_cached()
def subtree_units(scope: Scope, under: str, day: date) -> pd.DataFrame:
    """The org units (code, name, name_en, level, parent_code) of the subtree of `under` as they
    stood on `day`, `under` included; refuses a root outside the caller's scope (pickers)."""
    pages.lineage(engine(), scope=scope, code=under, day=day)
    return pages.subtree_units(engine(), root=under, day=day)


@_cached()
def plan(scope: Scope, kpi: str, under: str, end: date) -> pd.DataFrame:
    """Every period's targets of `kpi` for the units of `under` (the rollout plan)."""
    from store.targets import kpi_targets

    pages.lineage(engine(), scope=scope, code=under, day=end)
    return kpi_targets(engine(), kpi=kpi, unit_codes=pages.subtree_codes(engine(), root=under, day=end))


@_cached()
def unit_trend(scope: Scope, code: str, start: date, end: date, metrics: tuple[str, ...],
               weekly: bool = False, department: str | None = None) -> pd.DataFrame:
    """Metrics of one unit per day, or per ISO week clipped to [start, end] (trend lines).

    Each day or week is its own period for the KPI engine, so a week's ratio is a ratio of the
    week's sums (never a mean of daily ratios) and its snapshots are its last day's."""
    found = _totals(scope, Units("unit", code), start, end, metrics, department, per_day=True,
                    row_counts=weekly)
    if found is None:
        return pd.DataFrame()
    daily, specs = found
    if not weekly:
        return metrics_from_components(daily, metrics=list(metrics), by=["day"])
    days = pd.Series(pd.date_range(start, end))
    weeks = [(week.min().date(), week.max().date()) for _, week in days.groupby(days.dt.to_period("W-SUN"))]
    totals = period_totals_by(daily, specs, weeks)
    values = metrics_from_components(totals, metrics=list(metrics), by=["day"])
    # Each week used to be its own by=[] computation, whose values are floats.
    return values.astype({m: float for m in metrics})[["day", *metrics]]


@_cached()
def attainment(scope: Scope, code: str, period_key: str, start: date, end: date, children: bool,
               department: str | None = None) -> pd.DataFrame:
    """Target cells of `code` (or of its children) for the period with actual, completion,
    time progress, gap and status, from the KPI engine."""
    from kpi.bulletin import attainment_sheet, cell_components

    units = Units("children", code) if children else Units("unit", code)
    # The targets first (the units with rows are cheap to find): most units below the top have
    # none, and then their rollups need not be read at all.
    codes = collapsed_units(engine(), scope=scope, units=units, start=start, end=end)
    if not codes:
        return pd.DataFrame()
    cells = read_targets(engine(), period=period_key, unit_codes=codes)
    if department:
        cells = cells[cells["department"] == department]
    if cells.empty:
        return pd.DataFrame()
    # Only the columns the cells' actuals are computed from (a few of ~30: each costs SQL and pandas).
    rows = collapsed_rollups(engine(), scope=scope, units=units, start=start, end=end, names=children,
                             components=cell_components(cells["kpi"]))
    judged = attainment_sheet(rows, cells, period=period_key, start=start, end=end, as_of=end)
    if "name" not in rows:
        return judged
    # Each cell's unit name: a left merge on unit_code, as positions (the first row of a unit).
    names = rows[["unit_code", "name", "name_en"]].drop_duplicates("unit_code")
    at = pd.Index(names["unit_code"]).get_indexer(judged["unit_code"])
    return judged.assign(name=names["name"].array.take(at, allow_fill=True),
                         name_en=names["name_en"].array.take(at, allow_fill=True))


@_cached()
def bulletin_workbook(scope: Scope, period_key: str, under: str, start: date, end: date, lang: str) -> bytes:
    """The weekly bulletin (通报) of `under` as an Excel file: the same builder as
    `python -m kpi bulletin`."""
    from kpi.bulletin_book import build_bulletin
    from store.exports import to_xlsx

    rollups = {level: collapsed_rollups(engine(), scope=scope, units=Units("level", under, level), start=start, end=end)
               for level in ("head_office", "province", "branch", "outlet")}
    cells = read_targets(engine(), period=period_key, unit_codes=pages.subtree_codes(engine(), root=under, day=end))
    sheets = build_bulletin(rollups=rollups, targets=cells, period=period_key, start=start, end=end, lang=lang)
    return to_xlsx(sheets)


@_cached()
def staff_metrics_in(scope: Scope, under: str, start: date, end: date, department: str | None = None) -> pd.DataFrame:
    """`staff_metrics` with the sales of one department only (None = all), so a staff list
    under a department filter adds up to its unit's rollup under the same filter."""
    parts = staff_sums(engine(), scope=scope, under=under, start=start, end=end, department=department)
    return staff_metrics_from_sums(parts)


# --- data health ---
# Load runs change while an admin watches a load: a short cache, and a refresh button.
HEALTH_TTL_SECONDS = 30
REJECT_LIMIT = 5000


@_cached(HEALTH_TTL_SECONDS)
def health_freshness(scope: Scope, today: date) -> pd.DataFrame:
    """Per source: last successful load, newest day, days behind `today` (`python -m etl status`)."""
    from store.read import source_freshness

    return source_freshness(engine(), today=today)


@_cached(HEALTH_TTL_SECONDS)
def health_runs(scope: Scope, limit: int, statuses: tuple[str, ...] = (), sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """The latest load runs, newest first, with timings; empty filters keep everything."""
    from store.health import load_runs

    return load_runs(engine(), limit=limit, statuses=statuses, sources=sources)


@_cached(HEALTH_TTL_SECONDS)
def health_run_facets(scope: Scope) -> dict[str, list[str]]:
    from store.health import run_facets

    return run_facets(engine())


@_cached(HEALTH_TTL_SECONDS)
def health_rejects(scope: Scope, run_id: int | None = None) -> pd.DataFrame:
    """Quarantined rows of one run, or of every file's latest run (`python -m etl rejects`)."""
    from store.read import rejects

    return rejects(engine(), run_id=run_id, limit=REJECT_LIMIT)


@_cached(HEALTH_TTL_SECONDS)
def health_reject_counts(scope: Scope, run_id: int | None = None) -> pd.DataFrame:
    from store.health import reject_counts

    return reject_counts(engine(), run_id=run_id)


@_cached(HEALTH_TTL_SECONDS)
def health_coverage(scope: Scope, under: str, start: date, end: date) -> pd.DataFrame:
    """Staff on the roster of `under` in the period, each with whether any data came in."""
    from store.health import staff_coverage

    return staff_coverage(engine(), scope=scope, under=under, start=start, end=end)


def refresh_health() -> None:
    """Drop the cached health reads so the next run reads the store again."""
    for read in (health_freshness, health_runs, health_run_facets, health_rejects, health_reject_counts,
                 health_coverage):
        read.clear()


# --- incentives ---
@_cached()
def payout_curves(scope: Scope, status: str | None) -> pd.DataFrame:
    """Each role's newest payout curve with `status` ("approved", "draft"; None = newest of any
    status). The plan is bank-wide: the scope only keys the cache like every other read."""
    from store.incentives import read_curves

    return read_curves(engine(), status=status)


@_cached()
def incentive_targets(scope: Scope, period: str, under: str, start: date, end: date) -> pd.DataFrame:
    """Target cells of a period for the units of `under` and for its staff (staff-level targets,
    whose unit_code is a staff id), each with its last approved value (NaN if never approved)."""
    from store.incentives import scoped_targets
    from store.staff_reads import roster_ids

    pages.lineage(engine(), scope=scope, code=under, day=end)  # refuse anything outside scope
    # The subtree as subqueries: a bank's 5,000 codes bound one by one cost more than the read.
    tree = pages.subtree_table(root=under, day=end)
    codes, outlets = pages.codes_in(tree), pages.codes_in(tree, level="outlet")
    # Staff cells: everyone on the roster of the subtree in the period (the staff_metrics_in rows).
    return scoped_targets(engine(), period=period, unit_codes=codes, staff_ids=roster_ids(outlets, start, end))


def forget_incentives() -> None:
    """Drop the cached curves and targets after a scenario was saved (for every user)."""
    for read in (payout_curves, incentive_targets):
        read.clear()
    forget_targets()
