"""kpi.rollup.unit_chains: every outlet's chain of units up to the top, as the org stood on the
day, against a plain walk of the versions (property test over random reorganisations)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.rollup import unit_chains

START = date(2026, 1, 1)
LEVELS = ["province", "branch", "outlet"]


@st.composite
def org_histories(draw: st.DrawFn) -> pd.DataFrame:
    """HO, then provinces, branches and outlets, each with up to three versions: moved under
    another parent of the level above on some day, perhaps closed on a later one, or opened
    late."""
    rows = [("HO", "head_office", None, START, None)]
    above = ["HO"]
    for depth, level in enumerate(LEVELS):
        codes = [f"{level[0].upper()}{depth}{n}" for n in range(draw(st.integers(1, 4)))]
        for code in codes:
            cuts = sorted(draw(st.sets(st.integers(1, 40), max_size=3)))  # (code, valid_from) is unique, as stored
            bounds = [START + timedelta(days=c) for c in [0, *cuts]]
            closed = draw(st.booleans())
            for n, begin in enumerate(bounds):
                end = bounds[n + 1] if n + 1 < len(bounds) else (begin + timedelta(days=5) if closed else None)
                parent = draw(st.sampled_from([*above, "GONE"]))  # "GONE": a parent not in the org
                rows.append((code, level, parent, begin, end))
        above = codes
    return pd.DataFrame(rows, columns=["code", "level", "parent_code", "valid_from", "valid_to"]).astype(
        {"code": "str", "level": "str", "parent_code": "str"})


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
