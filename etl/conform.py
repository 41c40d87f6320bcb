"""Conform rows against the org and the roster valid on their own day.

A fact whose staff member was not on the roster that day cannot be placed in the hierarchy;
it is quarantined with that reason, never attached to a guessed outlet.

The roster check runs on every fact file of every day, against a history of 52,000 versions
(400,000 on a national bank), so it works on integer codes and day numbers: comparing Python
`date` objects row by row costs seconds a file. The history's arrays are built once per
history frame (the writers replace the frame when a roster delivery lands, never mutate it).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.validate import Validated, reject_where

OPEN_END = np.iinfo(np.int64).max  # valid_to empty: the version still holds


@dataclass(frozen=True)
class RosterIndex:
    """The versions of a staff history sorted by staff, as day numbers (days since 1970)."""

    staff: pd.Index  # unique staff ids; a row's code is its position here
    first: np.ndarray  # per staff: position of its first version
    count: np.ndarray  # per staff: how many versions
    valid_from: np.ndarray
    valid_to: np.ndarray

    def holds(self, codes: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Per row: does some version of staff `codes` (-1: unknown) hold on `days`?"""
        counts = np.append(self.count, 0)[codes]  # code -1 (unknown staff) picks the appended 0
        # One candidate pair per (row, version of its staff): most staff have one version.
        row = np.repeat(np.arange(len(codes)), counts)
        offset = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
        version = self.first[codes[row]] + offset
        ok = (self.valid_from[version] <= days[row]) & (days[row] < self.valid_to[version])
        placed = np.zeros(len(codes), dtype=bool)
        placed[row[ok]] = True
        return placed


_INDEXES: dict[int, tuple[weakref.ref, RosterIndex]] = {}


def roster_index(staff_history: pd.DataFrame) -> RosterIndex:
    """The RosterIndex of a history frame, built once while the frame lives."""
    cached = _INDEXES.get(id(staff_history))
    if cached is not None and cached[0]() is staff_history:
        return cached[1]
    index = _build_index(staff_history)
    key = id(staff_history)
    _INDEXES[key] = (weakref.ref(staff_history, lambda _ref: _INDEXES.pop(key, None)), index)
    return index


def _build_index(staff_history: pd.DataFrame) -> RosterIndex:
    versions = pd.DataFrame(
        {
            "staff_id": staff_history["staff_id"].to_numpy(dtype=object),
            "valid_from": day_numbers(staff_history["valid_from"], missing=OPEN_END),
            "valid_to": day_numbers(staff_history["valid_to"], missing=OPEN_END),
        }
    ).sort_values("staff_id", kind="stable")
    codes, staff = pd.factorize(versions["staff_id"], sort=True)
    count = np.bincount(codes, minlength=len(staff)) if len(codes) else np.zeros(0, dtype=np.int64)
    first = np.cumsum(count) - count
    return RosterIndex(
        pd.Index(staff, dtype=object), first, count,
        versions["valid_from"].to_numpy(), versions["valid_to"].to_numpy(),
    )


def day_numbers(values: pd.Series, *, missing: int) -> np.ndarray:
    """Dates (date objects, Timestamps or datetime64) as days since 1970; None/NaT as `missing`.

    A column holds a few hundred distinct days at most: convert those, not every row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    numbers = _as_days(uniques)
    return np.append(numbers, missing)[codes]  # code -1 (missing) picks the appended value


def _as_days(uniques: object) -> np.ndarray:
    # numpy, not pd.to_datetime: it takes any year (a nanosecond Timestamp stops at 2262).
    array = np.asarray(uniques)
    if array.dtype.kind != "M":  # date or Timestamp objects
        array = np.array(list(array), dtype="datetime64[D]")
    return array.astype("datetime64[D]").astype(np.int64)


def known_staff_on_day(validated: Validated, staff_history: pd.DataFrame, *, day_column: str) -> None:
    """Reject rows whose staff_id has no roster version valid on the row's day."""
    rows = validated.rows
    if rows.empty:
        return
    index = roster_index(staff_history)
    codes = index.staff.get_indexer(rows["staff_id"].to_numpy(dtype=object))
    unplaced = ~index.holds(codes, day_numbers(rows[day_column], missing=OPEN_END))
    if not unplaced.any():
        return
    reasons = pd.Series(None, index=rows.index, dtype=object)
    bad = rows.loc[unplaced, ["staff_id", day_column]]
    reasons[unplaced] = [
        f"staff {sid} is not on the roster on {day}" if code >= 0 else f"staff {sid} is not on the roster"
        for sid, day, code in zip(bad["staff_id"], bad[day_column], codes[unplaced], strict=True)
    ]
    reject_where(validated, pd.Series(unplaced, index=rows.index), column="staff_id", reasons=reasons)


def known_outlets(validated: Validated, org_history: pd.DataFrame) -> None:
    """Reject roster versions pointing at an outlet the org does not have."""
    rows = validated.rows
    outlets = pd.Index(org_history.loc[org_history["level"] == "outlet", "code"].to_numpy(dtype=object))
    unknown = ~rows["outlet_code"].isin(outlets)
    reasons = rows["outlet_code"].where(unknown).map(lambda code: f"outlet {code} is not in the org")
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
