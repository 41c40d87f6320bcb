"""Period totals summed in SQL (rollup_month + edge days + as-of days) equal the KPI engine
over the daily rollup rows, on both backends, for synthetic rollups spanning two months with
the awkward cases: an outlet merged away mid-period (its rows stop), an outlet moved to
another branch mid-month, a day without customer rows, sparse rows."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi.metrics import compute_metrics, metrics_from_components
from kpi.totals import period_totals_by, shape_totals, term_specs
from store.collapsed import collapsed_rollups, collapsed_units
from store.grains import BEHAVIOUR, rows_of
from store.month_rollups import rebuild_month_rollups
from store.pages import OutOfScope, Scope
from store.read import frame
from store.schema import COMPONENTS, SNAPSHOT_COMPONENTS, TREND_COLUMNS, org_unit, rollup_day, rollup_month, rollup_month_unit
from store.totals import Units, period_totals

FIRST, LAST = date(2026, 9, 20), date(2026, 10, 12)
ORG = [("HO", "head_office", None), ("P1", "province", "HO"), ("P2", "province", "HO"),
       ("B1", "branch", "P1"), ("B2", "branch", "P1"), ("B3", "branch", "P2"),
       ("O1", "outlet", "B1"), ("O2", "outlet", "B1"), ("O3", "outlet", "B2"), ("O4", "outlet", "B3")]
METRICS = ["contact_enabled_rate", "active_staff_rate", "coverage_rate", "new_contact_cnt", "contacts_live",
           "contacts_added", "account_cnt", "deposit_amount", "opening_rate", "reply_percentage", "card_rate",
           "staff_cnt", "chat_cnt"]
PERIODS = [(date(2026, 9, 1), date(2026, 9, 30)),  # a whole month (loaded from the 20th)
           (date(2026, 10, 5), date(2026, 10, 11)),  # a week
           (date(2026, 10, 1), date(2026, 10, 8)),  # a partial month
           (date(2026, 9, 25), date(2026, 10, 9)),  # across a month boundary
           (date(2026, 10, 4), date(2026, 10, 4)),  # one day
           (date(2026, 9, 1), date(2026, 10, 31))]  # everything
UNITS = [Units("unit", "HO"), Units("unit", "B2"), Units("unit", "O3"), Units("children", "HO"),
         Units("children", "B1"), Units("level", "HO", "outlet"), Units("level", "P1", "outlet")]


def _parent(code: str, day: date) -> str | None:
    if code == "O2" and day >= date(2026, 10, 3):
        return "B2"  # moved mid-month
    return next(p for c, _, p in ORG if c == code)


def _rows(seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows, day = [], FIRST
    while day <= LAST:
        for code, level, _ in ORG:
            if code == "O4" and day > date(2026, 10, 6):
                continue  # merged away: no rows after the 6th
            keys = [("all", "all", "all")]
            if day != date(2026, 10, 2):  # contacts arrived late that day: no customer rows
                keys += [("all", k, s) for k in ("incremental", "stock") for s in ("long_tail", "wealth")
                         if rng.random() < 0.8]
            keys += [(d, k, s) for d in ("online", "retail") for k in ("incremental", "stock")
                     for s in ("long_tail", "wealth") if rng.random() < 0.6]
            for department, kind, segment in keys:
                grain = "conversion" if department != "all" else "customer" if kind != "all" else "behaviour"
                row = {c: 0 for c in COMPONENTS} | {"day": day, "unit_code": code, "level": level,
                                                     "parent_code": _parent(code, day), "department": department,
                                                     "kind": kind, "segment": segment}
                for component in _GRAIN_COMPONENTS[grain]:
                    row[component] = rng.randint(0, 40) + (0.25 if component in _FLOATS else 0)
                rows.append(row)
        day += timedelta(days=1)
    return rows


_FLOATS = {"reply_percentage_num", "avg_reply_time_num", "deposit_amount", "wealth_amount"}
_GRAIN_COMPONENTS = {
    "behaviour": [c for c in COMPONENTS if c not in ("contacts_added", "contacts_removed", "contacts_first_chat",
                                                      "contacts_live", "card_cnt", "account_cnt", "funded_cnt",
                                                      "deposit_amount", "wealth_cnt", "wealth_amount")],
    "customer": ["contacts_added", "contacts_removed", "contacts_first_chat", "contacts_live"],
    "conversion": ["card_cnt", "account_cnt", "funded_cnt", "deposit_amount", "wealth_cnt", "wealth_amount"],
}


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    return _filled(engine)


def _filled(engine: sa.Engine) -> sa.Engine:
    with engine.begin() as connection:
        connection.execute(sa.insert(org_unit), [
            {"code": c, "name": f"名{c}", "name_en": c, "level": lv, "parent_code": p, "valid_from": date(2026, 1, 1)}
            for c, lv, p in ORG])
        connection.execute(sa.insert(rollup_day), _rows())
        rebuild_month_rollups(connection, [date(2026, 9, 1), date(2026, 10, 1)])
    return engine


def _daily(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return frame(connection, sa.select(rollup_day))


def _oracle_rows(daily: pd.DataFrame, units: Units, scope: Scope = Scope("HO")) -> pd.DataFrame:
    """The rows the pages used to read (store.pages child/unit/level_rollups)."""
    if units.how == "unit":
        rows = daily[daily["unit_code"] == units.code]
    elif units.how == "children":
        rows = daily[daily["parent_code"] == units.code]
    else:
        under = {units.code}
        for _ in range(4):
            under |= {c for c, _, p in ORG if p in under}
        rows = daily[(daily["level"] == units.level) & daily["unit_code"].isin(under)]
    if scope.department:
        rows = rows[rows["department"].isin(["all", scope.department])]
    return rows


def _new(engine: sa.Engine, units: Units, start: date, end: date, *, dims: tuple[str, ...] = (),
         department: str | None = None, scope: Scope = Scope("HO")) -> pd.DataFrame:
    specs = term_specs(METRICS, department=department)
    raw = period_totals(engine, scope=scope, units=units, start=start, end=end, terms=specs, dimensions=dims)
    shaped = shape_totals(raw, specs, dimensions=dims, department=department)
    return metrics_from_components(shaped, metrics=METRICS, by=["unit_code", *dims])


def test_month_rows_are_the_sums_of_their_days_and_follow_a_rebuild(store: sa.Engine) -> None:
    def expected() -> pd.DataFrame:
        daily = _daily(store)
        daily = daily.assign(month=pd.to_datetime(daily["day"]).dt.to_period("M").dt.start_time.dt.date,
                             parent_code=daily["parent_code"].fillna(""))
        keys = ["month", "unit_code", "level", "parent_code", "department", "kind", "segment"]
        flows = [c for c in rollup_month.c.keys() if c not in (*keys, "last_day")]
        return daily.groupby(keys, as_index=False)[flows].sum().sort_values(keys).reset_index(drop=True)

    def actual() -> pd.DataFrame:
        with store.connect() as connection:
            months = frame(connection, sa.select(rollup_month))
        keys = ["month", "unit_code", "level", "parent_code", "department", "kind", "segment"]
        flows = [c for c in rollup_month.c.keys() if c not in (*keys, "last_day")]
        return months[[*keys, *flows]].sort_values(keys).reset_index(drop=True)

    pd.testing.assert_frame_equal(actual(), expected(), check_dtype=False)
    with store.begin() as connection:  # a reload changes a day: its month follows
        connection.execute(sa.delete(rollup_day).where(rollup_day.c.day == date(2026, 10, 1)))
        # chat_cnt is a behaviour component: 0 on the other grains' rows (docs/rollup.md)
        connection.execute(sa.update(rollup_day).where(rollup_day.c.day == date(2026, 10, 2),
                                                       rows_of(rollup_day, BEHAVIOUR)).values(chat_cnt=7))
        rebuild_month_rollups(connection, [date(2026, 10, 1)])
    pd.testing.assert_frame_equal(actual(), expected(), check_dtype=False)


def _unit_months_of(daily: pd.DataFrame) -> pd.DataFrame:
    """rollup_month_unit by its definition: per month × unit × parent × department × kind the
    flows of the month's days, and the snapshots of the group's last day (its segments' rows)."""
    keys = ["level", "month", "department", "kind", "unit_code", "parent_code"]
    daily = daily.assign(month=pd.to_datetime(daily["day"]).dt.to_period("M").dt.start_time.dt.date,
                         parent_code=daily["parent_code"].fillna(""), day=pd.to_datetime(daily["day"]).dt.date)
    flows = [c for c in COMPONENTS if c not in SNAPSHOT_COMPONENTS]
    snapshots = [c for c in COMPONENTS if c in SNAPSHOT_COMPONENTS]
    out = daily.groupby(keys, as_index=False).agg(last_day=("day", "max"), **{c: (c, "sum") for c in flows})
    ends = daily.merge(out[[*keys, "last_day"]], on=keys)
    ends = ends[ends["day"] == ends["last_day"]].groupby(keys, as_index=False)[snapshots].sum()
    return out.merge(ends, on=keys)[[*keys, "last_day", *COMPONENTS]].sort_values(keys).reset_index(drop=True)


def test_unit_month_rows_hold_the_month_flows_and_their_last_days_snapshots(store: sa.Engine) -> None:
    def actual() -> pd.DataFrame:
        with store.connect() as connection:
            rows = frame(connection, sa.select(rollup_month_unit))
        keys = ["level", "month", "department", "kind", "unit_code", "parent_code"]
        return rows[[*keys, "last_day", *COMPONENTS]].sort_values(keys).reset_index(drop=True)

    pd.testing.assert_frame_equal(actual(), _unit_months_of(_daily(store)), check_dtype=False)
    with store.begin() as connection:  # a reload changes the last day: its month follows
        connection.execute(sa.delete(rollup_day).where(rollup_day.c.day == date(2026, 10, 12),
                                                       rollup_day.c.segment == "wealth"))
        connection.execute(sa.update(rollup_day).where(rollup_day.c.day == date(2026, 10, 11)).values(staff_cnt=9))
        rebuild_month_rollups(connection, [date(2026, 10, 1)])
    pd.testing.assert_frame_equal(actual(), _unit_months_of(_daily(store)), check_dtype=False)


def test_period_totals_equal_the_engine_over_daily_rows(store: sa.Engine) -> None:
    daily = _daily(store)
    splits = [(None, ("kind",)), ("online", ("segment",)), (None, ("department",)), ("retail", ("kind", "segment"))]
    for start, end in PERIODS:
        # Every period unsplit; the splits on the periods that mix month and day rows and on
        # whole months (rollup_month_unit's path unless split by segment).
        split = (start, end) in (PERIODS[0], PERIODS[1], PERIODS[3], PERIODS[5])
        cases = [(None, ()), ("online", ())] + (splits if split else [])
        for units in UNITS:
            rows = _oracle_rows(daily, units)
            for department, dims in cases:
                old = compute_metrics(rows, metrics=METRICS, period_start=start, period_end=end,
                                      by=["unit_code", *dims], department=department)
                new = _new(store, units, start, end, dims=dims, department=department)
                pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-12,
                                              obj=f"{units} {start}..{end} {department} {dims}")


def test_per_day_and_weekly_totals_equal_the_engine(store: sa.Engine) -> None:
    daily = _daily(store)
    start, end = date(2026, 9, 21), date(2026, 10, 12)
    for units in (Units("unit", "B1"), Units("level", "HO", "outlet")):
        rows = _oracle_rows(daily, units)
        specs = term_specs(METRICS, row_counts=True)
        raw = period_totals(store, scope=Scope("HO"), units=units, start=start, end=end, terms=specs, per_day=True)
        shaped = shape_totals(raw, specs, per_day=True)
        old = compute_metrics(rows, metrics=METRICS, period_start=start, period_end=end, by=["unit_code", "day"])
        new = metrics_from_components(shaped, metrics=METRICS, by=["unit_code", "day"])
        pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-12)
        weeks = [(date(2026, 9, 21), date(2026, 9, 27)), (date(2026, 9, 28), date(2026, 10, 4)),
                 (date(2026, 10, 5), date(2026, 10, 11)), (date(2026, 10, 12), date(2026, 10, 12))]
        for (first, last), got in zip(weeks, metrics_from_components(period_totals_by(shaped, specs, weeks),
                                                                      metrics=METRICS, by=["day"]).itertuples()):
            want = compute_metrics(rows, metrics=METRICS, period_start=first, period_end=last, by=[]).iloc[0]
            assert got.day == pd.Timestamp(first)
            for metric in METRICS:
                assert getattr(got, metric) == pytest.approx(want[metric], rel=1e-12, nan_ok=True), (first, metric)


def test_collapsed_rows_give_the_engine_the_same_answers_for_any_subset(store: sa.Engine) -> None:
    daily = _daily(store)
    for start, end in PERIODS:
        for units in (Units("children", "B1"), Units("level", "HO", "outlet"), Units("unit", "P2")):
            rows = _oracle_rows(daily, units)
            collapsed = collapsed_rollups(store, scope=Scope("HO"), units=units, start=start, end=end)
            codes = sorted(set(rows.loc[pd.to_datetime(rows["day"]).between(pd.Timestamp(start), pd.Timestamp(end)),
                                        "unit_code"]))
            for subset in (codes, codes[:1], codes[-1:]):  # a subset's as-of day may be earlier
                for kind, by in ((None, ["unit_code"]), ("stock", ["unit_code", "segment"])):
                    def metrics(frame: pd.DataFrame) -> pd.DataFrame:
                        mine = frame[frame["unit_code"].isin(subset)]
                        return compute_metrics(mine, metrics=METRICS, period_start=start, period_end=end, by=by,
                                               department="retail", kind=kind)
                    pd.testing.assert_frame_equal(metrics(collapsed), metrics(rows), check_exact=False, rtol=1e-12)


def test_collapsed_rows_of_some_components_are_the_full_rows_cut_to_them(store: sa.Engine) -> None:
    picks = (["account_cnt", "deposit_amount", "contacts_added"], ["staff_cnt", "contacts_live"],
             ["contact_enabled_cnt", "staff_cnt", "funded_cnt", "reply_percentage_num"])
    for scope in (Scope("HO"), Scope("HO", department="online")):
        for start, end in PERIODS:
            for units in UNITS:
                full = collapsed_rollups(store, scope=scope, units=units, start=start, end=end)
                for picked in picks:
                    cut = collapsed_rollups(store, scope=scope, units=units, start=start, end=end, components=picked)
                    want = full[[c for c in full.columns if c not in COMPONENTS or c in picked]] if not full.empty else full
                    pd.testing.assert_frame_equal(cut, want, obj=f"{scope} {units} {start} {picked}")
    with pytest.raises(ValueError, match="unknown"):
        collapsed_rollups(store, scope=Scope("HO"), units=Units("unit", "HO"), start=FIRST, end=LAST, components=["x"])


def test_collapsed_units_are_the_units_of_the_collapsed_rows(store: sa.Engine) -> None:
    for scope in (Scope("HO"), Scope("HO", department="online")):
        for start, end in PERIODS:
            for units in UNITS:
                rows = collapsed_rollups(store, scope=scope, units=units, start=start, end=end)
                expected = sorted(set(rows["unit_code"])) if not rows.empty else []
                assert collapsed_units(store, scope=scope, units=units, start=start, end=end) == expected, (
                    scope, units, start, end)
    with pytest.raises(OutOfScope):
        collapsed_units(store, scope=Scope("P2"), units=Units("unit", "B1"), start=FIRST, end=LAST)


def test_reads_outside_the_scope_are_refused_and_a_department_sees_only_its_sales(store: sa.Engine) -> None:
    specs = term_specs(METRICS)
    for units in (Units("unit", "B1"), Units("children", "P1"), Units("level", "P1", "outlet")):
        with pytest.raises(OutOfScope):
            period_totals(store, scope=Scope("P2"), units=units, start=FIRST, end=LAST, terms=specs)
        with pytest.raises(OutOfScope):
            collapsed_rollups(store, scope=Scope("B3"), units=units, start=FIRST, end=LAST)
    scope = Scope("HO", department="online")
    rows = _oracle_rows(_daily(store), Units("unit", "P1"), scope)
    old = compute_metrics(rows, metrics=METRICS, period_start=FIRST, period_end=LAST, by=["unit_code", "department"])
    new = _new(store, Units("unit", "P1"), FIRST, LAST, dims=("department",), scope=scope)
    assert list(new["department"]) == ["online"]
    pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("units", [Units("level", "HO", "province"), Units("children", "B1")])
def test_a_trend_finds_its_own_rows_in_the_index(sqlite_engine: sa.Engine, units: Units) -> None:
    """The overview's S-curves (per day over the whole history, of the units below, every
    department and kind) seek level or parent, day, department and kind in rollup_day's index,
    so a year of days looks up only the curve's rows, not every department × kind × segment
    row of each day (a year at head office: 206 ms before, 32 ms), and read the curve's
    columns from the index alone (84 → 38 ms): no lookup of the wide rows in the table."""
    store = _filled(sqlite_engine)
    executed: list[tuple[str, object]] = []
    sa.event.listen(store, "before_cursor_execute", lambda c, cur, sql, params, ctx, many: executed.append((sql, params)))
    specs = term_specs(["contact_enabled_rate"])
    raw = period_totals(store, scope=Scope("HO"), units=units, start=FIRST, end=LAST, terms=specs, per_day=True,
                        prune_grains=True)
    assert not raw.empty
    reads = [(sql, params) for sql, params in executed if "FROM rollup_day" in sql and "GROUP BY" in sql]
    assert reads
    with store.connect() as connection:
        plans = [" ".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                 for sql, params in reads]
    assert all("=? AND day=? AND department=? AND kind=?)" in plan for plan in plans), plans
    assert {spec["component"] for spec in specs} <= set(TREND_COLUMNS)
    assert all("USING COVERING INDEX" in plan for plan in plans), plans
