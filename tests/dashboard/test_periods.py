from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dashboard import periods

FIRST, LAST = date(2026, 7, 4), date(2026, 10, 31)


def test_keys_parse_to_their_days_clipped_to_the_data() -> None:
    assert periods.parse("2026-10", first=FIRST, last=LAST) == periods.Period("2026-10", "month", date(2026, 10, 1), date(2026, 10, 31))
    assert periods.parse("2026Q3", first=FIRST, last=LAST).start == FIRST  # clipped
    week = periods.parse("2026-W44", first=FIRST, last=LAST)
    assert (week.start, week.end) == (date(2026, 10, 26), date(2026, 10, 31))
    assert periods.parse("2026-YTD", first=FIRST, last=LAST).days == (LAST - FIRST).days + 1
    assert periods.parse("2026-10-05~2026-10-09", first=FIRST, last=LAST).days == 5


def test_invalid_or_dataless_keys_are_refused() -> None:
    for key in ("2026-13", "2026Q5", "2026-W60", "2026-10-09~2026-10-05", "drop table", "2025-01"):
        assert periods.parse(key, first=FIRST, last=LAST) is None, key


def test_options_cover_the_data_newest_first() -> None:
    months = [p.key for p in periods.options("month", first=FIRST, last=LAST)]
    assert months == ["2026-10", "2026-09", "2026-08", "2026-07"]
    assert [p.key for p in periods.options("quarter", first=FIRST, last=LAST)] == ["2026Q4", "2026Q3"]
    weeks = periods.options("week", first=FIRST, last=LAST)
    assert weeks[0].key == "2026-W44" and weeks[-1].start == FIRST


def test_previous_period_is_the_same_kind_just_before() -> None:
    october = periods.parse("2026-10", first=FIRST, last=LAST)
    before = periods.previous(october, first=FIRST)
    assert (before.start, before.end) == (date(2026, 9, 1), date(2026, 9, 30))
    assert periods.previous(periods.parse("2026-07", first=FIRST, last=LAST), first=FIRST) is None


@given(st.dates(min_value=FIRST, max_value=LAST), st.integers(0, 60))
def test_custom_previous_has_the_same_length_and_ends_the_day_before(start: date, length: int) -> None:
    end = min(LAST, date.fromordinal(start.toordinal() + length))
    period = periods.parse(periods.custom_key(start, end), first=FIRST, last=LAST)
    before = periods.previous(period, first=FIRST)
    if before is not None:
        assert before.end.toordinal() == period.start.toordinal() - 1
        assert before.days <= period.days
