"""Attainment: completion, time progress, gap, run-rate forecast and status (DESIGN §4).

Completion is a linear score that is 1.0 exactly at target and grows in the good direction:

- higher is better, target > 0 (``goal``):         completion = actual / target
- lower is better, target > 0 (``ceiling``):       completion = 2 − actual / target
  (the usual 逆向指标 rule: at target 1, at zero 2, at twice the target 0 — it never divides by
  the actual, so an actual of 0 is simply the best score, not infinity)
- lower is better, target < 0 (``reduction``):     completion = actual / target
  (targets and actuals are signed *changes*: reduce complaints by 50 → target −50; a
  reduction of 30 is 0.6, an increase of 10 is −0.2)
- higher is better, target < 0 (``floor``):        completion = 2 − actual / target
  (a tolerated decline: declining 50 against −100 scores 1.5)
- target 0 or missing (``none``): completion is undefined (NaN), status ``no_target``.

Pacing: flows and distinct counts accumulate over the period, so they are judged against time
progress (business days elapsed / business days in period): the expected completion today is
``time_progress`` for the a/t forms and ``2 − time_progress`` for the 2 − a/t forms (both meet
1.0 at period end). Snapshots and ratios are levels: expected completion is 1.0 at any time.
A ``paced`` column overrides the registry's default per row. gap = completion − expected.

Run-rate forecast for paced rows: actual / elapsed business days × business days in period
(NaN before the first business day); for levels the forecast is the current value.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from kpi.calendar import elapsed_and_total
from kpi.registry import METRICS
from kpi.targets import parse_period


class StatusMargins(BaseModel):
    """Status by gap: green if gap ≥ green_min_gap, amber if ≥ amber_min_gap, else red."""

    model_config = ConfigDict(frozen=True)
    green_min_gap: float = -0.05
    amber_min_gap: float = -0.15

    @model_validator(mode="after")
    def _ordered(self) -> StatusMargins:
        if self.amber_min_gap > self.green_min_gap:
            raise ValueError("amber_min_gap must not be above green_min_gap")
        return self


def _ratio_form(target: np.ndarray, higher_is_better: np.ndarray) -> np.ndarray:
    """True where completion is actual/target, False where it is 2 − actual/target."""
    return higher_is_better == (target > 0)


def linear_completion(actual: np.ndarray, target: np.ndarray, *,
                      higher_is_better: np.ndarray) -> np.ndarray:
    """Completion per the module docstring; NaN where the target is 0 or missing."""
    actual = np.asarray(actual, dtype=float)
    target = np.asarray(target, dtype=float)
    usable = np.isfinite(target) & (target != 0)
    share = np.divide(actual, target, out=np.full(actual.shape, np.nan), where=usable)
    higher = np.broadcast_to(np.asarray(higher_is_better, dtype=bool), actual.shape)
    return np.where(_ratio_form(target, higher), share, 2.0 - share)


def target_types(target: np.ndarray, *, higher_is_better: np.ndarray) -> np.ndarray:
    """goal / ceiling / reduction / floor / none, as in the module docstring."""
    target = np.asarray(target, dtype=float)
    higher = np.asarray(higher_is_better, dtype=bool)
    return np.select(
        [~np.isfinite(target) | (target == 0), (target > 0) & higher, target > 0, ~higher],
        ["none", "goal", "ceiling", "reduction"], default="floor")


# The helpers below work on plain lists, one value per row: pandas' map and where over the
# (pyarrow) string columns of a page's ~1,300 target cells cost ~20 ms a call in Python-level
# iteration; the values are the same.
def _period_bounds(frame: pd.DataFrame) -> tuple[list, list]:
    """Each row's period start and end."""
    if "period" in frame.columns:
        periods = frame["period"].tolist()
        bounds = {p: parse_period(p) for p in dict.fromkeys(periods)}
        return [bounds[p][0] for p in periods], [bounds[p][1] for p in periods]
    if {"period_start", "period_end"} <= set(frame.columns):
        return frame["period_start"].tolist(), frame["period_end"].tolist()
    raise KeyError("attainment rows need a period column or period_start and period_end")


def _business_days(starts: list, ends: list, index: pd.Index, *, as_of: date,
                   overrides: pd.DataFrame | None) -> pd.DataFrame:
    """Elapsed and total business days per row, computed once per distinct period."""
    pairs = list(zip(starts, ends, strict=True))
    counts = {(s, e): elapsed_and_total(s, e, as_of, overrides=overrides) for s, e in dict.fromkeys(pairs)}
    return pd.DataFrame([counts[pair] for pair in pairs], columns=["elapsed_days", "period_days"], index=index)


def _per_row(frame: pd.DataFrame, column: str, registry: list) -> list:
    """The frame's own column where given (non-null), else the registry's value for the kpi."""
    if column in frame.columns:
        given = frame[column]
        present = given.notna().to_numpy()
        values = [g if here else r for g, r, here in zip(given.tolist(), registry, present, strict=True)]
    else:
        present, values = np.zeros(len(registry), dtype=bool), list(registry)
    missing = [not here and r is None for r, here in zip(registry, present, strict=True)]
    if any(missing):
        unknown = sorted({k for k, gone in zip(frame["kpi"].tolist(), missing, strict=True) if gone})
        raise ValueError(f"kpis {unknown} are not registered; give a {column!r} column")
    return values


def _registry(frame: pd.DataFrame, value) -> list:  # noqa: ANN001 - a function of a Metric
    """`value(metric)` of each row's kpi (None for a kpi not registered), once per kpi."""
    kpis = frame["kpi"].tolist()
    known = {k: value(METRICS[k]) if k in METRICS else None for k in dict.fromkeys(kpis)}
    return [known[k] for k in kpis]


def _higher_is_better(frame: pd.DataFrame) -> np.ndarray:
    direction = _per_row(frame, "direction", _registry(frame, lambda m: m.direction))
    if not all(d in ("higher", "lower") for d in direction):
        raise ValueError("direction must be 'higher' or 'lower'")
    return np.array([d == "higher" for d in direction], dtype=bool)


def _paced(frame: pd.DataFrame) -> np.ndarray:
    paced = _per_row(frame, "paced", _registry(frame, lambda m: m.aggregation in ("flow", "distinct")))
    return np.array([bool(p) for p in paced], dtype=bool)


def _time_progress(days: pd.DataFrame, ends: list, as_of: date) -> np.ndarray:
    elapsed, total = days["elapsed_days"].to_numpy(float), days["period_days"].to_numpy(float)
    ended = np.asarray(pd.to_datetime(pd.Series(ends, dtype=object)) <= pd.Timestamp(as_of), dtype=bool)
    progress = np.divide(elapsed, total, out=np.where(ended, 1.0, 0.0), where=total > 0)
    return np.clip(progress, 0.0, 1.0)


def _status(completion: np.ndarray, gap: np.ndarray, *, actual: np.ndarray, kinds: np.ndarray,
            margins: StatusMargins) -> tuple[np.ndarray, np.ndarray]:
    no_target = kinds == "none"
    no_data = ~np.isfinite(actual)
    status = np.select(
        [no_target, no_data, gap >= margins.green_min_gap, gap >= margins.amber_min_gap],
        ["no_target", "no_data", "green", "amber"], default="red")
    reasons = {
        "none": "target is zero or missing: completion undefined",
        "goal": "completion = actual / target",
        "ceiling": "lower is better: completion = 2 − actual / target",
        "reduction": "reduction goal (signed change): completion = actual / target",
        "floor": "tolerated decline (signed change): completion = 2 − actual / target",
    }
    reason = np.array([reasons[k] for k in kinds], dtype=object)
    reason[no_data & ~no_target] = "no actual value"
    return status, reason


def attainment(frame: pd.DataFrame, *, as_of: date, margins: StatusMargins | None = None,
               calendar_overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add completion, time progress, gap, forecast and status to rows of actual vs target.

    Needs columns kpi, actual, target and period (or period_start/period_end); optional
    direction ("higher"/"lower") and paced (bool) override the registry per row.
    """
    margins = margins or StatusMargins()
    starts, ends = _period_bounds(frame)
    days = _business_days(starts, ends, frame.index, as_of=as_of, overrides=calendar_overrides)
    higher = _higher_is_better(frame)
    paced = _paced(frame)
    actual = frame["actual"].to_numpy(dtype=float, na_value=np.nan)
    target = frame["target"].to_numpy(dtype=float, na_value=np.nan)
    progress = _time_progress(days, ends, as_of)
    completion = linear_completion(actual, target, higher_is_better=higher)
    ratio_form = _ratio_form(target, higher)
    expected = np.where(paced, np.where(ratio_form, progress, 2.0 - progress), 1.0)
    elapsed, total = days["elapsed_days"].to_numpy(float), days["period_days"].to_numpy(float)
    run_rate = np.divide(actual * total, elapsed, out=np.full(actual.shape, np.nan),
                         where=elapsed > 0)
    forecast = np.where(paced & (progress < 1.0), run_rate, actual)
    kinds = target_types(target, higher_is_better=higher)
    gap = completion - expected
    status, reason = _status(completion, gap, actual=actual, kinds=kinds, margins=margins)
    return frame.assign(
        elapsed_days=days["elapsed_days"], period_days=days["period_days"],
        time_progress=progress, expected_completion=expected, completion=completion, gap=gap,
        forecast=forecast,
        forecast_completion=linear_completion(forecast, target, higher_is_better=higher),
        target_type=kinds, status=status, status_reason=reason,
    )
