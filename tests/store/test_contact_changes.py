"""What an upsert of contact relations changes for the rollups, on both backends.

The loader rebuilds rollups for the days this returns: too few and pages show stale numbers,
too many and a daily file rebuilds the whole history."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from store import write
from store.schema import fact_contact

D = date.fromisoformat
BASE = [  # customer_key, staff_id, added_on, removed_on, first_chat_on, segment, kind
    ("k1", "S1", "2026-09-01", None, None, "long_tail", "stock"),
    ("k2", "S1", "2026-09-02", None, "2026-09-03", "long_tail", "stock"),
    ("k3", "S2", "2026-08-15", None, None, "wealth", "incremental"),
]


def relations(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_key", "staff_id", "added_on", "removed_on", "first_chat_on",
                                        "segment", "kind"])
    for column in ("added_on", "removed_on", "first_chat_on"):
        frame[column] = pd.Series([D(v) if isinstance(v, str) else None for v in frame[column]], dtype=object)
    return frame.assign(load_id=1)


@pytest.fixture
def stored(engine):  # noqa: ANN001, ANN201 - the engine fixture of tests/conftest.py
    with engine.begin() as connection:
        write.upsert_contacts(connection, relations(BASE))
    return engine


def changes(engine, rows: list[tuple]) -> tuple[date | None, set[date]]:  # noqa: ANN001
    with engine.begin() as connection:
        return write.upsert_contacts(connection, relations(rows))


def test_a_first_load_changes_everything_from_the_first_added_day(engine) -> None:  # noqa: ANN001
    since, chats = changes(engine, BASE)
    assert since == D("2026-08-15") and chats == {D("2026-09-03")}


def test_redelivering_the_same_relations_changes_nothing(stored) -> None:  # noqa: ANN001
    assert changes(stored, BASE) == (None, set())


def test_a_first_chat_on_an_old_relation_changes_that_day_only(stored) -> None:  # noqa: ANN001
    row = ("k1", "S1", "2026-09-01", None, "2026-10-30", "long_tail", "stock")
    assert changes(stored, [row]) == (None, {D("2026-10-30")})


def test_a_removal_changes_live_days_from_the_removal(stored) -> None:  # noqa: ANN001
    row = ("k3", "S2", "2026-08-15", "2026-10-29", None, "wealth", "incremental")
    assert changes(stored, [row]) == (D("2026-10-29"), set())


def test_a_new_relation_and_a_moved_chat(stored) -> None:  # noqa: ANN001
    rows = [("k9", "S2", "2026-10-30", None, "2026-10-30", "mass_affluent", "incremental"),
            ("k2", "S1", "2026-09-02", None, "2026-09-05", "long_tail", "stock")]
    assert changes(stored, rows) == (D("2026-10-30"), {D("2026-10-30"), D("2026-09-03"), D("2026-09-05")})


def test_a_corrected_segment_changes_the_whole_relation(stored) -> None:  # noqa: ANN001
    segment = ("k1", "S1", "2026-09-01", None, None, "wealth", "stock")
    assert changes(stored, [segment]) == (D("2026-09-01"), set())


def test_another_added_day_is_another_add_of_the_customer(stored) -> None:  # noqa: ANN001
    """The customer deleted the staff member and added them again: a second relation, live
    from its own day; the first keeps its history (its removal comes as its own row)."""
    readded = ("k3", "S2", "2026-10-20", None, None, "wealth", "incremental")
    assert changes(stored, [readded]) == (D("2026-10-20"), set())
    with stored.connect() as connection:
        adds = connection.execute(fact_contact.select().where(fact_contact.c.customer_key == "k3")).all()
    assert sorted(r.added_on for r in adds) == [D("2026-08-15"), D("2026-10-20")]


def test_the_upsert_keeps_one_row_per_relation(stored) -> None:  # noqa: ANN001
    changes(stored, [("k1", "S1", "2026-09-01", "2026-10-01", "2026-09-10", "long_tail", "stock")])
    with stored.connect() as connection:
        rows = connection.execute(fact_contact.select().order_by(fact_contact.c.customer_key)).all()
    assert [(r.customer_key, r.removed_on, r.first_chat_on) for r in rows] == [
        ("k1", D("2026-10-01"), D("2026-09-10")), ("k2", None, D("2026-09-03")), ("k3", None, None)]
