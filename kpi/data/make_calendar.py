"""Build kpi/data/cn_calendar.csv — run once by hand; NOT imported at run time.

    .venv/bin/python kpi/data/make_calendar.py

How the shipped file was made:
- 2025 and 2026 come from the ``chinesecalendar`` library (version recorded in ``source``),
  which transcribes the State Council's annual holiday notices: every holiday date (including
  weekend days inside a holiday block) as ``holiday``, and every weekend make-up workday
  (调休) as ``workday``. The library is a build-time aid only: kpi/calendar.py reads the CSV.
- 2027 was not yet published in that library version, so its statutory holidays are written
  here by rule with ``source=provisional`` and no make-up days: New Year's Day Jan 1;
  Spring Festival from New Year's Eve (Feb 5; lunar new year is Feb 6) through the 7th day of
  the first month (Feb 12), the usual 8-day block; Qingming Apr 5; Labour Day May 1–5; Dragon
  Boat Jun 9; Mid-Autumn Sep 15; National Day Oct 1–7. When the official notice is out, an
  override file (same columns) replaces all provisional rows of that year — see
  ``kpi.calendar.load_calendar``.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

OUT = Path(__file__).with_name("cn_calendar.csv")
LIBRARY_YEARS = (2025, 2026)


def _library_rows() -> list[tuple[date, str, str, str]]:
    source = f"chinesecalendar {chinese_calendar.__version__}"
    rows = [(d, "holiday", str(name), source) for d, name in chinese_calendar.holidays.items()
            if d.year in LIBRARY_YEARS]
    rows += [(d, "workday", str(name), source) for d, name in chinese_calendar.workdays.items()
             if d.year in LIBRARY_YEARS and d.weekday() >= 5]
    return rows


def _block(first: date, days: int, name: str) -> list[tuple[date, str, str, str]]:
    return [(first + timedelta(i), "holiday", name, "provisional") for i in range(days)]


def _provisional_2027() -> list[tuple[date, str, str, str]]:
    return [
        *_block(date(2027, 1, 1), 1, "New Year's Day"),
        *_block(date(2027, 2, 5), 8, "Spring Festival"),
        *_block(date(2027, 4, 5), 1, "Tomb-sweeping Day"),
        *_block(date(2027, 5, 1), 5, "Labour Day"),
        *_block(date(2027, 6, 9), 1, "Dragon Boat Festival"),
        *_block(date(2027, 9, 15), 1, "Mid-autumn Festival"),
        *_block(date(2027, 10, 1), 7, "National Day"),
    ]


def main() -> None:
    rows = sorted(_library_rows() + _provisional_2027())
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["date", "kind", "name", "source"])
        writer.writerows((d.isoformat(), kind, name, source) for d, kind, name, source in rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
