"""Scales, vocabularies and calendar helpers shared by the demo generator.

Days are handled as proleptic ordinals (`date.toordinal()`), which keeps the per-day numpy
arithmetic integer-only. China time is a fixed UTC+8 offset: the machine's timezone is never
consulted, so the files are identical wherever they are generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

# A day that never comes: "this event does not happen" (still compares greater than any day).
NEVER = 10**7
ORG_SINCE = date(2020, 1, 1).toordinal()  # when today's org structure came into force
CHINA_OFFSET_S = 8 * 3600
_UNIX_EPOCH = date(1970, 1, 1).toordinal()

ROLES = ("customer_manager", "wealth_manager", "teller", "outlet_head", "back_office")
CM, WM, TELLER, HEAD, BACK = range(5)
SEGMENTS = ("long_tail", "mass_affluent", "wealth", "private")
KINDS = ("incremental", "stock")
INCR, STOCK = 0, 1
DEPARTMENTS = ("online", "retail")
PRODUCTS = ("card", "account", "deposit", "wealth")
CARD, ACCOUNT, DEPOSIT, WEALTH = range(4)
NORMAL, OVERLOADED, IDLE = range(3)


@dataclass(frozen=True)
class Scale:
    """Size of a demo bank. `days` is the default period length."""

    name: str
    provinces: int
    outlets: int
    staff: int
    days: int


SCALES = {
    "small": Scale("small", 6, 300, 3_000, 120),
    "large": Scale("large", 31, 5_000, 50_000, 365),
    "national": Scale("national", 31, 16_000, 400_000, 7),
}


@dataclass(frozen=True)
class Period:
    """The generated days [start, end] and the rollout programme they belong to.

    The programme lasts at least 120 days and ends on `end`; with a shorter period the files
    show the tail of a rollout that began before the first generated day.
    """

    start: int
    end: int
    programme_start: int

    @property
    def days(self) -> int:
        return self.end - self.start + 1

    @property
    def programme_days(self) -> int:
        return self.end - self.programme_start + 1

    @classmethod
    def ending(cls, end: date, days: int) -> "Period":
        last = end.toordinal()
        return cls(start=last - days + 1, end=last, programme_start=last - max(days, 120) + 1)


def later_days(period: Period, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
    """Random days after the first day of the period (the first day itself if it is the only one)."""
    return rng.integers(min(period.start + 1, period.end), period.end + 1, size)


def stat_time(day: int) -> int:
    """Unix seconds of 00:00 China time (UTC+8) on `day` (an ordinal)."""
    return (day - _UNIX_EPOCH) * 86_400 - CHINA_OFFSET_S


@lru_cache(maxsize=8192)
def iso(day: int) -> str:
    """'YYYY-MM-DD' of an ordinal day."""
    return date.fromordinal(day).isoformat()


def compact(day: int) -> str:
    """'YYYYMMDD' of an ordinal day, as used in file names."""
    return date.fromordinal(day).strftime("%Y%m%d")


def activity_factor(day: int) -> float:
    """How busy customers are: weekends and the two golden weeks are quiet."""
    when = date.fromordinal(day)
    if (when.month == 10 and when.day <= 7) or (when.month == 5 and when.day <= 5):
        return 0.3
    return 0.35 if when.weekday() >= 5 else 1.0


def is_workday(day: int) -> bool:
    return activity_factor(day) == 1.0


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


def logit_draw(rng: np.random.Generator, size: int) -> np.ndarray:
    """Standard logistic variates: delays drawn this way make the cumulative curve an S."""
    u = rng.uniform(1e-6, 1 - 1e-6, size)
    return np.log(u / (1 - u))


def largest_remainder(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Integers proportional to `weights` that sum exactly to `total` (each >= minimum)."""
    weights = np.asarray(weights, dtype=float)
    spare = total - minimum * len(weights)
    exact = spare * weights / weights.sum()
    base = np.floor(exact).astype(np.int64)
    left = int(spare - base.sum())
    order = np.lexsort((np.arange(len(weights)), -(exact - base)))
    base[order[:left]] += 1
    return base + minimum
