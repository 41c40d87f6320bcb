"""A month advanced by its newest day (store.staff_append) ends exactly where summing the
month's facts again would: staff_month row for row and staff_pack byte for byte, on both
backends, whatever the facts (missing fields, sales only, a member moving outlet mid-month)
and with earlier days of the month corrected for some members in the same load. A day that
does not follow the pack (a gap, a month's first day) takes the other way."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import read, staff_append
from store import staff_month as sm
from store.schema import fact_conversion, fact_staff_day, staff, staff_block, staff_month, staff_pack
from dbstate import held_rows
from test_staff_block_sums import OCTOBER, ROSTER, facts_of, replace_days

DERIVED = (staff_pack, staff_month, staff_block)


def fresh(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for table in (*DERIVED, fact_staff_day, fact_conversion, staff):
            connection.execute(sa.delete(table))
        connection.execute(sa.insert(staff), [
            {"staff_id": s, "name": s, "outlet_code": o, "role": "customer_manager", "wecom_status": 1,
             "contact_enabled": True, "managed_customers": 10, "valid_from": f, "valid_to": t} for s, o, f, t in ROSTER])


def month_state(engine: sa.Engine) -> tuple[str, str]:
    """Hashes of staff_month's rows (of months held by their packs alone too) and of
    staff_pack's parts (their bytes)."""
    out = []
    with engine.connect() as connection:
        held_rows(connection)  # rolled back below
        for statement in (sa.select(staff_month), sa.select(staff_pack.c.month, staff_pack.c.part, staff_pack.c.as_of,
                                                            staff_pack.c.row_count, staff_pack.c.data)):
            rows = sorted(repr(tuple(row)) for row in connection.execute(statement))
            out.append(hashlib.sha256("\n".join(rows).encode()).hexdigest())
        connection.rollback()
    return out[0], out[1]


def summed_again(engine: sa.Engine, days: list[date]) -> tuple[str, str]:
    """The month tables summed from the facts, nothing kept."""
    with engine.begin() as connection:
        for table in DERIVED:
            connection.execute(sa.delete(table))
    sm.rebuild_months(engine, days)
    return month_state(engine)


def new_day(engine: sa.Engine, day: date) -> staff_append.NewDay:
    """The day's facts as the rollup rebuild reads them."""
    with engine.connect() as connection:
        return staff_append.NewDay(day, read.staff_day_facts(connection, start=day, end=day),
                                   read.conversion_facts(connection, start=day, end=day))


@pytest.fixture
def appended(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """The days each month was advanced by (store.staff_append took the load)."""
    seen: list[date] = []
    original = staff_append.prepare

    def spy(connection, month, new, **rest):  # noqa: ANN001, ANN202
        found = original(connection, month, new, **rest)
        if found is not None:
            seen.append(new.day)
        return found
    monkeypatch.setattr(staff_append, "prepare", spy)
    return seen


def correct(engine: sa.Engine, day: date, members: set[str], rng: random.Random) -> None:
    """New facts of `day` for `members` (the day's other rows kept), as a WeCom re-pull lands."""
    behaviour, _ = facts_of(day, rng)
    with engine.begin() as connection:
        connection.execute(sa.delete(fact_staff_day).where(fact_staff_day.c.day == day,
                                                           fact_staff_day.c.staff_id.in_(sorted(members))))
        rows = [row for row in behaviour if row["staff_id"] in members]
        if rows:
            connection.execute(sa.insert(fact_staff_day), rows)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.integers(1, 27), steps=st.lists(st.tuples(st.sampled_from([1, 1, 1, 2]), st.booleans()),
                                                   min_size=1, max_size=4), seed=st.integers(0, 2**16))
def test_a_month_advanced_day_by_day_equals_its_facts_summed_again(
        engine: sa.Engine, appended: list[date], history: int, steps: list[tuple[int, bool]], seed: int) -> None:
    rng = random.Random(seed)
    fresh(engine)
    appended.clear()
    loaded = [OCTOBER + timedelta(days=n) for n in range(history)]
    replace_days(engine, set(loaded), rng)  # the history load
    sm.rebuild_months(engine, loaded)
    for gap, repull in steps:  # then daily loads: a new day, perhaps a re-pull of an earlier one
        day = loaded[-1] + timedelta(days=gap)
        if day.month != OCTOBER.month:
            break
        replace_days(engine, {day}, rng)
        with engine.connect() as connection:  # advanced only if the pack holds the day before and the day has facts
            follows = staff_pack_as_of(connection) == day - timedelta(days=1) and sm._has_facts(connection, day, day)
        corrected = {}
        if repull:
            earlier, members = rng.choice(loaded), set(rng.sample(["S1", "S2", "S3"], rng.randint(1, 2)))
            correct(engine, earlier, members, rng)
            corrected = {earlier: members}
        with engine.connect() as connection:
            history_frame = read.staff_history(connection)
        sm.rebuild_months(engine, sorted({day, *corrected}), history=history_frame, corrected=corrected,
                          newest=new_day(engine, day))
        assert (day in appended) == follows, f"{day}: advanced {appended}"
        loaded.append(day)
        # (summed again, the store goes on from the whole way's state: the same but for blocks)
        assert month_state(engine) == summed_again(engine, loaded), f"after {day} (re-pull {corrected})"


def staff_pack_as_of(connection: sa.Connection) -> date | None:
    p = staff_pack.c
    return connection.execute(sa.select(p.as_of).where(p.month == OCTOBER).limit(1)).scalar()


def test_a_months_first_day_and_a_day_without_a_pack_take_the_other_way(engine: sa.Engine,
                                                                         appended: list[date]) -> None:
    rng = random.Random(7)
    fresh(engine)
    september = [date(2026, 9, 29), date(2026, 9, 30)]
    replace_days(engine, set(september), rng)
    sm.rebuild_months(engine, september)
    replace_days(engine, {OCTOBER}, rng)
    with engine.connect() as connection:
        history_frame = read.staff_history(connection)
    sm.rebuild_months(engine, [OCTOBER], history=history_frame, newest=new_day(engine, OCTOBER))
    with engine.begin() as connection:
        connection.execute(sa.delete(staff_pack).where(staff_pack.c.month == OCTOBER))
    second = OCTOBER + timedelta(days=1)
    replace_days(engine, {second}, rng)
    sm.rebuild_months(engine, [second], history=history_frame, newest=new_day(engine, second))
    assert appended == []
    assert month_state(engine) == summed_again(engine, [*september, OCTOBER, second])


def test_blocks_dropped_by_an_advance_are_summed_again_when_an_old_day_changes(engine: sa.Engine,
                                                                               appended: list[date]) -> None:
    """After days were appended, a re-delivered early day (the whole way, from blocks) finds the
    month's blocks missing and sums them again: nothing stale survives."""
    rng = random.Random(11)
    fresh(engine)
    loaded = [OCTOBER + timedelta(days=n) for n in range(12)]  # blocks 1-7 and 8-14
    replace_days(engine, set(loaded), rng)
    sm.rebuild_months(engine, loaded)
    with engine.connect() as connection:
        history_frame = read.staff_history(connection)
    for day in (date(2026, 10, 13), date(2026, 10, 14), date(2026, 10, 15)):
        replace_days(engine, {day}, rng)
        sm.rebuild_months(engine, [day], history=history_frame, newest=new_day(engine, day))
        loaded.append(day)
    assert appended == loaded[-3:]
    replace_days(engine, {date(2026, 10, 3)}, rng)  # a late re-delivery of the 3rd
    sm.rebuild_months(engine, [date(2026, 10, 3)], history=history_frame)
    assert month_state(engine) == summed_again(engine, loaded)


def test_a_month_held_by_its_pack_corrected_from_the_next_month_sums_its_members_on_its_rows(
        engine: sa.Engine, appended: list[date], monkeypatch: pytest.MonkeyPatch) -> None:
    """October advanced day by day is held by its pack alone; a November load that re-pulls
    October 30th sums the re-pulled members again on October's rows, put back from the pack
    (not the whole month again), and the result is the facts summed again."""
    rng = random.Random(5)
    fresh(engine)
    october = [date(2026, 10, 29), date(2026, 10, 30), date(2026, 10, 31)]  # one block: members summed directly
    replace_days(engine, {october[0]}, rng)
    sm.rebuild_months(engine, october[:1])
    with engine.connect() as connection:
        history_frame = read.staff_history(connection)
    for day in october[1:]:
        replace_days(engine, {day}, rng)
        sm.rebuild_months(engine, [day], history=history_frame, newest=new_day(engine, day))
    assert appended == october[1:]
    with engine.connect() as connection:
        assert staff_append.packed_only(connection, OCTOBER)
        assert sm.built_months(connection, [OCTOBER]) == {OCTOBER}
    november = date(2026, 11, 1)
    replace_days(engine, {november}, rng)
    correct(engine, october[1], {"S1"}, rng)
    summed_whole = []
    monkeypatch.setattr(sm, "_rebuild_month", lambda connection, first, *rest: summed_whole.append(first) or
                        _rebuild_month(connection, first, *rest))
    sm.rebuild_months(engine, [october[1], november], history=history_frame, corrected={october[1]: {"S1"}},
                      newest=new_day(engine, november))
    assert summed_whole == [november]  # October: its members only
    assert month_state(engine) == summed_again(engine, [*october, november])


_rebuild_month = sm._rebuild_month
