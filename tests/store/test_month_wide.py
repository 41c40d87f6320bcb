"""rollup_month_wide answers the league tables' level reads with exactly the totals of
rollup_month_unit's path, on both backends, through the awkward cases of the period-totals
rollups (an outlet moved mid-month, one merged away, a day without customer rows, sparse
rows) — and leaves to that path every read it could not answer exactly."""

from __future__ import annotations

import random
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi.metrics import metrics_from_components
from kpi.totals import shape_totals, term_specs
from store import month_wide
from store.month_rollups import rebuild_month_rollups
from store.pages import Scope
from store.schema import COMPONENTS, SNAPSHOT_COMPONENTS, org_unit, rollup_day, rollup_month_wide
from store.totals import Units, period_totals
from test_period_totals import ORG, _parent  # the same small org, with O2 moved on 2026-10-03

# compare_view.LEAGUE_METRICS and more: every integer grain, snapshots, kind filters.
LEAGUE = ["staff_cnt", "contact_enabled_rate", "active_staff_rate", "new_contact_cnt", "contacts_live",
          "contacts_per_manager", "account_cnt", "funded_cnt", "opening_rate", "funding_rate", "coverage_rate",
          "contacts_added", "card_cnt", "chat_cnt"]
WHOLE_MONTHS = [(date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 10, 31)),
                (date(2026, 9, 1), date(2026, 10, 31)), (date(2026, 9, 18), date(2026, 9, 30))]
LEVELS = [Units("level", "HO", "outlet"), Units("level", "P1", "outlet"), Units("level", "HO", "branch"),
          Units("level", "HO", "province")]


def _rows(seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for offset in range(23):  # 2026-09-20 … 2026-10-12
        day = date(2026, 9, 20) + pd.Timedelta(days=offset).to_pytimedelta()
        for code, level, _ in ORG:
            if code == "O4" and day > date(2026, 10, 6):
                continue  # merged away: no rows after the 6th
            keys = [("all", "all", "all")] if rng.random() < 0.95 else []
            if day != date(2026, 10, 2):  # no customer rows that day
                keys += [("all", k, s) for k in ("incremental", "stock") for s in ("long_tail", "wealth")
                         if rng.random() < 0.8]
            keys += [(d, k, s) for d in ("online", "retail") for k in ("incremental", "stock")
                     for s in ("long_tail", "wealth") if rng.random() < 0.6]
            for department, kind, segment in keys:
                row = {"day": day, "unit_code": code, "department": department, "kind": kind, "segment": segment,
                       "level": level, "parent_code": _parent(code, day)}
                row |= {c: (round(rng.uniform(0, 500), 2) if c in ("deposit_amount", "wealth_amount",
                                                                   "reply_percentage_num", "avg_reply_time_num")
                            else rng.randint(0, 40 if c in SNAPSHOT_COMPONENTS else 9)) for c in COMPONENTS}
                rows.append(row)
    return rows


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    with engine.begin() as connection:
        connection.execute(sa.insert(org_unit), [
            {"code": c, "name": c, "name_en": c, "level": lv, "parent_code": p, "valid_from": date(2026, 1, 1)}
            for c, lv, p in ORG])
        connection.execute(sa.insert(rollup_day), _rows())
        rebuild_month_rollups(connection, [date(2026, 9, 1), date(2026, 10, 1)])
    return engine


def _metrics(engine: sa.Engine, units: Units, start: date, end: date, metrics: list[str],
             scope: Scope = Scope("HO")) -> pd.DataFrame:
    specs = term_specs(metrics)
    raw = period_totals(engine, scope=scope, units=units, start=start, end=end, terms=specs)
    return metrics_from_components(shape_totals(raw, specs), metrics=metrics, by=["unit_code"])


def _answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record whether each level read was answered by rollup_month_wide."""
    calls, original = [], month_wide.over_period

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        found = original(*args, **kwargs)
        calls.append(found is not None)
        return found
    monkeypatch.setattr(month_wide, "over_period", spy)
    return calls


def test_league_reads_from_the_wide_rows_equal_the_unit_month_path(store: sa.Engine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    answered = _answered(monkeypatch)
    wide = {(u, s, e): _metrics(store, u, s, e, LEAGUE) for u in LEVELS for s, e in WHOLE_MONTHS}
    assert answered and all(answered)  # every one of these reads took the wide rows
    monkeypatch.setattr(month_wide, "over_period", lambda *args, **kwargs: None)
    for (units, start, end), found in wide.items():
        pd.testing.assert_frame_equal(found, _metrics(store, units, start, end, LEAGUE), check_exact=True,
                                      obj=f"{units} {start}..{end}")


def test_reads_it_cannot_answer_exactly_take_the_unit_month_path(store: sa.Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    answered = _answered(monkeypatch)
    units = Units("level", "HO", "outlet")
    _metrics(store, units, date(2026, 9, 1), date(2026, 9, 30), ["deposit_amount"])  # a float sum
    _metrics(store, units, date(2026, 9, 1), date(2026, 9, 30), LEAGUE, scope=Scope("HO", "online"))  # a department
    _metrics(store, units, date(2026, 9, 1), date(2026, 10, 8), LEAGUE)  # a whole month and edge days
    assert answered == [False, False, False]


def test_a_rebuild_replaces_the_months_wide_rows(store: sa.Engine) -> None:
    with store.connect() as connection:
        before = connection.execute(sa.select(sa.func.count()).select_from(rollup_month_wide)).scalar()
    with store.begin() as connection:
        connection.execute(sa.update(rollup_day).where(rollup_day.c.unit_code == "O1",
                                                       rollup_day.c.department == "online")
                           .values(account_cnt=rollup_day.c.account_cnt + 1))
        rebuild_month_rollups(connection, [date(2026, 9, 1)])
        counts = connection.execute(sa.select(rollup_month_wide.c.account_cnt_incremental
                                              + rollup_month_wide.c.account_cnt_stock)
                                    .where(rollup_month_wide.c.unit_code == "O1",
                                           rollup_month_wide.c.month == date(2026, 9, 1))).scalar()
        days = connection.execute(sa.select(sa.func.sum(rollup_day.c.account_cnt))
                                  .where(rollup_day.c.unit_code == "O1", rollup_day.c.department != "all",
                                         rollup_day.c.day < date(2026, 10, 1))).scalar()
        after = connection.execute(sa.select(sa.func.count()).select_from(rollup_month_wide)).scalar()
    assert counts == days and after == before


def test_migration_0009_backfills_the_months_a_store_already_has(store: sa.Engine) -> None:
    """The migration's SQL writes the rows the rebuild writes (a store loaded before 0009)."""
    from store.migrate import downgrade, upgrade

    def rows() -> list[tuple]:
        with store.connect() as connection:
            return connection.execute(sa.select(rollup_month_wide)
                                      .order_by(*rollup_month_wide.primary_key.columns)).all()
    before = rows()
    downgrade(store, revision="0008")  # drops rollup_month_wide and the tables of later migrations
    upgrade(store)
    assert rows() == before and len(before) == 2 * len(ORG)
