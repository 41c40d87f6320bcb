"""A day already rolled up gets only the grains its changed facts feed rebuilt, and ends exactly
as a rebuild of every grain would leave it; a day never rolled up is built whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbstate import table_hashes
from etl import rollups
from etl.load import load_paths
from store import read, write
from tiny_bank import behaviour_exchange, write_jsonl

ROLLUPS = {"rollup_day", "rollup_month", "rollup_month_unit", "rollup_month_wide", "staff_month", "staff_live",
           "staff_pack"}


def rollup_hashes(engine: sa.Engine) -> dict[str, str]:
    return {name: digest for name, digest in table_hashes(engine).items() if name in ROLLUPS}


def rebuilt_whole(engine: sa.Engine) -> dict[str, str]:
    """The rollup tables after every day's every grain is rebuilt from the facts."""
    with engine.connect() as connection:
        days = read.fact_days(connection)
    rollups.rebuild(engine, days)
    return rollup_hashes(engine)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[date]]:
    """The first day of each fact read the rollup rebuild makes, per read."""
    seen: dict[str, list[date]] = {"contact_events": [], "conversion_facts": [], "staff_day_facts": []}
    for name, days in seen.items():
        original = getattr(read, name)

        def spy(connection, *, start, original=original, days=days, **rest):  # noqa: ANN001, ANN202
            days.append(start)
            return original(connection, start=start, **rest)
        monkeypatch.setattr(read, name, spy)
    return seen


def test_a_behaviour_repull_rebuilds_only_the_behaviour_grain_and_a_new_day_whole(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path, reads: dict[str, list[date]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    load_paths(engine, [tiny_bank])
    for found in reads.values():
        found.clear()
    repull = tmp_path / "repull"
    repull.mkdir()
    # Today's pull (a day never rolled up) re-pulls yesterday with a changed count.
    write_jsonl(repull / "wecom_behavior_20260904.jsonl", [
        behaviour_exchange("GD01001001", date(2026, 9, 3), chats=40, contacts=9),
        behaviour_exchange("GD01001001", date(2026, 9, 4), chats=7, contacts=1)])
    with engine.connect() as connection:
        customer_rows_before = connection.execute(sa.select(sa.func.count()).select_from(write.rollup_day).where(
            write.rollup_day.c.day == date(2026, 9, 3), write.rollup_day.c.kind != "all")).scalar()
    scan = read.contact_live_before
    monkeypatch.setattr(read, "contact_live_before", lambda *a, **k: pytest.fail("fact_contact scanned"))
    load_paths(engine, [repull])  # live relations at the start of today: the previous load's pack
    monkeypatch.setattr(read, "contact_live_before", scan)
    # Yesterday's one corrected row is applied to its rollup (etl.corrections): yesterday's
    # facts are not read again, nor its contact events and sales; today's are.
    assert reads["staff_day_facts"] == [date(2026, 9, 4)]
    assert reads["contact_events"] == [date(2026, 9, 4)] * 3
    assert reads["conversion_facts"] == [date(2026, 9, 4)]
    with engine.connect() as connection:
        day = write.rollup_day.c
        chats = connection.execute(sa.select(day.chat_cnt).where(
            day.day == date(2026, 9, 3), day.unit_code == "GD01001", day.kind == "all")).scalar()
        live_today = connection.execute(sa.select(sa.func.sum(day.contacts_live)).where(
            day.day == date(2026, 9, 4), day.level == "outlet")).scalar()
        customer_rows_after = connection.execute(sa.select(sa.func.count()).select_from(write.rollup_day).where(
            day.day == date(2026, 9, 3), day.kind != "all")).scalar()
    assert chats == 40  # the re-pulled value, not the first pull's 12
    assert live_today == 6  # the new day has its customer snapshot: every relation added so far
    assert customer_rows_after == customer_rows_before > 0
    partial = rollup_hashes(engine)
    assert rebuilt_whole(engine) == partial


def test_contacts_and_sales_redelivered_rebuild_their_grains_as_a_whole_rebuild_would(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path, reads: dict[str, list[date]]) -> None:
    load_paths(engine, [tiny_bank])
    for found in reads.values():
        found.clear()
    again = tmp_path / "again"
    again.mkdir()
    (again / "contacts_20260902.csv").write_text(  # a relation of the 1st removed on the 2nd
        "customer_key,staff_id,added_on,removed_on,first_chat_on,segment,kind\n"
        "c0a,GD01001001,2026-09-01,2026-09-02,,long_tail,incremental\n", encoding="utf-8")
    (again / "conversions_20260903.csv").write_text(
        "day,staff_id,department,kind,segment,product,count,amount\n"
        "2026-09-03,GD01001001,retail,stock,wealth,wealth,1,1000.50\n", encoding="utf-8")
    load_paths(engine, [again])
    assert reads["staff_day_facts"] == []  # no behaviour changed: none is read
    assert reads["contact_events"] == [date(2026, 9, 2)] * 3
    assert reads["conversion_facts"] == [date(2026, 9, 3)]
    partial = rollup_hashes(engine)
    assert rebuilt_whole(engine) == partial


def test_an_old_behaviour_day_redelivered_rebuilds_the_active_7d_of_the_days_after_it(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path) -> None:
    load_paths(engine, [tiny_bank])
    late = tmp_path / "late"
    late.mkdir()
    # 王芳 had no WeCom day; the 1st re-delivered says she chatted then: active through the 7th.
    write_jsonl(late / "wecom_behavior_20260901.jsonl", [
        behaviour_exchange("GD01001002", date(2026, 9, 1), chats=5, contacts=0)])
    load_paths(engine, [late])
    with engine.connect() as connection:
        day = write.rollup_day.c
        active = dict(connection.execute(sa.select(day.day, day.active_7d_cnt).where(
            day.unit_code == "GD01001", day.kind == "all")).all())
    assert active[date(2026, 9, 3)] == 3  # 李明, 张伟 (moved in that day) and 王芳
    partial = rollup_hashes(engine)
    assert rebuilt_whole(engine) == partial


def test_an_unknown_grain_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as connection, pytest.raises(ValueError, match="unknown rollup grains"):
        write.delete_rollup_grains(connection, date(2026, 9, 1), ["sales"])


def test_each_rollup_row_carries_only_its_grains_components(demo_sqlite_url: str) -> None:
    """The month sums add each grain's own flows only (store.month_rollups.OWN_FLOWS): every
    other component must be 0 on a grain's rows, as the rebuild writes them."""
    from store.grains import GRAINS, rows_of
    from store.schema import BEHAVIOUR_COMPONENTS, CONVERSION_COMPONENTS, CUSTOMER_COMPONENTS, rollup_day

    own = dict(zip(GRAINS, (BEHAVIOUR_COMPONENTS, CUSTOMER_COMPONENTS, CONVERSION_COMPONENTS), strict=True))
    engine = sa.create_engine(demo_sqlite_url)
    with engine.connect() as connection:
        for grain in GRAINS:
            others = [c for g, names in own.items() if g != grain for c in names]
            rows = connection.execute(sa.select(sa.func.count()).where(rows_of(rollup_day, grain))).scalar()
            stray = connection.execute(sa.select(sa.func.count()).where(
                rows_of(rollup_day, grain), sa.or_(*[rollup_day.c[c] != 0 for c in others]))).scalar()
            assert rows > 0 and stray == 0, f"{grain}: {stray} of {rows} rows carry another grain's components"
