"""The dashboard's rollup reads (summed in SQL) equal what the pages computed before: the KPI
engine over every daily rollup row of the period (store.pages child/unit/level_rollups),
on two weeks of the small demo bank, for HO, a province, a branch and an outlet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pandas as pd
import pytest

from dashboard import data
from kpi.bulletin import attainment_sheet
from kpi.bulletin_book import build_bulletin
from kpi.metrics import compute_metrics
from store import pages
from store.collapsed import collapsed_rollups
from store.engine import make_engine
from store.pages import OutOfScope, Scope
from store.targets import read_targets
from store.totals import Units

METRICS = ("staff_cnt", "contact_enabled_rate", "active_staff_rate", "coverage_rate", "new_contact_cnt",
           "contacts_live", "contacts_added", "account_cnt", "funded_cnt", "deposit_amount", "opening_rate",
           "card_rate", "reply_percentage", "interceptions_per_k")
HO = Scope("HO")


@pytest.fixture(scope="module")
def demo(demo_sqlite_url: str) -> Iterator[dict]:
    engine = make_engine(demo_sqlite_url)
    original = data.engine
    data.engine = lambda: engine
    data.clear_reads()
    first, last = pages.data_period(engine)
    units = pages.units_on(engine, day=last)
    pick = {level: units.loc[units["level"] == level, "code"].iloc[0] for level in ("province", "branch", "outlet")}
    periods = [(first, last), (last - timedelta(days=6), last), (last, last), (last.replace(day=1), last),
               (first + timedelta(days=2), last - timedelta(days=3)), (date(2026, 9, 20), last)]
    yield {"engine": engine, "periods": periods, "units": ["HO", pick["province"], pick["branch"], pick["outlet"]],
           "pick": pick}
    data.engine = original
    data.clear_reads()
    engine.dispose()


def _grains(engine, code: str, start: date, end: date, *, children: bool) -> pd.DataFrame:  # noqa: ANN001
    read = pages.child_rollups if children else pages.unit_rollups
    key = {"parent_code": code} if children else {"code": code}
    return pd.concat([read(engine, scope=HO, start=start, end=end, grain=g, **key)
                      for g in ("behaviour", "customer", "conversion")], ignore_index=True)


def _named(rows: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    names = rows[["unit_code", "name", "name_en", "level"]].drop_duplicates("unit_code")
    return names.merge(values, on="unit_code").sort_values("unit_code").reset_index(drop=True)


def _same(new: pd.DataFrame, old: pd.DataFrame, what: str) -> None:
    if new.empty and old.empty:  # e.g. an outlet without sales split by department
        assert list(new.columns) == list(old.columns), what
        return
    pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_exact=False,
                                  rtol=1e-12, obj=what)


def test_unit_child_and_split_metrics_equal_the_engine_over_daily_rows(demo: dict) -> None:
    engine = demo["engine"]
    for start, end in demo["periods"]:
        for code in demo["units"]:
            rows = _grains(engine, code, start, end, children=False)
            for department in (None, "retail"):
                old = compute_metrics(rows, metrics=list(METRICS), period_start=start, period_end=end,
                                      by=["unit_code"], department=department).iloc[0]
                new = data.unit_metrics(HO, code, start, end, METRICS, department)
                pd.testing.assert_series_equal(new, old, check_exact=False, rtol=1e-12, check_names=False)
            for by, department in ((("segment",), None), (("kind",), "online"), (("department",), None)):
                old = compute_metrics(rows, metrics=list(METRICS), period_start=start, period_end=end,
                                      by=["unit_code", *by], department=department)
                _same(data.split_metrics(HO, code, start, end, METRICS, by, department), old, f"{code} {by}")
            if code == demo["pick"]["outlet"]:
                continue
            rows = _grains(engine, code, start, end, children=True)
            old = _named(rows, compute_metrics(rows, metrics=list(METRICS), period_start=start, period_end=end,
                                               by=["unit_code"], department="online"))
            _same(data.child_metrics(HO, code, start, end, METRICS, "online"), old, f"children of {code}")


def test_level_daily_and_trend_metrics_equal_the_engine(demo: dict) -> None:
    engine, province = demo["engine"], demo["pick"]["province"]
    for start, end in demo["periods"]:
        for under in ("HO", province):
            rows = pages.level_rollups(engine, scope=HO, level="outlet", under=under, start=start, end=end)
            old = _named(rows, compute_metrics(rows, metrics=list(METRICS), period_start=start, period_end=end))
            _same(data.level_metrics(HO, "outlet", under, start, end, METRICS, None), old, f"outlets of {under}")
    start, end = demo["periods"][0]
    rows = pages.level_rollups(engine, scope=HO, level="branch", under=province, start=start, end=end)
    old = compute_metrics(rows, metrics=["contact_enabled_rate"], period_start=start, period_end=end,
                          by=["unit_code", "day"])
    old = rows[["unit_code", "name", "name_en"]].drop_duplicates("unit_code").merge(old, on="unit_code")
    new = data.daily_metrics(HO, "branch", province, start, end, ("contact_enabled_rate",), None)
    _same(new, old.sort_values(["unit_code", "day"]), "S-curve")
    code = demo["pick"]["branch"]
    rows = _grains(engine, code, start, end, children=False)
    old = compute_metrics(rows, metrics=list(METRICS), period_start=start, period_end=end, by=["day"])
    _same(data.unit_trend(HO, code, start, end, METRICS, False, None), old, "daily trend")
    days = pd.Series(pd.date_range(start, end))
    weeks = [compute_metrics(rows, metrics=list(METRICS), period_start=w.min().date(), period_end=w.max().date(),
                             by=[]).assign(day=w.min()) for _, w in days.groupby(days.dt.to_period("W-SUN"))]
    old = pd.concat(weeks, ignore_index=True)[["day", *METRICS]]
    _same(data.unit_trend(HO, code, start, end, METRICS, True, None), old, "weekly trend")


def test_attainment_and_the_bulletin_equal_the_engine_over_daily_rows(demo: dict) -> None:
    engine = demo["engine"]
    for start, end in demo["periods"][:2]:
        key = f"{end:%Y-%m}"
        for children in (False, True):
            rows = _grains(engine, "HO", start, end, children=children)
            cells = read_targets(engine, period=key, unit_codes=sorted(set(rows["unit_code"])))
            old = attainment_sheet(rows, cells, period=key, start=start, end=end, as_of=end)
            if children:
                old = old.merge(rows[["unit_code", "name", "name_en"]].drop_duplicates("unit_code"), on="unit_code")
            _same(data.attainment(HO, "HO", key, start, end, children, None), old, f"attainment {children}")
        levels = ("head_office", "province", "branch", "outlet")
        cells = read_targets(engine, period=key, unit_codes=pages.subtree_codes(engine, root="HO", day=end))
        old = build_bulletin(rollups={lv: pages.level_rollups(engine, scope=HO, level=lv, under="HO", start=start,
                                                              end=end) for lv in levels},
                             targets=cells, period=key, start=start, end=end)
        new = build_bulletin(rollups={lv: collapsed_rollups(engine, scope=HO, units=Units("level", "HO", lv),
                                                            start=start, end=end) for lv in levels},
                             targets=cells, period=key, start=start, end=end)
        assert list(new) == list(old)
        for sheet in old:
            _same(new[sheet], old[sheet], sheet)


def test_a_unit_outside_the_scope_is_refused(demo: dict) -> None:
    start, end = demo["periods"][0]
    outlet = demo["pick"]["outlet"]
    other = Scope(next(c for c in pages.units_on(demo["engine"], day=end)["code"]
                       if c != demo["pick"]["province"] and len(c) == len(demo["pick"]["province"])))
    for read in (lambda: data.unit_metrics(other, outlet, start, end, METRICS),
                 lambda: data.child_metrics(other, demo["pick"]["branch"], start, end, METRICS),
                 lambda: data.level_metrics(other, "outlet", demo["pick"]["province"], start, end, METRICS),
                 lambda: data.attainment(other, outlet, f"{end:%Y-%m}", start, end, False)):
        with pytest.raises(OutOfScope):
            read()
