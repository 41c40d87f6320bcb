"""Weighted, capped KPI scores per unit, peer groups of similar size, ranks (DESIGN §4).

score per kpi = clip(completion, floor, cap) × weight. The cap stops one runaway KPI from
buying a whole scorecard; the floor (0 by default) stops a negative completion (a reduction
gone the wrong way) from eating the credit earned on other KPIs. A KPI without a target
(completion NaN) scores nothing and its weight is left out of ``weight_used``, so a unit is not
punished for a target it was never given; compare units by ``normalized_score``
(Σscore / Σweight used) when their target sets differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

RankMethod = Literal["min", "dense"]


def kpi_scores(attainment: pd.DataFrame, *, weights: Mapping[str, float], cap: float = 1.2,
               floor: float = 0.0, unit_column: str = "unit_code",
               completion_column: str = "completion") -> pd.DataFrame:
    """One row per unit × kpi with capped completion, weight and score.

    KPIs without a weight are dropped (they are not on this scorecard).
    """
    if any(w < 0 for w in weights.values()):
        raise ValueError("scorecard weights must be ≥ 0")
    rows = attainment.loc[attainment["kpi"].isin(list(weights)),
                          [unit_column, "kpi", completion_column]]
    if rows.duplicated([unit_column, "kpi"]).any():
        raise ValueError("one completion per unit and kpi expected (aggregate segments first)")
    completion = rows[completion_column].astype(float)
    capped = completion.clip(lower=floor, upper=cap)
    weight = rows["kpi"].map(dict(weights)).astype(float)
    return rows.assign(capped_completion=capped, weight=weight,
                       score=capped * weight).reset_index(drop=True)


def unit_scores(scores: pd.DataFrame, *, unit_column: str = "unit_code") -> pd.DataFrame:
    """Per unit: total_score, weight_used (KPIs with a completion) and normalized_score."""
    scored = scores.assign(weight_used=scores["weight"].where(scores["score"].notna(), 0.0))
    totals = scored.groupby(unit_column, as_index=False, sort=True).agg(
        total_score=("score", lambda s: s.sum(min_count=1)), weight_used=("weight_used", "sum"))
    totals["normalized_score"] = totals["total_score"] / totals["weight_used"].where(
        totals["weight_used"] > 0)
    return totals


def peer_groups(units: pd.DataFrame, *, size_column: str, n_groups: int = 4) -> pd.DataFrame:
    """Add ``peer_group`` 1..n_groups (1 = smallest) by quantiles of ``size_column``.

    Units are ordered by size; a unit's group is set by its 0-based position among the N sized
    units (⌊position × n / N⌋ + 1). Tied sizes share their average position, so equal sizes
    always land in the same group and a block of ties falls where its middle is (groups may
    then be a little uneven). Missing sizes get no group.
    """
    if n_groups < 1:
        raise ValueError("n_groups must be ≥ 1")
    size = units[size_column].astype(float)
    known = size.notna()
    position = size[known].rank(method="average") - 1  # ties share their mean position
    group = np.floor(position * n_groups / max(int(known.sum()), 1)).astype(int) + 1
    return units.assign(peer_group=group.reindex(units.index).astype("Int64"))


def rank_within_groups(frame: pd.DataFrame, *, score_column: str = "total_score",
                       group_column: str = "peer_group", unit_column: str = "unit_code",
                       method: RankMethod = "min") -> pd.DataFrame:
    """Rank 1 = best score within each group; rows sorted by group, rank, unit code.

    ``min`` gives competition ranks (1, 2, 2, 4): tied units share the better rank and the next
    rank is skipped, so a rank still says how many units did better. ``dense`` gives 1, 2, 2, 3.
    Ties are then listed by unit code so the order is deterministic. NaN scores are unranked.
    """
    ranks = frame.groupby(group_column, dropna=False)[score_column].rank(
        method=method, ascending=False)
    ranked = frame.assign(rank=ranks.astype("Int64"),
                          group_size=frame.groupby(group_column, dropna=False)[unit_column]
                          .transform("size"))
    return ranked.sort_values([group_column, "rank", unit_column],
                              na_position="last").reset_index(drop=True)
