"""The naive approach a typical Streamlit dashboard takes, for the same answers as the pages.

On every interaction it reads the raw facts of the period with pd.read_sql (the whole bank:
scoping happens in pandas, after the read) and groups them in pandas. To give the same
numbers as the dashboard it must honour the same semantics (each fact placed by the roster
and org valid on its day, snapshots on the period's last day, ratios of sums), so it groups
with the project's own pure code: the per-day rollup the ETL runs once per loaded day
(etl.rollups / kpi.rollup), then kpi.metrics or kpi.staff. What it lacks is exactly what the
design adds: the rollup_day table and reads scoped in SQL.

Every case is checked against the real path before it is timed: if the two disagree the
benchmark fails with the differences (`NaiveMismatch`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bench.pages import ADOPTION, View, cold
from bench.timing import Timing
from dashboard import compare_view, conversion_view, data
from etl.rollups import ACTIVE_DAYS, ChainCache, day_rollup_rows  # the ETL's own per-day rollup
from kpi.metrics import compute_metrics
from kpi.rollup import KEY, advance_live
from kpi.staff import staff_metrics as per_staff
from store.engine import Engine
from store.pages import subtree_codes
from store.schema import fact_contact, fact_conversion, fact_staff_day, org_unit, staff

EVENTS = ("added_on", "removed_on", "first_chat_on")
CONTACT_COLUMNS = ("staff_id", "kind", "segment", *EVENTS)


class NaiveMismatch(AssertionError):
    """The naive path and the dashboard disagree: one of them is wrong."""


@dataclass
class Raw:
    """The raw tables a naive dashboard reads on each interaction (empty when not needed)."""

    org: pd.DataFrame
    staff: pd.DataFrame
    facts: pd.DataFrame
    conversions: pd.DataFrame
    contacts: pd.DataFrame


def read_raw(engine: Engine, *, start: date, end: date, contacts: bool, conversions: bool) -> Raw:
    """pd.read_sql of the org, the roster and the period's facts (a week more for the
    'active in the last 7 days' snapshot); contacts and conversions only when asked for."""
    facts_from = start - timedelta(days=ACTIVE_DAYS - 1)
    sales = fact_conversion.select().where(fact_conversion.c.day.between(start, end))
    relations = fact_contact.select().with_only_columns(*[fact_contact.c[c] for c in CONTACT_COLUMNS])
    relations = relations.where(fact_contact.c.added_on <= end)
    raw = Raw(
        org=pd.read_sql(org_unit.select(), engine).drop(columns="id"),
        staff=pd.read_sql(staff.select(), engine).drop(columns="id"),
        facts=pd.read_sql(fact_staff_day.select().where(fact_staff_day.c.day.between(facts_from, end)), engine),
        conversions=pd.read_sql(sales if conversions else sales.where(False), engine),  # empty: same columns
        contacts=pd.read_sql(relations if contacts else relations.where(False), engine),
    )
    raw.conversions["amount"] = raw.conversions["amount"].astype(float)
    for column in EVENTS:
        raw.contacts[column] = pd.to_datetime(raw.contacts[column])
    return raw


def rollup_rows(raw: Raw, *, start: date, end: date) -> pd.DataFrame:
    """rollup_day's rows for [start, end], computed from the raw facts day by day."""
    chains = ChainCache(raw.org)
    live = _counts(raw.contacts[(raw.contacts["added_on"] < pd.Timestamp(start))
                                & ~(raw.contacts["removed_on"] < pd.Timestamp(start))])
    events = {e: _by_day(raw.contacts, e, start, end) for e in EVENTS}
    frames = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        added, removed, first = (events[e].get(day, _counts(raw.contacts.iloc[:0])) for e in EVENTS)
        live = advance_live(live, added, removed)
        frames.append(day_rollup_rows(day, raw.org, raw.staff, raw.facts, raw.conversions,
                                      (live, added, removed, first), chains.on(day)))
    return pd.concat(frames, ignore_index=True)


def _counts(contacts: pd.DataFrame) -> pd.Series:
    if contacts.empty:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_tuples([], names=KEY))
    return contacts.groupby(KEY).size()


def _by_day(contacts: pd.DataFrame, event: str, start: date, end: date) -> dict[date, pd.Series]:
    inside = contacts[contacts[event].between(pd.Timestamp(start), pd.Timestamp(end))]
    return {day.date(): _counts(rows) for day, rows in inside.groupby(event)}


def in_scope(raw: Raw, outlets: list[str], *, start: date, end: date) -> Raw:
    """The staff who were in `outlets` at some time of [start, end], with all their roster
    versions, facts and relations: everything the units of that subtree are made of."""
    versions = raw.staff
    inside = versions["outlet_code"].isin(outlets) & (versions["valid_from"] <= end) & ~(versions["valid_to"] <= start)
    ids = set(versions.loc[inside, "staff_id"])

    def theirs(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["staff_id"].isin(ids)].reset_index(drop=True)

    return Raw(raw.org, theirs(versions), theirs(raw.facts), theirs(raw.conversions), theirs(raw.contacts))


def child_adoption(raw: Raw, v: View, outlets: list[str]) -> pd.DataFrame:
    rows = rollup_rows(in_scope(raw, outlets, start=v.period.start, end=v.period.end),
                       start=v.period.start, end=v.period.end)
    return _metrics(rows[rows["parent_code"] == v.code], v, ADOPTION)


def outlet_league(raw: Raw, v: View, outlets: list[str]) -> pd.DataFrame:
    rows = rollup_rows(in_scope(raw, outlets, start=v.period.start, end=v.period.end),
                       start=v.period.start, end=v.period.end)
    rows = rows[(rows["level"] == "outlet") & rows["unit_code"].isin(outlets)]
    return _metrics(rows, v, compare_view.LEAGUE_METRICS)


def conversion_funnel(raw: Raw, v: View, outlets: list[str]) -> pd.DataFrame:
    rows = rollup_rows(in_scope(raw, outlets, start=v.period.start, end=v.period.end),
                       start=v.period.start, end=v.period.end)
    return _metrics(rows[rows["unit_code"] == v.code], v, conversion_view.METRICS, by=("segment",))


def staff_workload(raw: Raw, v: View, outlets: list[str]) -> pd.DataFrame:
    start, end = v.period.start, v.period.end
    mine = in_scope(raw, outlets, start=start, end=end)
    roster = mine.staff[mine.staff["outlet_code"].isin(outlets) & (mine.staff["valid_from"] <= end)
                        & ~(mine.staff["valid_to"] <= start)]
    contacts = mine.contacts[(mine.contacts["added_on"] <= pd.Timestamp(end))
                             & ~(mine.contacts["removed_on"] <= pd.Timestamp(end))]
    live = contacts.groupby(["staff_id", "kind"]).size().rename("contacts_live").reset_index()
    bundle = {"roster": roster, "org": raw.org, "facts": mine.facts[mine.facts["day"] >= start].reset_index(drop=True),
              "conversions": mine.conversions, "contacts_live": live,
              "outlets": pd.DataFrame({"outlet_code": outlets})}
    return per_staff(bundle, start=start, end=end)


def _metrics(rows: pd.DataFrame, v: View, metrics: tuple[str, ...], by: tuple[str, ...] = ()) -> pd.DataFrame:
    return compute_metrics(rows, metrics=list(metrics), period_start=v.period.start, period_end=v.period.end,
                           by=["unit_code", *by])


@dataclass(frozen=True)
class Case:
    """One answer a page shows, computed the real way and the naive way."""

    name: str
    key: tuple[str, ...]
    contacts: bool
    conversions: bool
    real: Callable[[View], pd.DataFrame]
    naive: Callable[[Raw, View, list[str]], pd.DataFrame]


CASES = (
    Case("overview: adoption of the units below", ("unit_code",), False, False,
         lambda v: data.child_metrics(v.scope, v.code, v.period.start, v.period.end, ADOPTION, None),
         child_adoption),
    Case("compare: outlet league inputs", ("unit_code",), True, True,
         lambda v: data.level_metrics(v.scope, "outlet", v.code, v.period.start, v.period.end,
                                      compare_view.LEAGUE_METRICS, None),
         outlet_league),
    Case("workload: per-staff metrics", ("staff_id",), True, True,
         lambda v: data.staff_metrics(v.scope, v.code, v.period.start, v.period.end),
         staff_workload),
    Case("conversion: funnel by segment", ("unit_code", "segment"), True, True,
         lambda v: data.split_metrics(v.scope, v.code, v.period.start, v.period.end, conversion_view.METRICS,
                                      ("segment",), None),
         conversion_funnel),
)


@dataclass
class Comparison:
    case: str
    rows: int
    real: Timing
    naive_read: Timing
    naive_group: Timing

    @property
    def naive(self) -> Timing:
        return Timing([r + g for r, g in zip(self.naive_read.runs_ms, self.naive_group.runs_ms, strict=True)])

    @property
    def ratio(self) -> float:
        return self.naive.median_ms / self.real.median_ms


def compare(engine: Engine, case: Case, v: View, *, runs: int, naive_runs: int) -> Comparison:
    """Check the naive answer equals the real one, then time both (real on a cold cache).

    A naive run takes seconds, so it has no warm-up run; its first answer is the one checked."""
    outlets = subtree_codes(engine, root=v.code, day=v.period.end, level="outlet")
    reads, groups, rows = [], [], 0
    for attempt in range(naive_runs):
        started = time.perf_counter()
        raw = read_raw(engine, start=v.period.start, end=v.period.end, contacts=case.contacts,
                       conversions=case.conversions)
        read = time.perf_counter()
        answer = case.naive(raw, v, outlets)
        reads.append((read - started) * 1000)
        groups.append((time.perf_counter() - read) * 1000)
        if not attempt:
            check(case.name, cold(case.real, v), answer, key=list(case.key))
            rows = len(answer)
    real = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        cold(case.real, v)
        if attempt:  # the first run warms the connection pool and the OS file cache
            real.append((time.perf_counter() - started) * 1000)
    return Comparison(case.name, rows, Timing(real), Timing(reads), Timing(groups))


def check(name: str, real: pd.DataFrame, naive: pd.DataFrame, *, key: list[str]) -> None:
    """Raise NaiveMismatch unless both have the same rows and, in every column of the naive
    answer, the same values (numbers to 1e-9 relative, NaN equal to NaN)."""
    columns = [c for c in naive.columns if c not in key]
    missing = [c for c in [*key, *columns] if c not in real.columns]
    if missing:
        raise NaiveMismatch(f"{name}: the dashboard's answer lacks columns {missing}")
    left = real.set_index(key)[columns].sort_index()
    right = naive.set_index(key)[columns].sort_index()
    if not left.index.equals(right.index):
        only_real, only_naive = left.index.difference(right.index), right.index.difference(left.index)
        raise NaiveMismatch(f"{name}: rows differ; only in the dashboard {list(only_real)[:5]}, "
                            f"only naive {list(only_naive)[:5]}")
    problems = []
    for column in columns:
        a, b = left[column], right[column]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            same = np.isclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-9, equal_nan=True)
        else:
            same = (a.astype(str) == b.astype(str)).to_numpy()
        if not same.all():
            at = left.index[~same][0]
            problems.append(f"{column} at {at}: dashboard {_plain(a.loc[at])!r}, naive {_plain(b.loc[at])!r} "
                            f"({int((~same).sum())} rows differ)")
    if problems:
        raise NaiveMismatch(f"{name}: " + "; ".join(problems[:5]))


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (its repr is what a reader expects)."""
    return value.item() if isinstance(value, np.generic) else value
