"""etl.rollups.ChainCache: a rebuild walking its days in order gets, from the cache, the chains
kpi.rollup.unit_chains gives for each day on its own, across moves, closures and late openings."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import pandas as pd

from etl.rollups import ChainCache
from kpi.rollup import unit_chains
from org_histories import START, org_histories


@settings(max_examples=60, deadline=None)
@given(org=org_histories(), first=st.integers(-2, 30), days=st.integers(1, 50))
def test_cached_chains_are_each_days_own(org: pd.DataFrame, first: int, days: int) -> None:
    org = org.assign(merged_into=None)  # merges are the survivors' part of the key, unchanged here
    cache = ChainCache(org)
    for n in range(first, first + days):
        day = START + timedelta(days=n)
        pd.testing.assert_frame_equal(cache.on(day), unit_chains(org, day), obj=str(day))


def test_a_day_before_an_outlet_opened_and_one_after_it_closed_get_their_own_chains() -> None:
    """The same versions are valid on both days (the outlet on neither), but it stands under
    the branch it opened in before, and under the one it closed in after."""
    org = pd.DataFrame([("HO", "head_office", None, date(2020, 1, 1), None, None),
                        ("B1", "branch", "HO", date(2020, 1, 1), None, None),
                        ("B2", "branch", "HO", date(2020, 1, 1), None, None),
                        ("O1", "outlet", "B1", date(2026, 1, 1), date(2026, 3, 1), None),
                        ("O1", "outlet", "B2", date(2026, 3, 1), date(2026, 4, 1), None)],
                       columns=["code", "level", "parent_code", "valid_from", "valid_to", "merged_into"])
    cache = ChainCache(org)
    assert list(cache.on(date(2025, 12, 31))["unit_code"]) == ["O1", "B1", "HO"]
    assert list(cache.on(date(2026, 4, 2))["unit_code"]) == ["O1", "B2", "HO"]
