"""Top-down allocation of a parent's target to its children (DESIGN §4 Targets).

All arithmetic is done in integer *units* (whole targets, or cents in decimal mode) with exact
rational shares, so the children always sum exactly to the parent — no float drift:

1. Locked children keep their value; the remainder R = parent − Σlocked is shared by the rest.
2. Shares are proportional to the weight (1 each for an even split). With capacity caps the
   shares are water-filled: anyone whose share exceeds their cap is set to the cap and the
   overflow is re-shared among the others by weight, until nobody is over.
3. Shares are rounded by largest remainder: everyone gets the floor, and the units still
   missing go one each to the largest fractional parts; ties go to the smaller child code, so
   the result does not depend on row order.

Infeasible requests (locked sum above the parent, not enough capacity, no positive weight to
share a positive remainder) are reported in ``AllocationResult.status``/``message`` with the
amount left unallocated — never clipped silently. The frame then holds a best effort.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor, lcm
from typing import Literal

import numpy as np
import pandas as pd

Mode = Literal["integer", "decimal"]


@dataclass(frozen=True)
class AllocationResult:
    """Children's values plus whether the allocation is feasible and why not."""

    frame: pd.DataFrame  # child, weight, locked, cap, value, value_units, capped
    status: Literal["ok", "infeasible"]
    message: str
    unallocated: float  # parent − Σ values, in target units; 0 when ok
    mode: Mode

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _to_units(value: float, *, scale: int, what: str, round_down: bool = False) -> int:
    """A value in integer units (cents when scale=100); refuses hidden rounding of inputs."""
    if not np.isfinite(float(value)):
        raise ValueError(f"{what} must be finite, got {value}")
    exact = Decimal(str(value)) * scale
    if round_down:  # caps are maxima: flooring keeps everyone within them
        return floor(exact + Decimal("1e-9"))
    units = int(exact.to_integral_value())
    if abs(exact - units) > Decimal("1e-6"):
        raise ValueError(f"{what} {value} has more precision than 1/{scale}")
    return units


def _optional_units(values: pd.Series, *, scale: int, what: str,
                    round_down: bool = False) -> list[int | None]:
    return [None if pd.isna(v) else _to_units(v, scale=scale, what=what, round_down=round_down)
            for v in values]


def _integer_weights(weights: list[float]) -> list[int]:
    """Exact integer weights with the same proportions (floats are exact binary fractions)."""
    fractions = [Fraction(w) for w in weights]
    common = lcm(*(f.denominator for f in fractions)) if fractions else 1
    return [int(f * common) for f in fractions]


def _water_fill(remainder: int, *, weights: list[int],
                caps: list[int | None]) -> tuple[list[int], list[tuple[int, int]], int, int]:
    """Share ``remainder`` by weight under caps.

    Returns fixed values (capped children get their cap), the (numerator) shares of the still
    active children over the common denominator, that denominator, and the amount that could
    not be placed (0 when feasible).
    """
    fixed = [0] * len(weights)
    active = [i for i, w in enumerate(weights) if w > 0]
    left = remainder
    while True:
        total = sum(weights[i] for i in active)
        if left == 0 or total == 0:
            return fixed, [], 1, left
        over = [i for i in active if caps[i] is not None and left * weights[i] > caps[i] * total]
        if not over:
            return fixed, [(i, left * weights[i]) for i in active], total, 0
        for i in over:
            fixed[i] = caps[i]
            left -= caps[i]
        capped_now = set(over)
        active = [i for i in active if i not in capped_now]


def _largest_remainder(shares: list[tuple[int, int]], *, denominator: int,
                       codes: list[str]) -> dict[int, int]:
    """Round exact shares to integers summing exactly to their total."""
    floors = {i: num // denominator for i, num in shares}
    target = sum(num for _, num in shares) // denominator  # the shares sum to an integer
    missing = target - sum(floors.values())
    ranked = sorted(shares, key=lambda s: (-(s[1] % denominator), codes[s[0]]))
    for i, _ in ranked[:missing]:
        floors[i] += 1
    return floors


def _check_inputs(children: pd.DataFrame, *, child_column: str, weights: list[float]) -> None:
    if children[child_column].duplicated().any():
        raise ValueError("child codes must be unique")
    if any(not np.isfinite(w) or w < 0 for w in weights):
        raise ValueError("weights must be finite and ≥ 0")


def _infeasibility(*, remainder: int, free: list[int], weights: list[int],
                   caps: list[int | None], locked_over_cap: list[str]) -> str:
    if locked_over_cap:
        return f"locked value above capacity for {', '.join(locked_over_cap)}"
    if remainder < 0:
        return f"locked children exceed the parent by {-remainder} units"
    if remainder > 0 and not free:
        return "every child is locked but the parent is not fully allocated"
    if remainder > 0 and all(weights[i] == 0 for i in free):
        return "all weights are zero but there is a remainder to share"
    if all(caps[i] is not None for i in free) and sum(caps[i] for i in free) < remainder:
        short = remainder - sum(caps[i] for i in free)
        return f"capacity is short by {short} units"
    return ""


def allocate(parent_value: float, children: pd.DataFrame, *, child_column: str = "child",
             weight_column: str | None = None, locked_column: str | None = None,
             cap_column: str | None = None, mode: Mode = "integer",
             decimals: int = 2) -> AllocationResult:
    """Allocate ``parent_value`` to ``children`` (one row per child).

    ``weight_column`` None means an even split. ``locked_column``/``cap_column`` hold a value
    per child or NaN for none. ``mode="integer"`` gives whole targets; ``mode="decimal"``
    gives ``decimals`` places (money), computed in integer cents. The parent must be ≥ 0.
    """
    scale = 1 if mode == "integer" else 10**decimals
    parent = _to_units(parent_value, scale=scale, what="parent value")
    if parent < 0:
        raise ValueError("allocate a reduction target by its magnitude, then negate")
    n = len(children)
    codes = [str(c) for c in children[child_column]]
    raw_weights = ([1.0] * n if weight_column is None
                   else [float(w) for w in children[weight_column]])
    _check_inputs(children, child_column=child_column, weights=raw_weights)
    nan = pd.Series([np.nan] * n, index=children.index)
    locked_values = children[locked_column] if locked_column else nan
    cap_values = children[cap_column] if cap_column else nan
    locked = _optional_units(locked_values, scale=scale, what="locked value")
    caps = _optional_units(cap_values, scale=scale, what="cap", round_down=True)
    if any(c is not None and c < 0 for c in caps):
        raise ValueError("caps must be ≥ 0")
    free = [i for i in range(n) if locked[i] is None]
    remainder = parent - sum(v for v in locked if v is not None)
    weights = _integer_weights(raw_weights)
    free_set = set(free)
    free_weights = [weights[i] if i in free_set else 0 for i in range(n)]
    over_cap = [codes[i] for i in range(n)
                if locked[i] is not None and caps[i] is not None and locked[i] > caps[i]]
    values = [v if v is not None else 0 for v in locked]
    unplaced = remainder
    if remainder > 0:
        fixed, shares, denominator, unplaced = _water_fill(remainder, weights=free_weights,
                                                           caps=caps)
        rounded = _largest_remainder(shares, denominator=denominator, codes=codes)
        for i in free:
            values[i] = fixed[i] + rounded.get(i, 0)
    message = _infeasibility(remainder=remainder, free=free, weights=weights, caps=caps,
                             locked_over_cap=over_cap)
    if unplaced and not message:
        message = (f"{unplaced} units of overflow cannot be placed: children with spare "
                   "capacity have zero weight")
    frame = pd.DataFrame({
        "child": children[child_column].to_numpy(),
        "weight": raw_weights,
        "locked": locked_values.to_numpy(dtype=float),
        "cap": cap_values.to_numpy(dtype=float),
        "value": [v / scale if mode == "decimal" else v for v in values],
        "value_units": np.array(values, dtype=np.int64),
        "capped": [caps[i] is not None and values[i] >= caps[i] and locked[i] is None
                   for i in range(n)],
    })
    return AllocationResult(frame=frame, status="infeasible" if message else "ok",
                            message=message or "allocated exactly",
                            unallocated=(parent - sum(values)) / scale, mode=mode)
