"""Per-staff targets and run-rate forecasts for the incentives what-if (DESIGN §4 Incentives).

Targets are set per unit (head office, provinces and, once allocated, branches or outlets) and
sometimes per staff member (a target whose unit_code is a staff id). For the what-if each
eligible staff member's target is:

- their own staff-level target, when they have one;
- otherwise a share of the target of the *holder*: the nearest unit at or above their outlet
  that has a target. The holder's target is shared evenly among the eligible staff it covers,
  exactly (kpi.allocation: shares add up to the holder's target to the unit, or to the cent for
  amounts). Targets nested inside the holder — a unit below it with its own target, a
  staff-level target — are taken out first and keep their value, like locked children; a holder
  whose nested targets exceed its own is reported as infeasible, never clipped silently.

Eligible staff: customer managers and wealth managers (the roles with payout curves) who have
not left (WeCom status 5). A staff member with no holder above has no target (NaN).

The forecast is the run-rate of the actual to date, from kpi.attainment (business days from
kpi.calendar): actual × business days in the period / elapsed business days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from kpi.allocation import Mode, allocate
from kpi.attainment import attainment

ELIGIBLE_ROLES: tuple[str, ...] = ("customer_manager", "wealth_manager")
LEFT = 5  # WeCom status of a member who left
HOLDER_COLUMNS = ["holder", "holder_kind", "total", "nested", "shared", "staff", "status", "message"]


@dataclass(frozen=True)
class StaffTargets:
    rows: pd.DataFrame     # the eligible staff with target (NaN without a holder) and holder
    holders: pd.DataFrame  # one row per holder: total, nested, shared, staff, status, message


def eligible(staff: pd.DataFrame, *, roles: Iterable[str] = ELIGIBLE_ROLES) -> pd.DataFrame:
    """The staff who take part in the incentive plan: the given roles, not left."""
    keep = staff["role"].isin(list(roles))
    if "wecom_status" in staff.columns:
        keep &= staff["wecom_status"] != LEFT
    return staff.loc[keep].reset_index(drop=True)


def _chain(code: str, parent: Mapping[str, str | None]) -> list[str]:
    """`code` and its ancestors, nearest first (stops at the root or at a cycle)."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = parent.get(current)
    return chain


def _parents(units: pd.DataFrame) -> dict[str, str | None]:
    return {c: (p if isinstance(p, str) and p else None)
            for c, p in zip(units["code"], units["parent_code"], strict=True)}


def nearest_holder(units: pd.DataFrame, holders: Iterable[str]) -> dict[str, str | None]:
    """For every unit, the nearest unit at or above it that holds a target (None if none)."""
    parent, held = _parents(units), set(holders)
    return {code: next((c for c in _chain(code, parent) if c in held), None) for code in parent}


def ancestor_at(units: pd.DataFrame, codes: pd.Series, *, level: str) -> pd.Series:
    """The code of each unit's ancestor (or itself) at `level`; None where there is none."""
    parent = _parents(units)
    levels = dict(zip(units["code"], units["level"], strict=True))
    found = {code: next((c for c in _chain(code, parent) if levels.get(c) == level), None)
             for code in set(codes.dropna())}
    return codes.map(found)


def _exact_sum(values: pd.Series) -> float:
    """The sum of targets in whole numbers or cents, without float noise (0.01 + 0.05 is 0.06,
    not 0.060000000000000005: the holders' table shows it and must add up with the shares).
    Summed as whole cents: a head office shares among ~50,000 staff, too many for Decimals."""
    cents = np.rint(values.to_numpy(dtype=float) * 100).astype(np.int64)
    return int(cents.sum()) / 100


def _mode_for(values: Iterable[float], mode: Mode) -> Mode:
    """Whole targets are shared as whole numbers; a holder with cents falls back to cents."""
    whole = all(float(v).is_integer() for v in values)
    return "integer" if mode == "integer" and whole else "decimal"


def _share_one(total: float, nested: pd.Series, free: list[str], *, mode: Mode) -> tuple[pd.Series, str, str]:
    """Share `total` among `free` after the `nested` (locked) values; returns the free staff's
    values, the status and allocate's message."""
    sign = -1.0 if total < 0 else 1.0  # allocate shares magnitudes: a reduction is negated back
    children = pd.DataFrame({
        "child": [*nested.index, *free],
        "locked": [*(sign * nested.to_numpy(dtype=float)), *([np.nan] * len(free))],
    })
    result = allocate(sign * total, children, locked_column="locked",
                      mode=_mode_for([total, *nested], mode))
    values = result.frame.set_index("child")["value"].reindex(free).astype(float) * sign
    return values, result.status, result.message


def share_targets(staff: pd.DataFrame, units: pd.DataFrame, totals: pd.Series, *,
                  mode: Mode = "integer", roles: Iterable[str] = ELIGIBLE_ROLES) -> StaffTargets:
    """Each eligible staff member's target, per the module docstring.

    ``staff``: staff_id, outlet_code, role[, wecom_status] — every staff member of the area (the
    non-eligible ones only place staff-level targets). ``units``: code, parent_code, level.
    ``totals``: target by holder code (unit code or staff id), already summed over the cells in
    view. ``mode``: "integer" for counts, "decimal" for amounts (cents).
    """
    totals = totals.dropna().astype(float)
    unit_totals = totals[totals.index.isin(set(units["code"]))]
    outlet_of = dict(zip(staff["staff_id"], staff["outlet_code"], strict=False))
    staff_totals = totals[totals.index.isin(set(outlet_of)) & ~totals.index.isin(unit_totals.index)]
    nearest = nearest_holder(units, unit_totals.index)
    parent = _parents(units)
    rows = eligible(staff, roles=roles)
    own = rows["staff_id"].isin(staff_totals.index)
    rows["holder"] = rows["staff_id"].where(own, rows["outlet_code"].map(nearest))
    rows["holder_kind"] = np.where(own, "staff", np.where(rows["holder"].notna(), "unit", None))
    rows["target"] = rows["staff_id"].map(staff_totals).where(own)
    # Where each nested target sits: a unit holder under the nearest holder strictly above it,
    # a staff-level target under the nearest unit holder of its outlet.
    nested_in = {h: nearest.get(parent.get(h)) if parent.get(h) else None for h in unit_totals.index}
    nested_in |= {s: nearest.get(outlet_of[s]) for s in staff_totals.index}
    summary = []
    for holder, total in unit_totals.sort_index().items():
        nested = totals[[code for code, above in nested_in.items() if above == holder]]
        free = sorted(rows.loc[~own & (rows["holder"] == holder), "staff_id"])
        if free or len(nested):
            values, status, message = _share_one(total, nested, free, mode=mode)
            rows.loc[rows["staff_id"].isin(free), "target"] = rows["staff_id"].map(values)
        else:
            values, status, message = pd.Series(dtype=float), "no_staff", "no eligible staff below"
        summary.append((holder, "unit", total, _exact_sum(nested), _exact_sum(values), len(free), status, message))
    priced = set(rows["staff_id"])
    for code, total in staff_totals.sort_index().items():
        summary.append((code, "staff", total, 0.0, total, int(code in priced), "ok", "own target"))
    return StaffTargets(rows=rows, holders=pd.DataFrame(summary, columns=HOLDER_COLUMNS))


def run_rate_forecast(actual: pd.Series, *, kpi: str, period: str, as_of: date,
                      calendar_overrides: pd.DataFrame | None = None) -> pd.Series:
    """The period-end forecast of each actual to date, as kpi.attainment computes it: the
    run-rate for flows (actual × business days in period / elapsed), the value for levels."""
    if actual.empty:
        return actual.astype(float)
    frame = pd.DataFrame({"kpi": kpi, "actual": actual.to_numpy(dtype=float), "target": np.nan,
                          "period": period})
    judged = attainment(frame, as_of=as_of, calendar_overrides=calendar_overrides)
    return pd.Series(judged["forecast"].to_numpy(dtype=float), index=actual.index)
