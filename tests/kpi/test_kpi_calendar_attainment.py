"""Business days and time progress (checked against chinesecalendar), and attainment."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from kpi.attainment import StatusMargins, attainment
from kpi.calendar import (
    CalendarCoverageError, business_day_count, business_days, load_calendar, time_progress,
)

OCT1, OCT31 = date(2026, 10, 1), date(2026, 10, 31)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(i) for i in range((end - start).days + 1)]


def test_shipped_2025_2026_match_chinesecalendar_day_by_day() -> None:
    ours = set(business_days(date(2025, 1, 1), date(2026, 12, 31)).date)
    library = {d for d in _days(date(2025, 1, 1), date(2026, 12, 31))
               if chinese_calendar.is_workday(d)}
    assert ours == library


def test_national_day_2026_with_make_up_workdays() -> None:
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday make-up day
    assert chinese_calendar.is_workday(date(2026, 9, 20))   # Sunday make-up day
    assert not chinese_calendar.is_workday(date(2026, 10, 5))  # Monday in the holiday
    assert business_day_count(date(2026, 10, 10), date(2026, 10, 10)) == 1
    assert business_day_count(date(2026, 9, 20), date(2026, 9, 20)) == 1
    assert business_day_count(date(2026, 10, 1), date(2026, 10, 7)) == 0
    library_total = sum(chinese_calendar.is_workday(d) for d in _days(OCT1, OCT31))
    assert business_day_count(OCT1, OCT31) == library_total == 18
    assert time_progress(OCT1, OCT31, date(2026, 9, 30)) == 0.0
    assert time_progress(OCT1, OCT31, date(2026, 10, 7)) == 0.0
    assert time_progress(OCT1, OCT31, date(2026, 10, 9)) == pytest.approx(2 / 18)
    assert time_progress(OCT1, OCT31, date(2026, 10, 10)) == pytest.approx(3 / 18)
    assert time_progress(OCT1, OCT31, date(2026, 10, 11)) == pytest.approx(3 / 18)  # Sunday
    assert time_progress(OCT1, OCT31, date(2026, 11, 15)) == 1.0


def test_quarter_progress_matches_the_library() -> None:
    start, end, as_of = date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 20)
    total = sum(chinese_calendar.is_workday(d) for d in _days(start, end))
    elapsed = sum(chinese_calendar.is_workday(d) for d in _days(start, as_of))
    assert time_progress(start, end, as_of) == pytest.approx(elapsed / total)


def test_a_period_without_business_days() -> None:
    start, end = date(2026, 10, 1), date(2026, 10, 7)
    assert time_progress(start, end, date(2026, 10, 3)) == 0.0
    assert time_progress(start, end, date(2026, 10, 7)) == 1.0


def test_2027_is_provisional_and_an_override_replaces_it() -> None:
    shipped = load_calendar()
    assert (shipped.loc[shipped["date"].dt.year == 2027, "source"] == "provisional").all()
    assert business_day_count(date(2027, 2, 1), date(2027, 2, 28)) == 20 - 6
    official = pd.DataFrame({
        "date": ["2027-02-06", "2027-02-07", "2027-02-08", "2027-02-20"],
        "kind": ["holiday", "holiday", "holiday", "workday"],
        "name": ["Spring Festival"] * 4, "source": ["State Council"] * 4,
    })
    # Every provisional 2027 row goes; only the official rows count.
    assert business_day_count(date(2027, 2, 1), date(2027, 2, 28), overrides=official) == 20 - 1 + 1
    assert business_day_count(date(2027, 10, 1), date(2027, 10, 7), overrides=official) == 5


def test_years_without_a_calendar_are_refused() -> None:
    with pytest.raises(CalendarCoverageError, match="2028"):
        business_day_count(date(2028, 1, 1), date(2028, 1, 31))


def _attain(rows: list[dict], as_of: date = date(2026, 10, 10), **kwargs) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["period"] = frame.get("period", "2026-10")
    return attainment(frame, as_of=as_of, **kwargs).set_index("case")


def test_attainment_hand_worked() -> None:
    out = _attain([
        {"case": "ahead", "kpi": "contacts_added", "actual": 400, "target": 1800},
        {"case": "behind", "kpi": "contacts_added", "actual": 150, "target": 1800},
        {"case": "stalled", "kpi": "contacts_added", "actual": 0, "target": 1800},
        {"case": "level", "kpi": "coverage_rate", "actual": 0.58, "target": 0.6},
        {"case": "zero", "kpi": "contacts_added", "actual": 10, "target": 0},
        {"case": "missing", "kpi": "contacts_added", "actual": np.nan, "target": 10},
    ])
    tp = 3 / 18
    ahead = out.loc["ahead"]
    assert ahead["time_progress"] == pytest.approx(tp)
    assert ahead["completion"] == pytest.approx(400 / 1800)
    assert ahead["gap"] == pytest.approx(400 / 1800 - tp)
    assert ahead["forecast"] == pytest.approx(400 / 3 * 18)
    assert ahead["forecast_completion"] == pytest.approx(2400 / 1800)
    assert ahead["status"] == "green"
    assert out.loc["behind", "gap"] == pytest.approx(150 / 1800 - tp)
    assert out.loc["behind", "status"] == "amber"  # −0.083
    assert out.loc["stalled", "status"] == "red"   # −0.167
    level = out.loc["level"]  # a ratio is a level: judged against 1.0, not time progress
    assert level["expected_completion"] == 1.0
    assert level["gap"] == pytest.approx(0.58 / 0.6 - 1)
    assert level["forecast"] == pytest.approx(0.58)
    assert level["status"] == "green"
    assert np.isnan(out.loc["zero", "completion"])
    assert out.loc["zero", "status"] == "no_target"
    assert "zero" in out.loc["zero", "status_reason"]
    assert out.loc["missing", "status"] == "no_data"


def test_lower_is_better_and_negative_targets() -> None:
    out = _attain([
        # Reply time ceiling 30 min: 36 min is 2 − 1.2 = 0.8; 0 min is the best score, 2.0.
        {"case": "slow", "kpi": "avg_reply_time", "actual": 36, "target": 30},
        {"case": "instant", "kpi": "avg_reply_time", "actual": 0, "target": 30},
        # Reduce complaints by 50 (signed change), judged at period end.
        {"case": "reduced", "kpi": "negative_feedback_cnt", "actual": -30, "target": -50,
         "paced": False},
        {"case": "worse", "kpi": "negative_feedback_cnt", "actual": 10, "target": -50,
         "paced": False},
        # A flow ceiling paced over the month: 2 of 10 allowed after 3/18 of the month.
        {"case": "budget", "kpi": "negative_feedback_cnt", "actual": 2, "target": 10,
         "paced": True},
    ])
    assert out.loc["slow", "completion"] == pytest.approx(0.8)
    assert out.loc["slow", "target_type"] == "ceiling"
    assert out.loc["slow", "status"] == "red"
    assert out.loc["instant", "completion"] == pytest.approx(2.0)
    assert out.loc["reduced", "completion"] == pytest.approx(0.6)
    assert out.loc["reduced", "target_type"] == "reduction"
    assert out.loc["worse", "completion"] == pytest.approx(-0.2)
    assert out.loc["worse", "status"] == "red"
    budget = out.loc["budget"]
    assert budget["expected_completion"] == pytest.approx(2 - 3 / 18)
    assert budget["gap"] == pytest.approx(3 / 18 - 0.2)
    assert budget["status"] == "green"  # −0.033 is within the green margin


def test_margins_are_configurable() -> None:
    rows = [{"case": "x", "kpi": "contacts_added", "actual": 150, "target": 1800}]
    strict = _attain(rows, margins=StatusMargins(green_min_gap=0.0, amber_min_gap=-0.05))
    assert strict.loc["x", "status"] == "red"
    with pytest.raises(ValueError):
        StatusMargins(green_min_gap=-0.2, amber_min_gap=-0.1)
