"""Targets delivered by head office (`targets_PERIOD.xlsx` or .csv).

A target row must name a real period, a metric of the KPI registry and an org unit or a
staff member; the value may be negative (a reduction goal), never missing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.files import read_table
from etl.sources.wecom import Parsed
from etl.validate import DEPARTMENTS, KINDS, SEGMENTS, Field, reject_where, validate
from kpi.registry import METRICS
from kpi.targets import parse_period

FIELDS = [
    Field("period", "code"),
    Field("unit_code", "code"),
    Field("department", "enum", values=DEPARTMENTS),
    Field("kpi", "code"),
    # "all": a KPI not split by kind or segment (e.g. contact_enabled_rate, the rollout plan).
    Field("kind", "enum", values=(*KINDS, "all")),
    Field("segment", "enum", values=(*SEGMENTS, "all")),
    Field("value", "money", minimum=None),
]
CELL = ["period", "unit_code", "department", "kpi", "kind", "segment"]


def _is_period(text: str) -> bool:
    try:
        parse_period(text)
    except ValueError:
        return False
    return True


def parse_targets(path: Path, *, known_units: set[str]) -> Parsed:
    frame = read_table(path, columns=[spec.name for spec in FIELDS])
    validated = validate(frame, FIELDS)
    checks = [
        ("period", lambda r: ~r["period"].map(_is_period),
         lambda r: r["period"].map(lambda v: f"period '{v}' is not a month (2026-10), quarter (2026Q4), half (2026H2) or year (2026)")),
        ("kpi", lambda r: ~r["kpi"].isin(list(METRICS)),
         lambda r: r["kpi"].map(lambda v: f"kpi '{v}' is not a metric of the registry")),
        ("unit_code", lambda r: ~r["unit_code"].isin(known_units),
         lambda r: r["unit_code"].map(lambda v: f"unit {v} is neither an org unit nor a staff id")),
        ("value", lambda r: r.duplicated(CELL, keep=False),
         lambda r: pd.Series("duplicate of another row for the same target cell", index=r.index)),
    ]
    for column, bad, reasons in checks:
        rows = validated.rows
        if not rows.empty:
            reject_where(validated, bad(rows), column=column, reasons=reasons(rows))
    return Parsed(rows=validated.rows, rejects=validated.rejects, rows_in=len(frame))
