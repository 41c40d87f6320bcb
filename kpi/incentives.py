"""Piecewise-linear payout curves and what-if at the current run-rate (DESIGN §4 Incentives).

A curve pays, as a fraction of a base amount:
- 0 below the threshold completion;
- from ``threshold_payout`` at the threshold, linearly up to 1.0 at the target completion;
- above target, ``accelerator`` per unit of completion (a steeper slope when > 1), up to the
  cap completion, and flat beyond it.

``what_if`` re-prices the incentive pool when targets or curves change, projecting each row's
completion from its run-rate forecast (see kpi.attainment): it returns the budget, its
distribution and who crosses the threshold or falls below it. It is pure: nothing is saved —
saving a scenario is a new target version, which is the store's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from kpi.attainment import linear_completion


class PayoutCurve(BaseModel):
    """One role's curve; completions are ratios (1.0 = 100 % of target)."""

    model_config = ConfigDict(frozen=True)
    role: str
    threshold: float = 0.6
    target: float = 1.0
    cap: float = 1.5
    threshold_payout: float = 0.0
    accelerator: float = 2.0

    @model_validator(mode="after")
    def _consistent(self) -> PayoutCurve:
        if not 0 <= self.threshold <= self.target <= self.cap:
            raise ValueError("need 0 ≤ threshold ≤ target ≤ cap")
        if not 0 <= self.threshold_payout <= 1:
            raise ValueError("threshold_payout is a fraction of the base in [0, 1]")
        if self.accelerator < 0:
            raise ValueError("accelerator must be ≥ 0")
        return self

    @property
    def max_fraction(self) -> float:
        return 1.0 + self.accelerator * (self.cap - self.target)

    def fraction(self, completion: np.ndarray | float) -> np.ndarray:
        """Payout fraction of the base for each completion; NaN stays NaN (no target)."""
        c = np.asarray(completion, dtype=float)
        span = self.target - self.threshold
        ramp = (self.threshold_payout + (1 - self.threshold_payout) * (c - self.threshold) / span
                if span > 0 else np.ones_like(c))
        above = 1.0 + self.accelerator * (np.minimum(c, self.cap) - self.target)
        value = np.select([c < self.threshold, c < self.target], [0.0, ramp], default=above)
        return np.where(np.isnan(c), np.nan, value)


def payout(completion: np.ndarray | float, curve: PayoutCurve,
           base_amount: np.ndarray | float) -> np.ndarray | float:
    """Payout amount = curve fraction × base amount (scalar in, scalar out)."""
    amount = curve.fraction(completion) * np.asarray(base_amount, dtype=float)
    return float(amount) if np.ndim(amount) == 0 else amount


@dataclass(frozen=True)
class WhatIfResult:
    rows: pd.DataFrame       # per staff (× kpi): baseline vs scenario target, completion, payout
    budget: pd.DataFrame     # one row: baseline, scenario, delta, delta_pct
    by_group: pd.DataFrame   # the same per group (role, level, …) with headcounts
    crossings: pd.DataFrame  # rows that cross the threshold or fall below it


def _payouts(rows: pd.DataFrame, *, curves: Mapping[str, PayoutCurve], completion: pd.Series,
             ) -> tuple[np.ndarray, np.ndarray]:
    missing = sorted(set(rows["role"]) - set(curves))
    if missing:
        raise ValueError(f"no payout curve for roles {missing}")
    amount = np.full(len(rows), np.nan)
    reached = np.zeros(len(rows), dtype=bool)
    completions, bases = completion.to_numpy(), rows["base_amount"].to_numpy()
    for role, curve in curves.items():
        mine = (rows["role"] == role).to_numpy()
        amount[mine] = payout(completions[mine], curve, bases[mine])
        reached[mine] = completions[mine] >= curve.threshold
    return amount, reached


def _scenario_targets(rows: pd.DataFrame, *, keys: list[str],
                      target_change: float | pd.DataFrame | None) -> pd.Series:
    if target_change is None:
        return rows["target"]
    if isinstance(target_change, (int, float)):
        return rows["target"] * float(target_change)
    new = rows[keys].merge(target_change[[*keys, "target"]], on=keys, how="left",
                           validate="one_to_one")["target"]
    return new.set_axis(rows.index).fillna(rows["target"])


def what_if(staff: pd.DataFrame, *, curves: Mapping[str, PayoutCurve],
            target_change: float | pd.DataFrame | None = None,
            curve_change: Mapping[str, PayoutCurve] | None = None,
            group_by: Sequence[str] = ("role",)) -> WhatIfResult:
    """Baseline vs scenario payouts at the current run-rate.

    ``staff``: staff_id, role, base_amount, target, forecast (run-rate forecast for the period),
    optional kpi and direction ("higher"/"lower"). ``target_change``: a multiplier for every
    target, or a frame (staff_id[, kpi], target) of new targets. ``curve_change``: replacement
    curves by role. A row without a usable target pays nothing and is counted as such.
    """
    keys = ["staff_id", "kpi"] if "kpi" in staff.columns else ["staff_id"]
    higher = (staff["direction"] != "lower").to_numpy() if "direction" in staff.columns else True
    scenario_curves = {**curves, **(curve_change or {})}
    out = staff.copy()
    out["scenario_target"] = _scenario_targets(staff, keys=keys, target_change=target_change)
    for label, target, curve_set in (("baseline", staff["target"], curves),
                                     ("scenario", out["scenario_target"], scenario_curves)):
        completion = pd.Series(linear_completion(staff["forecast"], target,
                                                 higher_is_better=higher), index=staff.index)
        amount, reached = _payouts(staff, curves=curve_set, completion=completion)
        out[f"{label}_completion"] = completion
        out[f"{label}_payout"] = np.nan_to_num(amount, nan=0.0)
        out[f"{label}_reached"] = reached
    out["no_target"] = out["baseline_completion"].isna() | out["scenario_completion"].isna()
    out["change"] = np.select(
        [~out["baseline_reached"] & out["scenario_reached"],
         out["baseline_reached"] & ~out["scenario_reached"]],
        ["crosses_threshold", "falls_below"], default="unchanged")
    return WhatIfResult(
        rows=out, budget=_budget(out, by=[]), by_group=_budget(out, by=list(group_by)),
        crossings=out.loc[out["change"] != "unchanged"].reset_index(drop=True))


def _budget(rows: pd.DataFrame, *, by: list[str]) -> pd.DataFrame:
    spec = {"baseline": ("baseline_payout", "sum"), "scenario": ("scenario_payout", "sum"),
            "headcount": ("staff_id", "nunique"),
            "baseline_earning": ("baseline_payout", lambda p: int((p > 0).sum())),
            "scenario_earning": ("scenario_payout", lambda p: int((p > 0).sum()))}
    grouped = (rows.groupby(by, as_index=False, sort=True).agg(**spec) if by
               else rows.assign(_all=0).groupby("_all").agg(**spec).reset_index(drop=True))
    grouped["delta"] = grouped["scenario"] - grouped["baseline"]
    grouped["delta_pct"] = grouped["delta"] / grouped["baseline"].where(grouped["baseline"] != 0)
    return grouped
