"""Conversions credited to one department: the rows of `conversions_YYYYMMDD.csv`.

Every sale is first drawn as a unit (one card, one account, one purchase), then credited to
exactly one department, then units are summed per day x staff x department x kind x segment
x product. Rates are set so the funnel lands near the public case studies:
- accounts: half of the incremental contacts added open an account (opening rate 0.5);
- funding: 60% of those fund it with at least 10,000 CNY (funding rate 0.3 of contacts);
- cards: 20% of group joiners apply for a card (card rate 0.2 of new_member_cnt);
- wealth products: bought by live contacts, far more often in the richer segments.
Both departments run campaigns at the same outlets: online wins most long-tail and
incremental sales, retail most wealth, private and stock sales, mass-affluent is contested.
"""

from __future__ import annotations

import numpy as np

from .activity import SEGMENT_MIX, Activity, Day
from .contacts import Batch
from .timeline import (ACCOUNT, CARD, DEPARTMENTS, DEPOSIT, INCR, KINDS, PRODUCTS, SEGMENTS, STOCK,
                       WEALTH, activity_factor, iso)

CONVERSIONS_HEADER = "day,staff_id,department,kind,segment,product,count,amount"
OPENING_RATE, FUNDED_GIVEN_OPEN, CARD_RATE = 0.5, 0.6, 0.2
WEALTH_RATE = np.array([0.00015, 0.0012, 0.004, 0.008])  # purchases per live contact per day
# Amounts in CNY: median, log-sd, floor, cap per segment.
DEPOSIT_AMOUNT = np.array([[20e3, 0.5, 10e3, 49_999], [80e3, 0.7, 10e3, 499_999],
                           [600e3, 0.6, 50e3, 5_999_999], [3e6, 0.6, 500e3, 30e6]])
WEALTH_AMOUNT = np.array([[10e3, 0.6, 1e3, 49_999], [100e3, 0.6, 10e3, 500e3],
                          [500e3, 0.6, 50e3, 6e6], [3e6, 0.6, 300e3, 50e6]])
ONLINE_BY_SEGMENT = np.array([0.85, 0.5, 0.15, 0.05])
ONLINE_BY_KIND = np.array([0.08, -0.08])
ONLINE_BY_PRODUCT = np.array([0.10, 0.05, 0.0, -0.25])


class Units:
    """Sale units as parallel arrays, appended product by product."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, staff: np.ndarray, kind: np.ndarray, segment: np.ndarray, product: int,
            cents: np.ndarray | None = None) -> None:
        n = len(staff)
        self.parts.append((staff, kind, segment, np.full(n, product),
                           cents if cents is not None else np.zeros(n, np.int64)))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate([p[i] for p in self.parts]).astype(np.int64) for i in range(5))


def _amounts(rng: np.random.Generator, table: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Amounts in integer cents, lognormal per segment within the segment's floor and cap."""
    median, sigma, low, high = (table[segment, i] for i in range(4))
    yuan = np.clip(median * rng.lognormal(0, sigma), low, high)
    return np.round(yuan * 100).astype(np.int64)


def sell(today: Day, added: Batch, activity: Activity, rng: np.random.Generator) -> Units:
    """Today's sale units from today's contacts, group joiners and live books."""
    units = Units()
    incr = added.take(added.kind == INCR)
    opened = incr.take(rng.random(len(incr)) < OPENING_RATE)
    units.add(opened.staff, opened.kind, opened.segment, ACCOUNT)
    funded = opened.take(rng.random(len(opened)) < FUNDED_GIVEN_OPEN)
    units.add(funded.staff, funded.kind, funded.segment, DEPOSIT, _amounts(rng, DEPOSIT_AMOUNT, funded.segment))

    staff = activity.staff
    cards = rng.binomial(today.groups[:, 3], CARD_RATE) if len(today.groups) else np.zeros(0, np.int64)
    holders = np.repeat(today.owners, cards)
    units.add(holders, np.where(rng.random(len(holders)) < activity.traits.incr_share[holders], INCR, STOCK),
              _segments(rng, staff.role[holders]), CARD)

    buyers = today.active
    mix = SEGMENT_MIX[staff.role[buyers]] * activity.live[buyers, None]
    bought = rng.poisson(mix * WEALTH_RATE * activity_factor(today.day))
    who = np.repeat(np.repeat(buyers, 4), bought.ravel())
    segment = np.repeat(np.tile(np.arange(4), len(buyers)), bought.ravel())
    kind = np.where(rng.random(len(who)) < 0.75, STOCK, INCR)
    units.add(who, kind, segment, WEALTH, _amounts(rng, WEALTH_AMOUNT, segment))
    return units


def _segments(rng: np.random.Generator, roles: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(SEGMENT_MIX, axis=1)[roles]
    return np.minimum((rng.random(len(roles))[:, None] > cdf).sum(axis=1), 3)


def credit(units: Units, rng: np.random.Generator) -> np.ndarray:
    """Credit each unit to one department and sum: rows (staff, dept, kind, seg, product, n, cents)."""
    staff, kind, segment, product, cents = units.arrays()
    p_online = np.clip(ONLINE_BY_SEGMENT[segment] + ONLINE_BY_KIND[kind] + ONLINE_BY_PRODUCT[product],
                       0.02, 0.98)
    dept = (rng.random(len(staff)) >= p_online).astype(np.int64)  # 0 online, 1 retail
    key = (((staff * 2 + dept) * 2 + kind) * 4 + segment) * 4 + product
    cells, inverse = np.unique(key, return_inverse=True)
    count = np.bincount(inverse, minlength=len(cells))
    total = np.zeros(len(cells), np.int64)
    np.add.at(total, inverse, cents)
    return np.stack([cells // 64, cells // 32 % 2, cells // 16 % 2, cells // 4 % 4, cells % 4, count, total],
                    axis=1)


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def conversion_lines(day: int, rows: np.ndarray, staff_ids: list[str]) -> list[str]:
    when = iso(day)
    return [f"{when},{staff_ids[s]},{DEPARTMENTS[d]},{KINDS[k]},{SEGMENTS[g]},{PRODUCTS[p]},{n},{money(c)}"
            for s, d, k, g, p, n, c in rows.tolist()]
