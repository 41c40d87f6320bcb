"""kpi.rollup.unit_chains: every outlet's chain of units up to the top, as the org stood on the
day, against a plain walk of the versions (property test over random reorganisations)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.rollup import unit_chains
from org_histories import START, org_histories


def walked(org: pd.DataFrame, day: date) -> set[tuple]:
    """The rule, written plainly: a code's version valid on the day, else its latest version
    begun by the day (it closed), else its earliest (it opens later); from each outlet, follow
    parents while the parent is a code of the org."""
    def holds(row) -> bool:  # noqa: ANN001 - a row tuple
        return row.valid_from <= day and (pd.isna(row.valid_to) or row.valid_to > day)

    chosen = {}
    for code, versions in org.groupby("code"):
        rows = sorted(versions.itertuples(), key=lambda row: row.valid_from)
        begun = [row for row in rows if row.valid_from <= day]
        chosen[code] = next((row for row in rows if holds(row)), begun[-1] if begun else rows[0])
    found = set()
    for code, row in chosen.items():
        if row.level != "outlet":
            continue
        current = row
        while True:
            parent = None if pd.isna(current.parent_code) else current.parent_code
            found.add((code, current.code, current.level, parent))
            if parent not in chosen:
                break
            current = chosen[parent]
    return found


@settings(max_examples=100, deadline=None)
@given(org=org_histories(), offset=st.integers(-2, 50))
def test_each_outlet_chain_follows_the_org_of_the_day(org: pd.DataFrame, offset: int) -> None:
    day = START + timedelta(days=offset)
    chains = unit_chains(org, day)
    rows = {(r.outlet_code, r.unit_code, r.level, None if pd.isna(r.parent_code) else r.parent_code)
            for r in chains.itertuples()}
    assert len(rows) == len(chains)  # no unit twice in an outlet's chain
    assert rows == walked(org, day)


def test_a_moved_outlet_is_under_its_new_branch_from_the_move_on() -> None:
    org = pd.DataFrame([("HO", "head_office", None, START, None),
                        ("P1", "province", "HO", START, None),
                        ("B1", "branch", "P1", START, None), ("B2", "branch", "P1", START, None),
                        ("O1", "outlet", "B1", START, date(2026, 3, 1)), ("O1", "outlet", "B2", date(2026, 3, 1), None)],
                       columns=["code", "level", "parent_code", "valid_from", "valid_to"])
    before, after = unit_chains(org, date(2026, 2, 28)), unit_chains(org, date(2026, 3, 1))
    assert list(before["unit_code"]) == ["O1", "B1", "P1", "HO"]
    assert list(after["unit_code"]) == ["O1", "B2", "P1", "HO"]


def test_a_closed_outlet_keeps_the_branch_it_closed_under() -> None:
    """Facts that arrive for an outlet after it closed (a roster not yet updated) roll up where
    it last stood, not where it first opened."""
    org = pd.DataFrame([("HO", "head_office", None, START, None),
                        ("P1", "province", "HO", START, None),
                        ("B1", "branch", "P1", START, None), ("B2", "branch", "P1", START, None),
                        ("O1", "outlet", "B1", START, date(2026, 3, 1)),
                        ("O1", "outlet", "B2", date(2026, 3, 1), date(2026, 4, 1))],
                       columns=["code", "level", "parent_code", "valid_from", "valid_to"])
    assert list(unit_chains(org, date(2026, 4, 2))["unit_code"]) == ["O1", "B2", "P1", "HO"]
    assert list(unit_chains(org, date(2025, 12, 31))["unit_code"]) == ["O1", "B1", "P1", "HO"]
