"""Payout curve versions (drafts, approval, audit, stale edits) and the approved plan's target
values read back from the target audit trail, on both backends."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

import store.incentives as incentives
from store.incentives import (
    CurveError, StaleCurve, approve_curves, approved_target_values, curve_history, read_curves, save_curve_draft,
)
from store.targets import Change, approve, import_targets, read_targets, save_changes

CM = {"role": "customer_manager", "threshold": 0.6, "target": 1.0, "cap": 1.5, "threshold_payout": 0.2,
      "accelerator": 2.0, "base_amount": 3000.0}
WM = {**CM, "role": "wealth_manager", "threshold": 0.7, "base_amount": 4000.0}


def curves(*rows: dict, based_on: int = 0) -> pd.DataFrame:
    return pd.DataFrame([{**row, "based_on": based_on} for row in rows])


def test_a_draft_is_saved_with_its_reason_and_is_not_the_approved_plan(engine: sa.Engine) -> None:
    assert save_curve_draft(engine, curves=curves(CM, WM), by="hr.li", reason="Q4 proposal") == {
        "customer_manager": 1, "wealth_manager": 1}
    latest = read_curves(engine, status=None).set_index("role")
    assert latest.loc["wealth_manager", "base_amount"] == 4000.0 and latest.loc["customer_manager", "threshold"] == 0.6
    assert set(latest["status"]) == {"draft"} and set(latest["reason"]) == {"Q4 proposal"}
    assert set(latest["updated_by"]) == {"hr.li"}
    assert read_curves(engine, status="approved").empty
    assert read_curves(engine, status="draft").equals(read_curves(engine, status=None))


def test_approval_appends_a_version_and_later_drafts_leave_the_approved_plan_alone(engine: sa.Engine) -> None:
    save_curve_draft(engine, curves=curves(CM), by="hr.li", reason="proposal")
    assert approve_curves(engine, versions={"customer_manager": 1}, by="director", reason="signed off") == {
        "customer_manager": 2}
    save_curve_draft(engine, curves=curves({**CM, "accelerator": 3.0}, based_on=2), by="hr.li", reason="steeper")
    approved = read_curves(engine, status="approved").set_index("role").loc["customer_manager"]
    assert (approved["version"], approved["accelerator"], approved["updated_by"]) == (2, 2.0, "director")
    newest = read_curves(engine, status=None).set_index("role").loc["customer_manager"]
    assert (newest["version"], newest["accelerator"], newest["status"]) == (3, 3.0, "draft")
    history = curve_history(engine, role="customer_manager")
    assert list(zip(history["version"], history["status"], history["updated_by"], history["reason"], strict=True)) == [
        (1, "draft", "hr.li", "proposal"), (2, "approved", "director", "signed off"), (3, "draft", "hr.li", "steeper")]


def test_a_stale_curve_edit_is_refused_naming_who_and_nothing_is_saved(engine: sa.Engine) -> None:
    save_curve_draft(engine, curves=curves(CM, WM), by="hr.li", reason="proposal")
    # Wang and Zhao both opened version 1 of both curves. Wang saves the manager curve first.
    save_curve_draft(engine, curves=curves({**CM, "cap": 1.8}, based_on=1), by="wang", reason="higher cap")
    with pytest.raises(StaleCurve, match="customer_manager payout curve was changed by wang at") as refused:
        save_curve_draft(engine, curves=curves({**WM, "cap": 2.0}, {**CM, "cap": 1.2}, based_on=1),
                         by="zhao", reason="other idea")
    assert refused.value.by == "wang"
    latest = read_curves(engine, status=None).set_index("role")
    assert latest.loc["customer_manager", "cap"] == 1.8 and latest.loc["wealth_manager", "version"] == 1  # all or nothing


def test_a_writer_racing_past_the_version_check_is_still_refused(engine: sa.Engine, monkeypatch) -> None:  # noqa: ANN001
    save_curve_draft(engine, curves=curves(CM), by="wang", reason="first")
    monkeypatch.setattr(incentives, "_check_seen", lambda *_args: None)  # both passed the check at once
    with pytest.raises(StaleCurve, match="changed by wang"):
        save_curve_draft(engine, curves=curves(CM, based_on=0), by="zhao", reason="second")
    assert len(curve_history(engine)) == 1


def test_bad_input_is_refused_with_a_clear_message(engine: sa.Engine) -> None:
    with pytest.raises(CurveError, match="reason is required"):
        save_curve_draft(engine, curves=curves(CM), by="hr.li", reason=" ")
    with pytest.raises(CurveError, match="wealth_manager: cap must be a number ≥ 0"):
        save_curve_draft(engine, curves=curves(CM, {**WM, "cap": "x"}), by="hr.li", reason="typo")
    with pytest.raises(CurveError, match="base_amount must be a number ≥ 0"):
        save_curve_draft(engine, curves=curves({**CM, "base_amount": -1}), by="hr.li", reason="typo")
    assert curve_history(engine).empty
    save_curve_draft(engine, curves=curves(CM), by="hr.li", reason="proposal")
    approve_curves(engine, versions={"customer_manager": 1}, by="director", reason="ok")
    with pytest.raises(CurveError, match="not a draft to approve"):
        approve_curves(engine, versions={"customer_manager": 2}, by="director", reason="again")
    with pytest.raises(StaleCurve, match="changed by director"):
        approve_curves(engine, versions={"customer_manager": 1}, by="director", reason="old version")


def cells(*rows: tuple[str, str, float], period: str = "2026Q4") -> pd.DataFrame:
    return pd.DataFrame([{"period": period, "unit_code": unit, "department": "online", "kpi": kpi,
                          "kind": "incremental", "segment": "long_tail", "value": value} for unit, kpi, value in rows])


def test_the_approved_value_of_a_target_comes_from_its_audit_trail(engine: sa.Engine) -> None:
    import_targets(engine, cells=cells(("GD", "account_cnt", 1000), ("JS", "account_cnt", 800), ("ZJ", "card_cnt", 50)),
                   by="hq", reason="Q4 plan")
    import_targets(engine, cells=cells(("GD", "account_cnt", 90), period="2026-10"), by="hq", reason="October")
    ids = read_targets(engine, period="2026Q4").set_index("unit_code")["id"].astype(int)
    approve(engine, versions={int(ids["GD"]): 1, int(ids["ZJ"]): 1}, by="director", reason="signed off")
    # An edit after approval makes GD a draft again; the approved plan still says 1000.
    save_changes(engine, changes=[Change(int(ids["GD"]), 1200, 2)], by="hr.li", reason="what-if")
    found = approved_target_values(engine, period="2026Q4").set_index("target_id")
    assert found.loc[int(ids["GD"]), "approved_value"] == 1000.0 and found.loc[int(ids["GD"]), "approved_version"] == 2
    assert found.loc[int(ids["GD"]), "approved_by"] == "director"
    assert int(ids["JS"]) not in found.index  # never approved
    assert read_targets(engine, period="2026Q4").set_index("unit_code").at["GD", "value"] == 1200.0
    # Approving the new draft moves the approved value on; other periods and units stay out.
    approve(engine, versions={int(ids["GD"]): 3}, by="director", reason="ok")
    again = approved_target_values(engine, period="2026Q4", unit_codes=["GD"])
    assert again[["target_id", "approved_value"]].values.tolist() == [[int(ids["GD"]), 1200.0]]
    assert approved_target_values(engine, period="2026-10").empty


def test_scoped_targets_keep_the_subtrees_units_and_the_staff_on_its_roster_in_the_period(engine: sa.Engine) -> None:
    """Staff cells (unit_code a staff id) are kept when the member was on the roster of an
    outlet of the subtree at some time of the period, whatever their other versions."""
    from datetime import date

    from store.pages import codes_in, subtree_table
    from store.schema import org_unit, staff
    from store.staff_reads import roster_ids

    opened = date(2020, 1, 1)
    org = [("HO", "head_office", None), ("P1", "province", "HO"), ("O1", "outlet", "P1"), ("P2", "province", "HO"),
           ("O2", "outlet", "P2")]
    people = [("S1", "O1", opened, None), ("S2", "O2", opened, None),  # S2 is P2's
              ("S3", "O2", opened, date(2026, 10, 10)), ("S3", "O1", date(2026, 10, 10), None),  # moved into P1
              ("S4", "O1", opened, date(2026, 9, 1)), ("S5", "O1", date(2026, 11, 1), None)]  # left before, joins after
    with engine.begin() as connection:
        connection.execute(sa.insert(org_unit), [{"code": c, "name": c, "name_en": c, "level": lv, "parent_code": p,
                                                  "valid_from": opened} for c, lv, p in org])
        connection.execute(sa.insert(staff), [{"staff_id": s, "name": s, "outlet_code": o, "role": "customer_manager",
                                               "wecom_status": 1, "contact_enabled": True, "managed_customers": 0,
                                               "valid_from": a, "valid_to": b} for s, o, a, b in people])
    units = ["HO", "P1", "O1", "P2", "O2", "S1", "S2", "S3", "S4", "S5", "ELSEWHERE"]
    import_targets(engine, cells=cells(*[(u, "account_cnt", 10) for u in units]), by="hq", reason="Q4 plan")
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    tree = subtree_table(root="P1", day=end)
    found = incentives.scoped_targets(engine, period="2026Q4", unit_codes=codes_in(tree),
                                      staff_ids=roster_ids(codes_in(tree, level="outlet"), start, end))
    assert found["unit_code"].tolist() == ["O1", "P1", "S1", "S3"]
    assert found["approved_value"].isna().all() and found["value"].tolist() == [10.0] * 4
