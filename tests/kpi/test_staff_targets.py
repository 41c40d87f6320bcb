"""Per-staff targets for the what-if: exact sharing of a unit's target, nested targets kept,
staff-level targets, eligibility, and the run-rate forecast (hand-checked business days)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.staff_targets import ancestor_at, eligible, nearest_holder, run_rate_forecast, share_targets

UNITS = pd.DataFrame({
    "code": ["HO", "P1", "B1", "O1", "O2", "P2", "B2", "O3"],
    "parent_code": [None, "HO", "P1", "B1", "B1", "HO", "P2", "B2"],
    "level": ["head_office", "province", "branch", "outlet", "outlet", "province", "branch", "outlet"],
})


def staff_frame(rows: list[tuple[str, str, str]], left: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["staff_id", "outlet_code", "role"])
    frame["wecom_status"] = np.where(frame["staff_id"].isin(left), 5, 1)
    return frame


STAFF = staff_frame([
    ("s1", "O1", "customer_manager"), ("s2", "O1", "customer_manager"), ("s3", "O1", "customer_manager"),
    ("s4", "O2", "wealth_manager"), ("s5", "O2", "teller"), ("s6", "O2", "customer_manager"),
    ("s7", "O3", "customer_manager"),
], left=("s6",))


def targets_of(result) -> dict[str, float]:  # noqa: ANN001 - StaffTargets
    return dict(zip(result.rows["staff_id"], result.rows["target"], strict=True))


def test_a_province_target_is_shared_evenly_and_exactly_among_its_managers() -> None:
    # P1 = 10 among s1..s4 (s5 is a teller, s6 left): 2.5 each -> 2 each and the two units
    # left over go to the smallest codes (largest remainder, ties by code): 3, 3, 2, 2.
    result = share_targets(STAFF, UNITS, pd.Series({"P1": 10.0}))
    assert targets_of(result) == {"s1": 3.0, "s2": 3.0, "s3": 2.0, "s4": 2.0, "s7": pytest.approx(np.nan, nan_ok=True)}
    holder = result.holders.set_index("holder").loc["P1"]
    assert (holder["shared"], holder["staff"], holder["status"]) == (10.0, 4, "ok")
    assert pd.isna(result.rows.set_index("staff_id").loc["s7", "holder"])  # P2 holds no target


def test_the_nearest_holder_wins_and_nested_targets_are_taken_out_first() -> None:
    # O1 has its own 6 (its three managers get 2 each); P1's 10 − 6 = 4 goes to s4 alone.
    result = share_targets(STAFF, UNITS, pd.Series({"P1": 10.0, "O1": 6.0, "HO": 30.0, "P2": 5.0}))
    got = targets_of(result)
    assert got == {"s1": 2.0, "s2": 2.0, "s3": 2.0, "s4": 4.0, "s7": 5.0}
    holders = result.holders.set_index("holder")
    assert holders.loc["P1", "nested"] == 6.0 and holders.loc["P1", "shared"] == 4.0
    # HO's 30 holds P1 (10) and P2 (5) nested; nobody is directly under HO, so 15 stays unshared.
    assert holders.loc["HO", "nested"] == 15.0 and holders.loc["HO", "staff"] == 0
    assert holders.loc["HO", "status"] == "infeasible"


def test_a_staff_level_target_is_their_own_and_reduces_what_the_others_share() -> None:
    result = share_targets(STAFF, UNITS, pd.Series({"P1": 10.0, "s1": 4.0, "s5": 1.0}))
    got = targets_of(result)
    # s1 keeps 4, the teller's 1 is nested too: 10 − 4 − 1 = 5 among s2, s3, s4 -> 2, 2, 1.
    assert got["s1"] == 4.0 and got["s2"] + got["s3"] + got["s4"] == 5.0
    assert sorted([got["s2"], got["s3"], got["s4"]]) == [1.0, 2.0, 2.0]
    assert result.rows.set_index("staff_id").loc["s1", "holder_kind"] == "staff"
    assert "s5" not in got  # a teller is not priced (no payout curve), but her target counts


def test_nested_targets_above_the_holder_are_reported_not_clipped() -> None:
    result = share_targets(STAFF, UNITS, pd.Series({"P1": 5.0, "O1": 6.0}))
    holder = result.holders.set_index("holder").loc["P1"]
    assert holder["status"] == "infeasible" and "exceed" in holder["message"]
    assert targets_of(result)["s4"] == 0.0


def test_amounts_are_shared_to_the_cent() -> None:
    result = share_targets(STAFF, UNITS, pd.Series({"O1": 100_000.01}), mode="decimal")
    shares = [Decimal(str(v)) for v in result.rows.set_index("staff_id").loc[["s1", "s2", "s3"], "target"]]
    assert sum(shares) == Decimal("100000.01")
    assert shares == [Decimal("33333.34"), Decimal("33333.34"), Decimal("33333.33")]


def test_a_count_target_with_cents_falls_back_to_cents_instead_of_failing() -> None:
    result = share_targets(STAFF, UNITS, pd.Series({"O1": 10.5}))
    assert sum(Decimal(str(v)) for v in targets_of(result).values() if not np.isnan(v)) == Decimal("10.5")


def test_eligibility_and_ancestors() -> None:
    assert list(eligible(STAFF)["staff_id"]) == ["s1", "s2", "s3", "s4", "s7"]
    assert nearest_holder(UNITS, ["P1"])["O2"] == "P1" and nearest_holder(UNITS, ["P1"])["O3"] is None
    found = ancestor_at(UNITS, pd.Series(["O1", "O3", "HO"]), level="province")
    assert list(found[:2]) == ["P1", "P2"] and pd.isna(found[2])


def test_the_forecast_is_the_run_rate_over_china_business_days() -> None:
    # October 2026: 1–7 National Day off, Sat 10 a make-up workday, so the business days are
    # 8, 9, 10, 12–16, 19–23, 26–30 = 18. By Fri 16: 8, 9, 10, 12–16 = 8 elapsed.
    actual = pd.Series([12.0, 0.0], index=[7, 9])
    forecast = run_rate_forecast(actual, kpi="account_cnt", period="2026-10", as_of=date(2026, 10, 16))
    assert list(forecast.index) == [7, 9]
    assert forecast.tolist() == [12 * 18 / 8, 0.0]
    # The quarter: 18 in October + 21 in November + 23 in December = 62 business days.
    quarter = run_rate_forecast(actual, kpi="account_cnt", period="2026Q4", as_of=date(2026, 10, 31))
    assert quarter[7] == pytest.approx(12 * 62 / 18)
    # At the period end the forecast is the actual; before the first business day there is none.
    assert run_rate_forecast(actual, kpi="account_cnt", period="2026-10", as_of=date(2026, 10, 31))[7] == 12.0
    assert np.isnan(run_rate_forecast(actual, kpi="account_cnt", period="2026-10", as_of=date(2026, 10, 5))[7])


@st.composite
def areas(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.Series, str]:
    """Random staff in UNITS' outlets and random targets on random units (some nested)."""
    n = draw(st.integers(1, 25))
    outlets = draw(st.lists(st.sampled_from(["O1", "O2", "O3"]), min_size=n, max_size=n))
    roles = draw(st.lists(st.sampled_from(["customer_manager", "wealth_manager", "teller"]), min_size=n, max_size=n))
    staff = pd.DataFrame({"staff_id": [f"s{i:02d}" for i in range(n)], "outlet_code": outlets, "role": roles,
                          "wecom_status": 1})
    holders = draw(st.lists(st.sampled_from(["HO", "P1", "B1", "O1", "P2", "O3"]), min_size=1, max_size=4, unique=True))
    mode = draw(st.sampled_from(["integer", "decimal"]))
    cents = st.integers(0, 10_000_000).map(lambda c: c / 100) if mode == "decimal" else st.integers(0, 5_000).map(float)
    return staff, pd.Series({h: draw(cents) for h in holders}), mode


@settings(max_examples=150, deadline=None)
@given(areas())
def test_shares_add_up_exactly_to_every_feasible_holder(area: tuple[pd.DataFrame, pd.Series, str]) -> None:
    staff, totals, mode = area
    result = share_targets(staff, UNITS, totals, mode=mode)  # type: ignore[arg-type]
    rows = result.rows
    for _, holder in result.holders.iterrows():
        mine = rows.loc[(rows["holder"] == holder["holder"]) & (rows["holder_kind"] == "unit"), "target"]
        got = sum(Decimal(str(v)) for v in mine)
        if holder["status"] == "ok" and holder["staff"] > 0:
            assert got + Decimal(str(holder["nested"])) == Decimal(str(holder["total"]))
            unit = Decimal("1") if mode == "integer" else Decimal("0.01")
            assert max(mine) - min(mine) <= float(unit) + 1e-9  # an even split, to one unit
        assert (mine >= 0).all()
    priced = rows[rows["holder"].notna()]
    assert priced["target"].notna().all()
