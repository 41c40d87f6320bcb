"""Bulletin logic by hand: which actual a target cell gets, and how units rank."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kpi.bulletin import rankings, target_actuals
from kpi.registry import COMPONENTS

DAY = date(2026, 10, 31)


def rollup_row(unit: str, department: str, kind: str, segment: str, **components: float) -> dict:
    row = {c: 0 for c in COMPONENTS}
    row.update(day=DAY, unit_code=unit, level="province", department=department, kind=kind, segment=segment)
    row.update(components)
    return row


ROLLUPS = pd.DataFrame([
    rollup_row("GD", "all", "all", "all", new_contact_cnt=50, staff_cnt=10),
    rollup_row("GD", "all", "incremental", "long_tail", contacts_added=30),
    rollup_row("GD", "all", "stock", "wealth", contacts_added=20),
    rollup_row("GD", "online", "incremental", "long_tail", account_cnt=7),
    rollup_row("GD", "retail", "incremental", "long_tail", account_cnt=2),
])


def target(kpi: str, department: str, kind: str, segment: str) -> dict:
    return {"period": "2026-10", "unit_code": "GD", "department": department, "kpi": kpi, "kind": kind,
            "segment": segment, "target": 100.0}


def test_each_target_cell_gets_the_actual_of_its_own_cell() -> None:
    targets = pd.DataFrame([
        target("account_cnt", "online", "incremental", "long_tail"),   # conversion grain: its own department
        target("account_cnt", "retail", "incremental", "long_tail"),
        target("new_contact_cnt", "online", "incremental", "long_tail"),  # counted per customer, owner online
        target("new_contact_cnt", "retail", "incremental", "long_tail"),  # not the owner: not credited
        target("new_contact_cnt", "retail", "stock", "wealth"),          # owner retail
        target("staff_cnt", "online", "incremental", "long_tail"),       # no kind/segment split: not attributable
        target("staff_cnt", "online", "all", "all"),                     # unsplit target of an unsplit KPI
        target("account_cnt", "retail", "all", "all"),                   # a department's total over all cells
    ])
    got = target_actuals(ROLLUPS, targets, start=DAY, end=DAY)
    actual = {(r.kpi, r.department, r.segment): r.actual for r in got.itertuples()}
    assert actual[("account_cnt", "online", "long_tail")] == 7
    assert actual[("account_cnt", "retail", "long_tail")] == 2
    assert actual[("new_contact_cnt", "online", "long_tail")] == 30
    assert np.isnan(actual[("new_contact_cnt", "retail", "long_tail")])
    assert actual[("new_contact_cnt", "retail", "wealth")] == 20
    assert np.isnan(actual[("staff_cnt", "online", "long_tail")])
    assert actual[("staff_cnt", "online", "all")] == 10
    assert actual[("account_cnt", "retail", "all")] == 2
    notes = set(got["note"])
    assert "owned by online: actuals credited there" in notes and "not attributable to kind and segment" in notes


def test_rankings_reward_every_metric_and_rank_missing_values_last() -> None:
    units = pd.DataFrame({
        "unit_code": ["A", "B", "C"],
        "contact_enabled_rate": [0.9, 0.5, np.nan],
        "active_staff_rate": [0.8, 0.6, 0.1],
    })
    ranked = rankings(units, weights={"contact_enabled_rate": 1.0, "active_staff_rate": 1.0})
    assert list(ranked["unit_code"]) == ["A", "B", "C"]
    assert list(ranked["rank"]) == [1, 2, 3]
