"""Staff-day rows re-pulled for a day already rolled up correct its behaviour rows by their
difference (etl.corrections) and leave every rollup table exactly as a whole rebuild would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import corrections
from etl.load import load_paths
from store import month_rollups, staff_month
from test_rollup_grains import rebuilt_whole, reads, rollup_hashes  # noqa: F401 - reads is a fixture
from tiny_bank import behaviour_exchange, group_exchange, stat_time, write_jsonl

SEP = [date(2026, 9, d) for d in (1, 2, 3)]  # the tiny bank's days, all rolled up once it is loaded
STAFF = ["GD01001001", "GD01001002", "GD01002001"]  # 张伟 moves outlet on the 3rd, as his old one merges


def deliver(folder: Path, files: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True)
    for name, exchanges in files.items():
        write_jsonl(folder / name, exchanges)
    return folder


CASES = {
    "counts and decimals changed": {"wecom_behavior_20260903.jsonl": [
        behaviour_exchange("GD01001001", SEP[1], chats=31, contacts=4, reply_percentage=63.35, avg_reply_time=2.5)]},
    "a member without a row gets one, active for a week": {"wecom_behavior_20260903.jsonl": [
        behaviour_exchange("GD01001002", SEP[0], chats=5, contacts=0)]},
    "an active member's day emptied": {"wecom_behavior_20260904.jsonl": [
        behaviour_exchange("GD01001001", SEP[2], chats=0, contacts=0),
        behaviour_exchange("GD01001001", date(2026, 9, 4), chats=7, contacts=1)]},
    "the transferred member, both sides of the move": {"wecom_behavior_20260904.jsonl": [
        behaviour_exchange("GD01002001", SEP[1], chats=9, contacts=3, reply_percentage=12.34),
        behaviour_exchange("GD01002001", SEP[2], chats=2, contacts=0)]},
    "two files correcting one day, one member in both": {
        "wecom_behavior_20260903.jsonl": [behaviour_exchange("GD01001001", SEP[1], chats=20, contacts=2)],
        "wecom_groupchat_20260903.jsonl": [group_exchange(SEP[1], {"GD01001001": (8, 5), "GD01002001": (2, 0)})],
        "wecom_behavior_20260904.jsonl": [behaviour_exchange("GD01001001", SEP[1], chats=22, contacts=2),
                                          behaviour_exchange("GD01001001", date(2026, 9, 4), chats=1, contacts=0)]},
}


@pytest.mark.parametrize("case", CASES)
def test_a_correction_leaves_every_rollup_as_a_whole_rebuild_would(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path, reads: dict[str, list[date]], case: str) -> None:
    load_paths(engine, [tiny_bank])
    for found in reads.values():
        found.clear()
    summary = load_paths(engine, [deliver(tmp_path / "late", CASES[case])])
    assert not summary.failed
    # The first day corrected is not read again (the 6 days after it are, for active_7d).
    first = min(d for exchanges in CASES[case].values() for e in exchanges for d in SEP if _day_of(e) == d)
    assert first not in reads["staff_day_facts"]
    corrected = rollup_hashes(engine)
    assert rebuilt_whole(engine) == corrected


@pytest.mark.parametrize("later_day", [None, date(2026, 9, 10)], ids=["one block", "two blocks"])
def test_a_day_corrected_alone_sums_only_its_members_and_behaviour_rows_again(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        later_day: date | None) -> None:
    load_paths(engine, [tiny_bank])
    if later_day is not None:  # a day of the next block, beyond the 6 days the correction reaches
        load_paths(engine, [deliver(tmp_path / "later", {"wecom_behavior_20260910.jsonl": [
            behaviour_exchange("GD01001001", later_day, chats=3, contacts=1)]})])
    whole_month, whole_rollups = staff_month._rebuild_month, month_rollups._rebuild_month
    monkeypatch.setattr(staff_month, "_rebuild_month", lambda *a: pytest.fail("the whole staff month summed again"))
    monkeypatch.setattr(month_rollups, "_rebuild_month", lambda *a: pytest.fail("every grain's month summed again"))
    load_paths(engine, [deliver(tmp_path / "late", {"wecom_behavior_20260911.jsonl": [
        behaviour_exchange("GD01001001", SEP[2], chats=17, contacts=2, reply_percentage=70.25),
        behaviour_exchange("GD01001002", SEP[2], chats=1, contacts=0)]})])
    monkeypatch.setattr(staff_month, "_rebuild_month", whole_month)
    monkeypatch.setattr(month_rollups, "_rebuild_month", whole_rollups)
    corrected = rollup_hashes(engine)
    assert rebuilt_whole(engine) == corrected


def test_a_corrected_block_beside_a_new_days_block_sums_only_its_members_and_behaviour_rows_again(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The 28th re-pulled on the 29th, in small: the 3rd corrected (block 1-7) with a new day of
    # block 8-14 in the same month, whose blocks exist from an earlier load of the 10th.
    load_paths(engine, [tiny_bank])
    load_paths(engine, [deliver(tmp_path / "tenth", {"wecom_behavior_20260910.jsonl": [
        behaviour_exchange("GD01001001", date(2026, 9, 10), chats=3, contacts=1)]})])
    whole_block: list[str] = []  # block 1-7 summed again for every member or every grain
    month_rows, day_sums = staff_month._month_rows, month_rollups._day_sums

    def staff_sums(first, last, members=None):  # noqa: ANN001, ANN202
        if first == SEP[0] and members is None:
            whole_block.append("staff_block")
        return month_rows(first, last, members)

    def unit_sums(head, first, last, grains=month_rollups.GRAINS):  # noqa: ANN001, ANN202
        if first == SEP[0] and set(grains) != {month_rollups.BEHAVIOUR}:
            whole_block.append("rollup_block")
        return day_sums(head, first, last, grains=grains)
    monkeypatch.setattr(staff_month, "_month_rows", staff_sums)
    monkeypatch.setattr(month_rollups, "_day_sums", unit_sums)
    load_paths(engine, [deliver(tmp_path / "late", {"wecom_behavior_20260911.jsonl": [
        behaviour_exchange("GD01001001", SEP[2], chats=17, contacts=2, reply_percentage=70.25),
        behaviour_exchange("GD01001001", date(2026, 9, 11), chats=2, contacts=0)]})])
    monkeypatch.undo()
    assert whole_block == []  # block 1-7 summed again for the corrected rows only
    corrected = rollup_hashes(engine)
    assert rebuilt_whole(engine) == corrected


def test_a_repull_that_changes_nothing_rebuilds_nothing(engine: sa.Engine, tiny_bank: Path, tmp_path: Path,
                                                         reads: dict[str, list[date]]) -> None:
    load_paths(engine, [tiny_bank])
    before = rollup_hashes(engine)
    for found in reads.values():
        found.clear()
    # The tiny bank's own row of the 2nd for 李明 (chats 10 + 1, 5 contacts), delivered again.
    same = {"wecom_behavior_20260905.jsonl": [behaviour_exchange("GD01001001", SEP[1], chats=11, contacts=5)]}
    summary = load_paths(engine, [deliver(tmp_path / "same", same)])
    assert summary.rollup_days == 0 and summary.rollup_rows == 0
    assert reads == {"contact_events": [], "conversion_facts": [], "staff_day_facts": []}
    assert rollup_hashes(engine) == before


def test_a_day_with_more_changes_than_a_correction_takes_is_rebuilt_whole(
        engine: sa.Engine, tiny_bank: Path, tmp_path: Path, reads: dict[str, list[date]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    load_paths(engine, [tiny_bank])
    for found in reads.values():
        found.clear()
    monkeypatch.setattr(corrections, "MAX_STAFF", 1)
    two = {"wecom_behavior_20260903.jsonl": [behaviour_exchange("GD01001001", SEP[1], chats=3, contacts=1),
                                             behaviour_exchange("GD01002001", SEP[1], chats=4, contacts=1)]}
    load_paths(engine, [deliver(tmp_path / "many", two)])
    assert reads["staff_day_facts"] == [SEP[1]]  # the 2nd, rebuilt from all of its facts
    whole = rollup_hashes(engine)
    assert rebuilt_whole(engine) == whole


def test_a_later_correction_keeps_the_rows_the_day_was_rolled_up_with() -> None:
    first = corrections.Correction(frozenset({"a"}), pd.DataFrame({"staff_id": ["a"], "chat_cnt": [1]}))
    later = corrections.Correction(frozenset({"a", "b"}), pd.DataFrame({"staff_id": ["a", "b"], "chat_cnt": [2, 5]}))
    both = first.then(later)
    assert both.staff == {"a", "b"}
    assert dict(zip(both.before["staff_id"], both.before["chat_cnt"])) == {"a": 1, "b": 5}


PULLS = st.lists(st.tuples(
    st.sampled_from(STAFF), st.sampled_from(SEP), st.integers(0, 40), st.integers(0, 6),
    st.sampled_from([None, 12.34, 50.5, 99.99]), st.sampled_from([None, 1, 2.5])), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deliveries=st.lists(PULLS, min_size=1, max_size=3))
def test_any_corrections_leave_every_rollup_as_a_whole_rebuild_would(
        engine: sa.Engine, tiny_bank: Path, tmp_path_factory: pytest.TempPathFactory,
        deliveries: list[list[tuple]]) -> None:
    # One store across examples: whatever earlier examples left, a correction must end where a
    # whole rebuild of the same facts does.
    if not _loaded(engine):
        load_paths(engine, [tiny_bank])
    folder = tmp_path_factory.mktemp("pulls")
    for n, pulls in enumerate(deliveries):
        exchanges = []
        for staff_id, day, chats, contacts, percentage, minutes in pulls:
            extra = {"reply_percentage": percentage, "avg_reply_time": minutes} if chats else {}
            exchanges.append(behaviour_exchange(staff_id, day, chats=chats, contacts=contacts,
                                                **{k: v for k, v in extra.items() if v is not None}))
        write_jsonl(folder / f"wecom_behavior_2026091{n}.jsonl", exchanges)
    summary = load_paths(engine, [folder])
    assert not summary.failed
    corrected = rollup_hashes(engine)
    assert rebuilt_whole(engine) == corrected


def _day_of(exchange: dict) -> date:
    """The day an exchange reports (its request's start)."""
    return next(d for d in [*SEP, date(2026, 9, 4)] if stat_time(d) == exchange["request"].get("start_time",
                exchange["request"].get("day_begin_time")))


def _loaded(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM etl_run")).scalar() > 0
