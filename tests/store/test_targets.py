"""Target versions: drafts, approval, reasons, audit, and edits that never overwrite silently."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from store.targets import (
    Change, StaleEdit, TargetError, approve, audit_trail, import_targets, kpi_targets, read_targets, save_cells,
    save_changes, target_periods,
)


def cells(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"period": "2026Q4", "unit_code": unit, "department": dept, "kpi": "account_cnt",
             "kind": "incremental", "segment": "long_tail", "value": value}
            for unit, dept, value in rows
        ]
    )


@pytest.fixture
def two_targets(engine: sa.Engine) -> pd.DataFrame:
    import_targets(engine, cells=cells(("GD", "online", 1000), ("JS", "online", 800)), by="hq", reason="Q4 plan")
    return read_targets(engine, period="2026Q4").set_index("unit_code")


def test_import_creates_drafts_with_an_audit_row_each(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    assert set(two_targets["status"]) == {"draft"} and set(two_targets["version"]) == {1}
    trail = audit_trail(engine, target_id=int(two_targets.at["GD", "id"]))
    assert list(trail["action"]) == ["create"] and trail.at[0, "reason"] == "Q4 plan"


def test_an_identical_redelivery_changes_nothing(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    counts = import_targets(engine, cells=cells(("GD", "online", 1000), ("JS", "online", 800)), by="hq", reason="again")
    assert counts == {"inserted": 0, "updated": 0, "unchanged": 2}
    assert len(audit_trail(engine, target_id=int(two_targets.at["GD", "id"]))) == 1


def test_a_stale_edit_is_refused_naming_who_changed_it_and_nothing_is_lost(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    gd, js = int(two_targets.at["GD", "id"]), int(two_targets.at["JS", "id"])
    # Two people opened version 1. Wang saves first.
    save_changes(engine, changes=[Change(gd, 1100, expected_version=1)], by="wang", reason="more staff")
    with pytest.raises(StaleEdit, match="changed by wang at"):
        save_changes(engine, changes=[Change(js, 900, 1), Change(gd, 1200, 1)], by="li", reason="stretch")
    after = read_targets(engine, period="2026Q4").set_index("unit_code")
    assert after.at["GD", "value"] == 1100 and after.at["GD", "version"] == 2  # wang's change kept
    assert after.at["JS", "value"] == 800 and after.at["JS", "version"] == 1  # li's batch all or nothing


def test_every_change_needs_a_reason(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    with pytest.raises(TargetError, match="reason is required"):
        save_changes(engine, changes=[Change(int(two_targets.at["GD", "id"]), 5, 1)], by="li", reason="  ")


def test_approval_is_audited_and_a_later_edit_returns_the_target_to_draft(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    gd = int(two_targets.at["GD", "id"])
    approve(engine, versions={gd: 1}, by="director", reason="signed off")
    assert read_targets(engine, period="2026Q4").set_index("unit_code").at["GD", "status"] == "approved"
    save_changes(engine, changes=[Change(gd, 1050, 2)], by="hr", reason="correction")
    row = read_targets(engine, period="2026Q4").set_index("unit_code").loc["GD"]
    assert (row["status"], row["version"], row["value"]) == ("draft", 3, 1050)
    trail = audit_trail(engine, target_id=gd)
    assert list(trail["action"]) == ["create", "approve", "edit"]
    assert list(trail["by"]) == ["hq", "director", "hr"]
    assert float(trail.iloc[-1]["old_value"]) == 1000 and float(trail.iloc[-1]["new_value"]) == 1050


def allocation(*rows: tuple[str, float, float | None]) -> pd.DataFrame:
    """Cells as the allocation page saves them: unit, value, the version the editor saw."""
    out = cells(*[(unit, "online", value) for unit, value, _ in rows])
    return out.assign(expected_version=[version for *_, version in rows])


def test_an_allocation_inserts_new_cells_and_updates_seen_ones_in_one_batch(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    counts = save_cells(engine, cells=allocation(("GD", 1000, 1), ("JS", 700, 1), ("ZJ", 300, None)), by="hr", reason="split")
    assert counts == {"inserted": 1, "updated": 1, "unchanged": 1}
    after = read_targets(engine, period="2026Q4").set_index("unit_code")
    assert after["value"].to_dict() == {"GD": 1000, "JS": 700, "ZJ": 300}
    assert (after.at["ZJ", "version"], after.at["ZJ", "status"]) == (1, "draft")
    assert list(audit_trail(engine, target_id=int(after.at["JS", "id"]))["reason"]) == ["Q4 plan", "split"]


def test_an_allocation_over_a_stale_cell_saves_nothing_and_names_who(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    save_changes(engine, changes=[Change(int(two_targets.at["JS", "id"]), 850, 1)], by="wang", reason="fix")
    with pytest.raises(StaleEdit, match="changed by wang"):
        save_cells(engine, cells=allocation(("ZJ", 300, None), ("JS", 700, 1)), by="li", reason="split")
    assert set(read_targets(engine, period="2026Q4")["unit_code"]) == {"GD", "JS"}  # ZJ's insert rolled back


def test_a_cell_created_by_someone_else_meanwhile_is_refused(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    save_cells(engine, cells=allocation(("ZJ", 300, None)), by="wang", reason="first")
    with pytest.raises(StaleEdit, match="changed by wang"):
        save_cells(engine, cells=allocation(("ZJ", 320, None)), by="li", reason="second")
    assert read_targets(engine, period="2026Q4").set_index("unit_code").at["ZJ", "value"] == 300


def test_target_periods_lists_each_period_once(engine: sa.Engine, two_targets: pd.DataFrame) -> None:
    import_targets(engine, cells=cells(("GD", "online", 1)).assign(period="2026-10"), by="hq", reason="month")
    assert target_periods(engine) == ["2026-10", "2026Q4"]


def test_reads_for_a_whole_bank_of_codes_return_exactly_those_units(engine: sa.Engine) -> None:
    """Beyond 500 codes the units go as one bound list (JSON on SQLite, an array on PostgreSQL):
    the same rows as one parameter per code — staff cells and units not asked for left out."""
    units = [f"U{n:04d}" for n in range(700)]
    cells = pd.DataFrame([{"period": period, "unit_code": unit, "department": "retail", "kpi": "funded_cnt",
                           "kind": "stock", "segment": "wealth", "value": n % 97 + 0.25}
                          for n, unit in enumerate([*units, "S0001", "S0002", "Ü-名"]) for period in ("2026-10", "2026Q4")])
    import_targets(engine, cells=cells, by="tester", reason="setup")
    wanted = [*units[50:], "Ü-名", "S0002"]  # 652 codes: not the first 50 units, an odd name, a staff cell
    rows = read_targets(engine, period="2026-10", unit_codes=wanted)
    plan = kpi_targets(engine, kpi="funded_cnt", unit_codes=wanted)
    assert sorted(rows["unit_code"]) == sorted(wanted) and sorted(plan["unit_code"]) == sorted(wanted * 2)
    few = pd.concat([read_targets(engine, period="2026-10", unit_codes=wanted[n:n + 400])
                     for n in range(0, len(wanted), 400)])  # one parameter per code

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values("unit_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(ordered(rows), ordered(few), check_exact=True)
