"""Targets, periods, ownership, crediting and reconciliation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from kpi.reconcile import (
    department_totals_check, horizontal_reconciliation, vertical_reconciliation,
)
from kpi.targets import (
    KINDS, SEGMENTS, TargetRecord, credit_to_departments, owner_of, ownership_matrix,
    parse_period, targets_frame, validate_targets,
)

ORG = pd.DataFrame({
    "code": ["HO", "P1", "B1", "B2", "O1", "O2", "O3"],
    "parent_code": [None, "HO", "P1", "P1", "B1", "B1", "B2"],
    "level": ["head_office", "province", "branch", "branch", "outlet", "outlet", "outlet"],
})


@pytest.mark.parametrize(("period", "start", "end"), [
    ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026H1", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_parse_period(period: str, start: date, end: date) -> None:
    assert parse_period(period) == (start, end)


@pytest.mark.parametrize("bad", ["2026-13", "2026Q5", "26-10", "October"])
def test_parse_period_refuses_nonsense(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)


def _target(unit: str, value: float, *, kpi: str = "contacts_added", department: str = "online",
            kind: str = "incremental", segment: str = "long_tail",
            period: str = "2026-10") -> TargetRecord:
    return TargetRecord(period=period, unit_code=unit, department=department, kpi=kpi,
                        kind=kind, segment=segment, value=value)


def test_target_record_and_frame_validation() -> None:
    frame = targets_frame([_target("HO", 100)])
    assert list(frame.columns) == ["period", "unit_code", "department", "kpi", "kind",
                                   "segment", "value"]
    with pytest.raises(ValidationError):
        _target("HO", 1, department="marketing")
    with pytest.raises(ValidationError):
        _target("HO", 1, kpi="happiness")
    bad = frame.assign(segment="vip")
    with pytest.raises(ValueError, match="segment"):
        validate_targets(bad)


def test_default_ownership_and_override() -> None:
    assert owner_of(segment="long_tail", kind="stock") == "online"
    assert owner_of(segment="mass_affluent", kind="incremental") == "online"
    assert owner_of(segment="mass_affluent", kind="stock") == "retail"
    assert owner_of(segment="private", kind="incremental") == "retail"
    changed = ownership_matrix(pd.DataFrame({"segment": ["mass_affluent", "wealth"],
                                             "kind": ["incremental", "stock"],
                                             "department": ["retail", None]}))
    assert len(changed) == 8
    assert owner_of(segment="mass_affluent", kind="incremental", ownership=changed) == "retail"
    assert owner_of(segment="wealth", kind="stock", ownership=changed) == "unowned"
    with pytest.raises(ValueError, match="more than one owner"):
        ownership_matrix(pd.DataFrame({"segment": ["wealth", "wealth"],
                                       "kind": ["stock", "stock"],
                                       "department": ["online", "retail"]}))


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(SEGMENTS), st.sampled_from(KINDS),
                               st.sampled_from(["u1", "u2"]), st.integers(0, 1000)),
                     min_size=1, max_size=40),
       unowned_cell=st.one_of(st.none(), st.tuples(st.sampled_from(SEGMENTS),
                                                   st.sampled_from(KINDS))))
def test_credited_department_actuals_add_up_to_the_total(rows, unowned_cell) -> None:
    actuals = pd.DataFrame(rows, columns=["segment", "kind", "unit_code", "contacts_added"])
    overrides = None
    if unowned_cell:
        overrides = pd.DataFrame([{"segment": unowned_cell[0], "kind": unowned_cell[1],
                                   "department": None}])
    credited = credit_to_departments(actuals, ownership=ownership_matrix(overrides))
    assert len(credited) == len(actuals)
    assert credited["department"].notna().all()
    check = department_totals_check(credited, total=actuals, keys=["unit_code"],
                                    value_column="contacts_added")
    assert check["balanced"].all()
    assert check["department_sum"].sum() == actuals["contacts_added"].sum()


def test_crediting_refuses_rows_that_already_have_a_department() -> None:
    actuals = pd.DataFrame({"segment": ["wealth"], "kind": ["stock"], "department": ["retail"],
                            "v": [1]})
    with pytest.raises(ValueError, match="double"):
        credit_to_departments(actuals)


def test_vertical_reconciliation_statuses() -> None:
    targets = targets_frame([
        _target("HO", 100), _target("P1", 100),               # balanced (one child)
        _target("B1", 60), _target("B2", 30),                  # P1: 90 < 100 → under
        _target("O1", 40), _target("O2", 30),                  # B1: 70 > 60 → over
        # B2 has a target, O3 none → not_allocated
        _target("O1", 5, kpi="card_cnt"), _target("O2", 6, kpi="card_cnt"),  # no parent
        _target("HO", 0.6, kpi="coverage_rate", department="retail", kind="stock",
                segment="wealth"),
        _target("P1", 0.5, kpi="coverage_rate", department="retail", kind="stock",
                segment="wealth"),
        _target("HO", 1000.00, kpi="deposit_amount"), _target("P1", 1000.004,
                                                              kpi="deposit_amount"),
    ])
    result = vertical_reconciliation(targets, org=ORG)
    status = {(r.parent_code, r.kpi): r.status for r in result.itertuples()}
    assert status[("HO", "contacts_added")] == "balanced"
    assert status[("P1", "contacts_added")] == "under"
    assert status[("B1", "contacts_added")] == "over"
    assert status[("B2", "contacts_added")] == "not_allocated"
    assert status[("B1", "card_cnt")] == "no_parent_target"
    assert status[("HO", "coverage_rate")] == "not_additive"
    assert status[("HO", "deposit_amount")] == "balanced"  # within half a cent
    under = result.loc[(result["parent_code"] == "P1") & (result["kpi"] == "contacts_added")]
    assert under["gap"].tolist() == [-10]
    assert under["n_children"].tolist() == [2]


def test_horizontal_overlap_not_owner_and_unowned() -> None:
    targets = targets_frame([
        _target("O1", 10, department="online", segment="wealth", kind="stock"),
        _target("O1", 12, department="retail", segment="wealth", kind="stock"),
        _target("O2", 5, department="retail", segment="long_tail", kind="incremental"),
        _target("O2", 5, department="online", segment="long_tail", kind="stock"),
        _target("HO", 99, department="retail", segment="private", kind="stock"),
    ])
    ownership = ownership_matrix(pd.DataFrame([{"segment": "private", "kind": "stock",
                                                "department": None}]))
    issues = horizontal_reconciliation(targets, org=ORG, ownership=ownership)
    found = {(r.unit_code, r.issue, r.department) for r in issues.itertuples()}
    assert ("O1", "overlap", "online") in found and ("O1", "overlap", "retail") in found
    assert ("O1", "not_owner", "online") in found
    assert ("O2", "not_owner", "retail") in found
    assert ("O2", "overlap", "online") not in found  # different cells, no overlap
    assert ("HO", "unowned", "retail") in found
    assert len(found) == 5


def test_the_previous_period_is_of_the_same_kind_and_wraps_the_year() -> None:
    from kpi.targets import previous_period

    assert [previous_period(p) for p in ("2026-01", "2026-10", "2026Q1", "2026Q4", "2026H1", "2026H2", "2026")] == [
        "2025-12", "2026-09", "2025Q4", "2026Q3", "2025H2", "2026H1", "2025"]
