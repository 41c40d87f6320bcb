"""Targets workbooks: validated against the org, the roster and the KPI registry."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from etl.load import load_paths
from store.read import rejects
from store.targets import audit_trail, read_targets

HEADER = ["period", "unit_code", "department", "kpi", "kind", "segment", "value"]


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    pd.DataFrame(rows, columns=HEADER).to_excel(path, index=False)
    return path


def test_targets_load_as_drafts_and_bad_rows_are_quarantined(engine: sa.Engine, tiny_bank: Path) -> None:
    write_xlsx(tiny_bank / "targets_2026Q4.xlsx", [
        ["2026Q4", "HO", "online", "account_cnt", "incremental", "long_tail", 100],
        ["2026Q4", "GD", "online", "account_cnt", "incremental", "long_tail", 100],
        ["2026Q4", "GD01001001", "retail", "deposit_amount", "stock", "wealth", 2500000.5],
        ["2026Q9", "GD", "online", "account_cnt", "incremental", "long_tail", 1],
        ["2026Q4", "XX", "online", "account_cnt", "incremental", "long_tail", 1],
        ["2026Q4", "GD", "online", "happiness", "incremental", "long_tail", 1],
    ])
    summary = load_paths(engine, [tiny_bank])
    result = next(r for r in summary.results if r.source == "targets")
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == ("ok", 6, 3, 3)
    targets = read_targets(engine, period="2026Q4").set_index("unit_code")
    assert set(targets["status"]) == {"draft"}
    assert targets.at["GD01001001", "value"] == 2500000.5
    assert audit_trail(engine, target_id=int(targets.at["GD", "id"])).at[0, "by"] == "etl:targets_2026Q4.xlsx"
    reasons = rejects(engine).query("source == 'targets'").set_index("line")["reason"].to_dict()
    assert reasons[5].startswith("period '2026Q9' is not a month")
    assert reasons[6] == "unit XX is neither an org unit nor a staff id"
    assert reasons[7] == "kpi 'happiness' is not a metric of the registry"
