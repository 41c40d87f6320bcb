"""The dashboard's cached reads (dashboard.data) on the small demo bank: a cached result is the
very result of the read itself (frames with the same values and dtypes, on a miss and on a
hit), a later caller never sees what an earlier one changed in its copy, a hit does not touch
the store, and clearing a read makes the next call read the store again."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pytest

from dashboard import data
from store import pages
from store.engine import make_engine
from store.pages import Scope

HO = Scope("HO")
METRICS = ("staff_cnt", "contact_enabled_rate", "new_contact_cnt", "deposit_amount")


@pytest.fixture(scope="module")
def calls(demo_sqlite_url: str) -> Iterator[dict[str, tuple[Callable, tuple]]]:
    """Reads of each kind of result (frames of staff and of units, a series, a list, a dict, a
    tuple of dates), with the arguments a page passes."""
    engine = make_engine(demo_sqlite_url)
    original = data.engine
    data.engine = lambda: engine
    data.clear_reads()
    first, last = pages.data_period(engine)
    start = last.replace(day=1) if last.replace(day=1) >= first else first
    yield {
        "staff_metrics_in": (data.staff_metrics_in, (HO, "HO", start, last, None)),
        "staff_metrics": (data.staff_metrics, (HO, "HO", start, last)),
        "level_metrics": (data.level_metrics, (HO, "outlet", "HO", start, last, METRICS, None)),
        "unit_metrics": (data.unit_metrics, (HO, "HO", start, last, METRICS, None)),
        "target_periods": (data.target_periods, (HO,)),
        "health_run_facets": (data.health_run_facets, (HO,)),
        "data_period": (data.data_period, ()),
    }
    data.engine = original
    data.clear_reads()
    engine.dispose()


def _assert_same(got: object, expected: object) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_exact=True)
    else:
        assert type(got) is type(expected) and got == expected


def _vandalise(value: object) -> None:
    """What a careless page could do to the result it was handed."""
    if isinstance(value, pd.DataFrame):
        value.iloc[0, -1] = -1
        value["added"] = 1
        value.columns = [f"renamed_{column}" for column in value.columns]
    elif isinstance(value, pd.Series):
        value.iloc[0] = -1
    elif isinstance(value, list):
        value.append("added")
    elif isinstance(value, dict):
        value.clear()


@pytest.mark.parametrize("name", ["staff_metrics_in", "staff_metrics", "level_metrics", "unit_metrics",
                                  "target_periods", "health_run_facets", "data_period"])
def test_cached_result_is_the_reads_own(calls: dict, name: str) -> None:
    read, args = calls[name]
    read.clear()
    expected = read.__wrapped__(*args)  # the read itself, uncached
    miss = read(*args)
    _assert_same(miss, expected)
    _vandalise(miss)
    hit = read(*args)
    _assert_same(hit, expected)
    _vandalise(hit)
    _assert_same(read(*args), expected)


def test_a_hit_does_not_read_the_store_and_clear_reads_it_again(calls: dict) -> None:
    read, args = calls["staff_metrics_in"]
    read.clear()
    expected = read(*args)
    working = data.engine

    def gone() -> None:
        raise RuntimeError("the store was read")

    data.engine = gone
    try:
        _assert_same(read(*args), expected)
        read.clear()
        with pytest.raises(RuntimeError, match="the store was read"):
            read(*args)
        data.engine = working
        read(*args)
        data.engine = gone
        data.clear_reads()
        with pytest.raises(RuntimeError, match="the store was read"):
            read(*args)
    finally:
        data.engine = working
