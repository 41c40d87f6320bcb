"""Reporting periods a person can pick: week, month, quarter, year to date, or custom days.

Each period has a URL key (2026-W44, 2026-10, 2026Q4, 2026-YTD, 2026-10-01~2026-10-15) so a
view is a shareable link. Periods are clipped to the days that have data; the previous
period of the same kind and length gives "change vs last period".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("week", "month", "quarter", "ytd", "custom")


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def bounds(key: str) -> tuple[str, date, date] | None:
    """(kind, first day, last day) of a period key, or None if the key is not one."""
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", key):
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            return None
        return "week", start, start + timedelta(days=6)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
        if not 1 <= int(m[2]) <= 12:
            return None
        start = date(int(m[1]), int(m[2]), 1)
        return "month", start, _month_end(start)
    if m := re.fullmatch(r"(\d{4})Q([1-4])", key):
        start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return "quarter", start, _month_end(date(start.year, start.month + 2, 1))
    if m := re.fullmatch(r"(\d{4})-YTD", key):
        return "ytd", date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})", key):
        try:
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError:
            return None
        return ("custom", start, end) if start <= end else None
    return None


def parse(key: str, *, first: date, last: date) -> Period | None:
    """The period of `key` clipped to the data [first, last]; None if invalid or no data."""
    found = bounds(key)
    if found is None:
        return None
    kind, start, end = found
    start, end = max(start, first), min(end, last)
    return Period(key, kind, start, end) if start <= end else None


def options(kind: str, *, first: date, last: date) -> list[Period]:
    """Every period of `kind` that overlaps the data, newest first (not for custom)."""
    keys: list[str] = []
    cursor = first
    while cursor <= last:
        if kind == "week":
            year, week, _ = cursor.isocalendar()
            keys.append(f"{year}-W{week:02d}")
            cursor += timedelta(days=7 - cursor.weekday())
        elif kind == "month":
            keys.append(cursor.strftime("%Y-%m"))
            cursor = _month_end(cursor) + timedelta(days=1)
        elif kind == "quarter":
            keys.append(f"{cursor.year}Q{(cursor.month - 1) // 3 + 1}")
            cursor = bounds(keys[-1])[2] + timedelta(days=1)
        elif kind == "ytd":
            keys.append(f"{cursor.year}-YTD")
            cursor = date(cursor.year + 1, 1, 1)
        else:
            return []
    found = [parse(key, first=first, last=last) for key in dict.fromkeys(keys)]
    return [p for p in reversed(found) if p is not None]


def default(*, first: date, last: date) -> Period:
    return options("month", first=first, last=last)[0]


def custom_key(start: date, end: date) -> str:
    return f"{start.isoformat()}~{end.isoformat()}"


def previous(period: Period, *, first: date) -> Period | None:
    """The period just before, of the same kind (same length for custom; the same stretch of
    last year for year to date); None when it lies before the data."""
    if period.kind == "ytd":
        start = date(period.start.year - 1, 1, 1)
        end = period.end.replace(year=period.end.year - 1, day=min(period.end.day, 28 if period.end.month == 2 else 31))
    elif period.kind == "custom":
        end = period.start - timedelta(days=1)
        start = end - timedelta(days=period.days - 1)
    else:
        end = bounds(period.key)[1] - timedelta(days=1)
        start = {"week": end - timedelta(days=6), "month": end.replace(day=1),
                 "quarter": date(end.year, end.month - 2, 1)}[period.kind]
    if end < first:
        return None
    return Period(custom_key(max(start, first), end), "custom", max(start, first), end)
