"""Targets delivered by head office: `targets_<period>.xlsx` for the quarter and one month.

Province targets are sized from headcount (what a province of that size should deliver at
the bank's planning norms, plus a 10% stretch), for both departments, per kpi x kind x
segment. Head office rows (unit_code HO) carry the bank-level targets. Two governance
problems are planted on purpose and described in the manifest:
- a reconciliation gap: one province's online new_contact_cnt targets were cut by 10% after
  head office fixed its own figure, so the provinces no longer sum to HO;
- an overlap: retail also targets mass_affluent x incremental, a cell online owns.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .org import Org
from .roster import Staff
from .timeline import CM, KINDS, SEGMENTS, WM

TARGET_HEADER = ("period", "unit_code", "department", "kpi", "kind", "segment", "value")
KPIS = ("new_contact_cnt", "account_cnt", "funded_cnt", "card_cnt", "deposit_amount", "wealth_amount")
OWNER = {  # (segment, kind) -> department that owns the cell
    ("long_tail", "incremental"): "online", ("long_tail", "stock"): "online",
    ("mass_affluent", "incremental"): "online", ("mass_affluent", "stock"): "retail",
    ("wealth", "incremental"): "retail", ("wealth", "stock"): "retail",
    ("private", "incremental"): "retail", ("private", "stock"): "retail",
}
OVERLAP = ("mass_affluent", "incremental", "retail", 0.6)  # retail targets online's cell too
GAP_KPI, GAP_DEPARTMENT, GAP_FACTOR = "new_contact_cnt", "online", 0.9
# Planning norms per effective manager and month.
CONTACTS_PER_MONTH = 75.0
KIND_SHARE = {"incremental": 0.42, "stock": 0.58}
SEGMENT_SHARE = np.array([0.68, 0.24, 0.07, 0.01])
CARDS_PER_MONTH = 8.0
DEPOSIT_EACH = np.array([25e3, 100e3, 700e3, 3.5e6])
WEALTH_PER_MONTH = np.array([2e3, 40e3, 120e3, 150e3])  # CNY per manager per month, by segment
STRETCH = 1.1


def periods(end: date) -> tuple[str, str, int]:
    """(quarter label, last full month label, months in quarter)."""
    quarter = f"{end.year}Q{(end.month - 1) // 3 + 1}"
    last = end if (end + timedelta(days=1)).day == 1 else end.replace(day=1) - timedelta(days=1)
    return quarter, f"{last.year}-{last.month:02d}", 3


def _cell_value(kpi: str, kind: str, s: int, managers: float) -> float:
    contacts = managers * CONTACTS_PER_MONTH * KIND_SHARE[kind] * SEGMENT_SHARE[s]
    if kpi == "new_contact_cnt":
        return contacts
    if kpi in ("account_cnt", "funded_cnt", "deposit_amount"):
        if kind != "incremental":
            return 0.0
        funded = contacts * 0.3
        return {"account_cnt": contacts * 0.5, "funded_cnt": funded, "deposit_amount": funded * DEPOSIT_EACH[s]}[kpi]
    if kpi == "card_cnt":
        return managers * CARDS_PER_MONTH * KIND_SHARE[kind] * SEGMENT_SHARE[s]
    return managers * WEALTH_PER_MONTH[s] * (0.75 if kind == "stock" else 0.25)


def _round(kpi: str, value: float) -> int:
    if kpi.endswith("_amount"):
        return int(round(value / 10_000)) * 10_000
    return int(round(value))


def target_rows(org: Org, staff: Staff, label: str, months: int, gap_province: int) -> tuple[list[tuple], dict]:
    """Rows for one target file, and the planted gap (for the manifest)."""
    managers = np.bincount(staff.province, weights=(staff.role == CM) + 0.5 * (staff.role == WM),
                           minlength=len(org.provinces))
    province_rows: list[tuple] = []
    head: dict[tuple, int] = {}
    gap = 0
    for p, prov in enumerate(org.provinces):
        for dept in ("online", "retail"):
            for kpi in KPIS:
                for kind in KINDS:
                    for s, segment in enumerate(SEGMENTS):
                        share = _share(dept, segment, kind)
                        raw = _cell_value(kpi, kind, s, managers[p]) * months * STRETCH * share
                        intended = _round(kpi, raw)
                        if share == 0 or intended <= 0:
                            continue
                        cell = (dept, kpi, kind, segment)
                        head[cell] = head.get(cell, 0) + intended
                        value = intended
                        if p == gap_province and dept == GAP_DEPARTMENT and kpi == GAP_KPI:
                            value = _round(kpi, intended * GAP_FACTOR)
                            gap += intended - value
                        province_rows.append((label, prov.code, *cell, value))
    rows = [(label, "HO", *cell, value) for cell, value in head.items()] + province_rows
    info = {"unit_code": org.provinces[gap_province].code, "department": GAP_DEPARTMENT, "kpi": GAP_KPI,
            "factor": GAP_FACTOR, "head_office_minus_provinces": gap}
    return rows, info


def _share(dept: str, segment: str, kind: str) -> float:
    if OWNER[(segment, kind)] == dept:
        return 1.0
    if (segment, kind, dept) == OVERLAP[:3]:
        return OVERLAP[3]
    return 0.0


def ownership() -> dict:
    """The ownership matrix and the planted overlap, for the manifest."""
    owned: dict[str, list[list[str]]] = {"online": [], "retail": []}
    for (segment, kind), dept in OWNER.items():
        owned[dept].append([segment, kind])
    return {"owner": owned, "overlap": {"segment": OVERLAP[0], "kind": OVERLAP[1],
                                        "departments": ["online", "retail"]}}


# The rollout plan: the contact-enabled rate head office expects each province to reach by
# each month end, from its wave's go-live day along the S-curve healthy provinces follow.
PLAN_CEILING = 0.85


def plan_rows(org: Org, rollout, period) -> list[tuple]:  # noqa: ANN001 - Rollout, Period
    """`targets_rollout-plan.xlsx` rows: month × province, kpi contact_enabled_rate."""
    healthy = ~rollout.lagging
    mid, spread = float(np.median(rollout.mid[healthy])), float(np.median(rollout.spread[healthy]))
    rows = []
    day = date.fromordinal(period.programme_start)
    while day.toordinal() <= period.end:
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        label = f"{month_end.year}-{month_end.month:02d}"
        for p, prov in enumerate(org.provinces):
            since = month_end.toordinal() - int(rollout.wave_day[p])
            rate = PLAN_CEILING / (1.0 + np.exp(-(since - mid) / spread)) if since >= 0 else 0.0
            rows.append((label, prov.code, "online", "contact_enabled_rate", "all", "all", round(float(rate), 2)))
        day = month_end + timedelta(days=1)
    return rows
