"""Conform rows against the org and the roster valid on their own day.

A fact whose staff member was not on the roster that day cannot be placed in the hierarchy;
it is quarantined with that reason, never attached to a guessed outlet.
"""

from __future__ import annotations

import pandas as pd

from etl.validate import Validated, reject_where


def known_staff_on_day(validated: Validated, staff_history: pd.DataFrame, *, day_column: str) -> None:
    """Reject rows whose staff_id has no roster version valid on the row's day."""
    rows = validated.rows
    if rows.empty:
        return
    versions = staff_history[["staff_id", "valid_from", "valid_to"]]
    pairs = rows[["staff_id", day_column]].reset_index().merge(versions, on="staff_id", how="left")
    holds = (pairs["valid_from"] <= pairs[day_column]) & (
        pairs["valid_to"].isna() | (pairs["valid_to"] > pairs[day_column])
    )
    placed = pairs.loc[holds.fillna(False), "index"].unique()
    known = rows["staff_id"].isin(set(versions["staff_id"]))
    unplaced = ~rows.index.isin(placed)
    reasons = pd.Series(
        [
            f"staff {sid} is not on the roster on {day}" if ok else f"staff {sid} is not on the roster"
            for sid, day, ok in zip(rows["staff_id"], rows[day_column], known, strict=True)
        ],
        index=rows.index,
    )
    reject_where(validated, pd.Series(unplaced, index=rows.index), column="staff_id", reasons=reasons)


def known_outlets(validated: Validated, org_history: pd.DataFrame) -> None:
    """Reject roster versions pointing at an outlet the org does not have."""
    rows = validated.rows
    outlets = set(org_history.loc[org_history["level"] == "outlet", "code"])
    unknown = ~rows["outlet_code"].isin(outlets)
    reasons = rows["outlet_code"].map(lambda code: f"outlet {code} is not in the org")
    reject_where(validated, unknown, column="outlet_code", reasons=reasons)


def known_parents(validated: Validated) -> None:
    """Reject org versions whose parent is missing (the head office alone has none), then
    their descendants in turn: a unit must never hang from one that was rejected."""
    while True:
        rows = validated.rows
        codes = set(rows["code"])
        orphan = (rows["level"] != "head_office") & ~rows["parent_code"].isin(codes)
        if not orphan.any():
            break
        reasons = rows["parent_code"].map(lambda code: f"parent {code} is not in the org")
        reject_where(validated, orphan, column="parent_code", reasons=reasons)
    rows = validated.rows
    bad_merge = rows["merged_into"].notna() & ~rows["merged_into"].isin(codes)
    reasons = rows["merged_into"].map(lambda code: f"merged_into {code} is not in the org")
    reject_where(validated, bad_merge, column="merged_into", reasons=reasons)
