"""China business days and time progress (DESIGN §4 Attainment).

A day is a business day when it is Monday–Friday and not a public holiday, or when it is a
weekend make-up workday (调休). The dates come from the shipped ``data/cn_calendar.csv``
(see ``data/make_calendar.py`` for how it was built: 2025–2026 official, 2027 provisional).

An override frame with the same columns (date, kind holiday|workday, name, source) wins over the
shipped file: for every year it mentions, the shipped *provisional* rows of that year are
dropped first (an official notice replaces the rule-based guess as a whole), then each override
row replaces the shipped row of its date. A date in a year neither source covers is refused
(``CalendarCoverageError``) rather than guessed as weekends-only.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

CALENDAR_COLUMNS = ("date", "kind", "name", "source")


class CalendarCoverageError(ValueError):
    """A date outside the years the holiday calendar covers."""


@lru_cache(maxsize=1)
def _shipped_calendar() -> pd.DataFrame:
    with resources.files("kpi").joinpath("data/cn_calendar.csv").open("r", encoding="utf-8") as f:
        frame = pd.read_csv(f, dtype=str)
    return _normalise(frame)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("date", "kind") if c not in frame.columns]
    if missing:
        raise ValueError(f"calendar frame lacks columns {missing}")
    out = frame.reindex(columns=list(CALENDAR_COLUMNS)).copy()
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    bad = ~out["kind"].isin(["holiday", "workday"])
    if bad.any():
        raise ValueError(f"calendar kind must be holiday or workday: rows {list(out.index[bad])}")
    if out["date"].duplicated().any():
        raise ValueError("calendar lists a date twice")
    return out


def load_calendar(overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """The shipped calendar with ``overrides`` applied (see the module docstring)."""
    shipped = _shipped_calendar()
    if overrides is None or overrides.empty:
        return shipped.copy()
    extra = _normalise(overrides)
    years = set(extra["date"].dt.year)
    stale = (shipped["source"] == "provisional") & shipped["date"].dt.year.isin(years)
    kept = shipped.loc[~stale & ~shipped["date"].isin(extra["date"])]
    return pd.concat([kept, extra], ignore_index=True).sort_values("date").reset_index(drop=True)


def _check_coverage(days: pd.DatetimeIndex, calendar: pd.DataFrame) -> None:
    covered = set(calendar["date"].dt.year)
    outside = sorted(set(days.year) - covered)
    if outside:
        raise CalendarCoverageError(
            f"no holiday calendar for {outside}; add an override file for those years")


def business_day_flags(start: date, end: date, *,
                       overrides: pd.DataFrame | None = None) -> pd.Series:
    """Every day in [start, end] (inclusive) → True if it is a business day."""
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    calendar = load_calendar(overrides)
    if len(days):
        _check_coverage(days, calendar)
    flags = pd.Series(days.day_of_week < 5, index=days)
    listed = calendar.set_index("date")["kind"].reindex(days)
    flags[listed == "holiday"] = False
    flags[listed == "workday"] = True
    return flags


def business_days(start: date, end: date, *,
                  overrides: pd.DataFrame | None = None) -> pd.DatetimeIndex:
    """The business days in [start, end], inclusive (``len()`` counts them)."""
    flags = business_day_flags(start, end, overrides=overrides)
    return pd.DatetimeIndex(flags.index[flags.to_numpy()])


def business_day_count(start: date, end: date, *, overrides: pd.DataFrame | None = None) -> int:
    """Number of business days in [start, end], inclusive; 0 when end < start."""
    if pd.Timestamp(end) < pd.Timestamp(start):
        return 0
    return int(business_day_flags(start, end, overrides=overrides).sum())


def elapsed_and_total(period_start: date, period_end: date, as_of: date, *,
                      overrides: pd.DataFrame | None = None) -> tuple[int, int]:
    """(business days from period_start up to and including as_of, business days in period)."""
    if overrides is None:  # the shipped calendar never changes in a process: ~5 ms a call saved
        return _shipped_elapsed_and_total(period_start, period_end, as_of)
    return _elapsed_and_total(period_start, period_end, as_of, overrides)


@lru_cache(maxsize=1024)
def _shipped_elapsed_and_total(period_start: date, period_end: date, as_of: date) -> tuple[int, int]:
    return _elapsed_and_total(period_start, period_end, as_of, None)


def _elapsed_and_total(period_start: date, period_end: date, as_of: date,
                       overrides: pd.DataFrame | None) -> tuple[int, int]:
    flags = business_day_flags(period_start, period_end, overrides=overrides)
    elapsed = flags.loc[: pd.Timestamp(as_of)] if len(flags) else flags
    return int(elapsed.sum()), int(flags.sum())


def time_progress(period_start: date, period_end: date, as_of: date, *,
                  overrides: pd.DataFrame | None = None) -> float:
    """Elapsed business days (as_of included) / business days in the period, in [0, 1].

    A period without any business day (e.g. 2026-10-01..07) is 0 before its end and 1 from its
    last day on, so a target in it is neither "ahead" nor divided by zero.
    """
    elapsed, total = elapsed_and_total(period_start, period_end, as_of, overrides=overrides)
    if total == 0:
        return 1.0 if pd.Timestamp(as_of) >= pd.Timestamp(period_end) else 0.0
    return float(np.clip(elapsed / total, 0.0, 1.0))
