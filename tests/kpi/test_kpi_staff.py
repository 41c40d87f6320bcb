"""Per-staff metrics add up to the rollups of the unit they belong to."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.metrics import compute_metrics
from kpi.staff import staff_metrics
from store.engine import make_engine
from store.pages import Scope, level_rollups
from store.staff_reads import subtree_staff

START, END = date(2026, 10, 18), date(2026, 10, 31)
CHECKED = ["new_contact_cnt", "message_cnt", "tasks_done", "account_cnt", "funded_cnt", "wealth_amount", "chat_total", "contacts_live"]


@pytest.mark.parametrize("branch", ["ZJ01", "GD01"])
def test_staff_of_a_branch_add_up_to_the_branch_rollup(demo_sqlite_url: str, branch: str) -> None:
    engine = make_engine(demo_sqlite_url)
    per_staff = staff_metrics(subtree_staff(engine, scope=Scope("HO"), under=branch, start=START, end=END), start=START, end=END)
    rows = level_rollups(engine, scope=Scope("HO"), level="branch", under=branch, start=START, end=END)
    expected = compute_metrics(rows, metrics=CHECKED, period_start=START, period_end=END).iloc[0]
    assert per_staff["staff_id"].is_unique
    for metric in CHECKED:
        assert per_staff[metric].sum() == pytest.approx(expected[metric]), metric


def test_a_read_outside_the_scope_is_refused(demo_sqlite_url: str) -> None:
    from store.pages import OutOfScope

    with pytest.raises(OutOfScope):
        subtree_staff(make_engine(demo_sqlite_url), scope=Scope("GD"), under="ZJ01", start=START, end=END)
