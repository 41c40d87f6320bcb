"""The month tables are summed from blocks of a month's days: a daily rebuild re-sums the block
of its days only, and every month ends exactly as a whole re-sum of its days would leave it,
after an upgrade that left no blocks too. A month with days in one block keeps no blocks."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dbstate import table_hashes
from etl import rollups
from store import month_rollups, staff_month
from store.engine import make_engine
from store.schema import rollup_block, staff_block

MONTHS = {"rollup_month", "rollup_month_unit", "rollup_month_wide", "staff_month", "staff_pack"}


def month_hashes(engine: sa.Engine) -> dict[str, str]:
    return {name: digest for name, digest in table_hashes(engine).items() if name in MONTHS}


def resummed_whole(engine: sa.Engine, days: list[date]) -> dict[str, str]:
    """The month tables after every block of `days`' months is summed again from the days."""
    with engine.begin() as connection:
        connection.execute(sa.delete(rollup_block))
        connection.execute(sa.delete(staff_block))
        month_rollups.rebuild_month_rollups(connection, month_rollups.months_of(days))
    staff_month.rebuild_months(engine, days)
    return month_hashes(engine)


def blocks(engine: sa.Engine, table: sa.Table) -> list[date]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(sa.select(table.c.block).distinct().order_by(table.c.block))]


@pytest.fixture
def spied_sums(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, date, date]]:
    """Each range of days summed from the days or facts: (which table family, first, last)."""
    seen: list[tuple[str, date, date]] = []
    day_sums, month_rows = month_rollups._day_sums, staff_month._month_rows

    def rollup_sums(head, first, last, **rest):  # noqa: ANN001, ANN202
        seen.append(("rollup", first, last))
        return day_sums(head, first, last, **rest)

    def staff_sums(first, last):  # noqa: ANN001, ANN202
        seen.append(("staff", first, last))
        return month_rows(first, last)
    monkeypatch.setattr(month_rollups, "_day_sums", rollup_sums)
    monkeypatch.setattr(staff_month, "_month_rows", staff_sums)
    return seen


def test_a_daily_rebuild_resums_its_block_only_and_the_months_equal_a_whole_resum(
        demo_store_copy: str, spied_sums: list[tuple[str, date, date]]) -> None:
    engine = make_engine(demo_store_copy)  # two weeks, 18-31 October: three blocks
    october = [date(2026, 10, 15), date(2026, 10, 22), date(2026, 10, 29)]
    assert blocks(engine, rollup_block) == october and blocks(engine, staff_block) == october
    rollups.rebuild(engine, {date(2026, 10, 30): {"behaviour"}, date(2026, 10, 31): set(rollups.GRAINS)})
    last = (date(2026, 10, 29), date(2026, 10, 31))
    assert spied_sums == [("rollup", *last), ("staff", *last)]
    daily = month_hashes(engine)
    assert resummed_whole(engine, [date(2026, 10, 31)]) == daily


def test_months_without_blocks_after_the_upgrade_are_summed_whole_on_their_next_rebuild(
        demo_store_copy: str, spied_sums: list[tuple[str, date, date]]) -> None:
    engine = make_engine(demo_store_copy)
    before = month_hashes(engine)
    with engine.begin() as connection:  # as migration 0011 leaves a store: month rows, no blocks
        connection.execute(sa.delete(rollup_block))
        connection.execute(sa.delete(staff_block))
    rollups.rebuild(engine, {date(2026, 10, 31): {"conversion"}})
    assert {(first, last) for _, first, last in spied_sums} == {
        (date(2026, 10, 15), date(2026, 10, 21)), (date(2026, 10, 22), date(2026, 10, 28)),
        (date(2026, 10, 29), date(2026, 10, 31))}
    assert month_hashes(engine) == before


def test_a_month_with_days_in_one_block_keeps_no_blocks(banked_sqlite: sa.Engine) -> None:
    # the tiny bank: 1-3 September
    assert blocks(banked_sqlite, rollup_block) == [] and blocks(banked_sqlite, staff_block) == []
    with banked_sqlite.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(staff_month.staff_month)).scalar() > 0


@pytest.mark.parametrize(("day", "block"), [
    (date(2026, 10, 1), date(2026, 10, 1)), (date(2026, 10, 7), date(2026, 10, 1)),
    (date(2026, 10, 8), date(2026, 10, 8)), (date(2026, 10, 28), date(2026, 10, 22)),
    (date(2026, 10, 29), date(2026, 10, 29)), (date(2026, 10, 31), date(2026, 10, 29)),
    (date(2026, 2, 28), date(2026, 2, 22))])
def test_blocks_cut_every_month_into_the_same_weeks_and_a_rest(day: date, block: date) -> None:
    assert month_rollups.block_of(day) == block
    spans = month_rollups.blocks_of(day.replace(day=1))
    assert [first for first, _ in spans if first <= day][-1] == block
    days = sum((last - first).days + 1 for first, last in spans)
    assert days == (month_rollups.next_month(day.replace(day=1)) - day.replace(day=1)).days
