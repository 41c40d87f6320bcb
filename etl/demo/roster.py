"""Staff of the demo bank and their history: hires, WeCom activation, permissions, moves.

The whole life of every staff member inside the period is planned up front as a handful of
event days (activation, contact permission, transfer, disable, leaving). The daily
simulation reads the state on a day from these arrays, and the roster file is the same
events written as SCD type 2 versions, so the two can never disagree.

Rollout: provinces go live in waves; after its wave a province activates its staff along a
logistic S-curve (delays drawn from a logistic distribution), and grants the customer-contact
permission along a second, later S-curve. Lagging provinces have a slower curve and a lower
ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .names import GIVEN_CHARS, ROLE_TITLES, SURNAMES
from .org import Org
from .timeline import (CM, HEAD, IDLE, NEVER, ORG_SINCE, OVERLOADED, TELLER, Period, iso,
                       largest_remainder, later_days, logit_draw)

ROSTER_HEADER = ("staff_id,name,outlet_code,role,wecom_status,contact_enabled,managed_customers,"
                 "valid_from,valid_to")
ROLE_NAMES = ("customer_manager", "wealth_manager", "teller", "outlet_head", "back_office")
ROLE_MIX = np.array([0.56, 0.13, 0.26, 0.0, 0.05])  # outlet heads are placed separately


@dataclass
class Rollout:
    """Per province: wave number, go-live day, and the shape of its S-curves."""

    wave: np.ndarray
    wave_day: np.ndarray
    lagging: np.ndarray
    mid: np.ndarray  # days from go-live to half the staff activated
    spread: np.ndarray
    ceiling: np.ndarray  # share of staff that ever activates


@dataclass
class Staff:
    """Parallel arrays over all staff, sorted by staff_id."""

    staff_id: np.ndarray
    name: np.ndarray
    role: np.ndarray
    outlet0: np.ndarray
    outlet1: np.ndarray  # outlet after the transfer (== outlet0 when none)
    xfer_day: np.ndarray
    hire_day: np.ndarray
    act_day: np.ndarray
    enable_day: np.ndarray
    disable_day: np.ndarray
    leave_day: np.ndarray
    managed: np.ndarray
    persona: np.ndarray
    province: np.ndarray

    def __len__(self) -> int:
        return len(self.staff_id)

    def outlet_on(self, day: int) -> np.ndarray:
        return np.where(day >= self.xfer_day, self.outlet1, self.outlet0)

    def status_on(self, day: int) -> np.ndarray:
        """WeCom status codes on `day`: 1 active, 2 disabled, 4 not activated, 5 left."""
        status = np.where(day >= self.act_day, 1, 4)
        status = np.where(day >= self.disable_day, 2, status)
        return np.where(day >= self.leave_day, 5, status)


def plan_rollout(n_provinces: int, period: Period, rng: np.random.Generator) -> Rollout:
    """3-4 waves over the first half of the programme; one or two provinces lag badly."""
    n_waves = min(4, n_provinces)
    wave = np.empty(n_provinces, dtype=np.int64)
    wave[rng.permutation(n_provinces)] = np.arange(n_provinces) * n_waves // n_provinces
    length = period.programme_days
    wave_day = period.programme_start + np.round(wave * length / (2 * n_waves)).astype(np.int64)
    lagging = np.zeros(n_provinces, dtype=bool)
    late = np.flatnonzero(wave >= 1)
    lagging[rng.choice(late, 1 if n_provinces <= 8 else 2, replace=False)] = True
    mid = np.where(lagging, 0.30, 0.12) * length
    spread = np.where(lagging, 0.08, 0.045) * length
    ceiling = np.where(lagging, 0.65, 0.97)
    return Rollout(wave, wave_day, lagging, mid, spread, ceiling)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = 1.0 / (np.arange(len(SURNAMES)) + 3.0)
    surname = np.array(list(SURNAMES))[rng.choice(len(SURNAMES), n, p=weights / weights.sum())]
    chars = np.array(list(GIVEN_CHARS))
    first = chars[rng.integers(0, len(chars), n)]
    second = np.where(rng.random(n) < 0.7, chars[rng.integers(0, len(chars), n)], "")
    return np.char.add(np.char.add(surname, first), second)


def build_staff(org: Org, rollout: Rollout, period: Period, total: int,
                rng: np.random.Generator) -> Staff:
    """Everyone on the payroll at the start, plus hires during the period."""
    sizes = largest_remainder(total, rng.lognormal(0, 0.35, org.n_outlets), minimum=4)
    outlet = np.repeat(np.arange(org.n_outlets), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seq = np.arange(total) - np.repeat(starts, sizes) + 1
    role = rng.choice(5, total, p=ROLE_MIX)
    role[starts + rng.integers(0, sizes)] = HEAD
    hire = rng.integers(ORG_SINCE, period.programme_start - 30, total)

    n_hires = max(2, round(total * 0.012 * period.days / 120))
    open_outlets = np.setdiff1d(np.arange(org.n_outlets), [org.merged])
    h_outlet = np.sort(rng.choice(open_outlets, n_hires))
    h_rank = np.arange(n_hires) - np.searchsorted(h_outlet, h_outlet)
    outlet = np.concatenate([outlet, h_outlet])
    seq = np.concatenate([seq, sizes[h_outlet] + h_rank + 1])
    role = np.concatenate([role, np.where(rng.random(n_hires) < 0.8, CM, TELLER)])
    hire = np.concatenate([hire, later_days(period, rng, n_hires)])

    codes = np.array(org.outlet_code)[outlet]
    staff_id = np.char.add(codes, np.char.zfill(seq.astype(str), 3))
    order = np.argsort(staff_id, kind="stable")
    n = len(staff_id)
    staff = Staff(staff_id[order], _names(rng, n), role[order], outlet[order], outlet[order].copy(),
                  np.full(n, NEVER), hire[order], *(np.full(n, NEVER) for _ in range(4)),
                  np.zeros(n, np.int64), np.zeros(n, np.int64), org.outlet_province[outlet[order]])
    _plan_people(staff, rng)
    _plan_adoption(staff, rollout, period, rng)
    _plan_moves(staff, org, period, rng)
    return staff


def _plan_people(staff: Staff, rng: np.random.Generator) -> None:
    """Persona (5% overloaded, 10% idle, persistent) and book size by role."""
    n = len(staff)
    u = rng.random(n)
    staff.persona[:] = np.where(u < 0.05, OVERLOADED, np.where(u < 0.15, IDLE, 0))
    median = np.array([450.0, 180.0, 0.0, 150.0, 0.0])[staff.role]
    book = median * rng.lognormal(0, 0.45, n) * np.where(staff.persona == OVERLOADED, 1.5, 1.0)
    staff.managed[:] = np.where(median > 0, np.clip(np.round(book), 60, 3000), 0).astype(np.int64)


def _plan_adoption(staff: Staff, rollout: Rollout, period: Period, rng: np.random.Generator) -> None:
    """Activation and contact-permission days along each province's S-curves."""
    n, p = len(staff), staff.province
    leader = np.where(staff.role == HEAD, 0.5, 1.0)  # outlet heads go first
    delay = np.maximum(0, np.round(leader * (rollout.mid[p] + rollout.spread[p] * logit_draw(rng, n))))
    act = rollout.wave_day[p] + delay.astype(np.int64)
    act = np.maximum(act, staff.hire_day + rng.integers(2, 12, n))
    joins = rng.random(n) < rollout.ceiling[p]
    staff.act_day[:] = np.where(joins & (act <= period.end), act, NEVER)

    eligible = np.array([0.95, 0.95, 0.25, 0.98, 0.05])[staff.role]
    eligible = eligible * np.where(rollout.lagging[p], 0.8, 1.0)
    length = period.programme_days
    wait = np.maximum(0, np.round(0.04 * length + 0.015 * length * logit_draw(rng, n))).astype(np.int64)
    enable = staff.act_day + wait
    granted = (rng.random(n) < eligible) & (staff.act_day < NEVER) & (enable <= period.end)
    staff.enable_day[:] = np.where(granted, enable, NEVER)

    veteran = staff.hire_day < period.start
    leave = later_days(period, rng, n)
    leaves = veteran & (rng.random(n) < 0.015 * max(period.days, 30) / 120)
    staff.leave_day[:] = np.where(leaves, leave, NEVER)
    disable = later_days(period, rng, n)
    disables = (rng.random(n) < 0.003) & (disable > staff.act_day) & (disable < staff.leave_day)
    staff.disable_day[:] = np.where(disables, disable, NEVER)


def _plan_moves(staff: Staff, org: Org, period: Period, rng: np.random.Generator) -> None:
    """The merged outlet's staff move to the survivor; a handful of others move in-province."""
    day = org.merge_day
    merged = (staff.outlet0 == org.merged) & (staff.hire_day < day) & (staff.leave_day > day)
    staff.outlet1[merged] = org.survivor
    staff.xfer_day[merged] = day
    free = ((staff.outlet0 != org.merged) & (staff.hire_day < period.start)
            & (staff.leave_day == NEVER) & (staff.role != HEAD))
    movers = np.sort(rng.choice(np.flatnonzero(free), max(4, round(len(staff) * 0.002)), replace=False))
    for i in movers:
        options = np.flatnonzero((org.outlet_province == staff.province[i])
                                 & (np.arange(org.n_outlets) != staff.outlet0[i])
                                 & (np.arange(org.n_outlets) != org.merged))
        staff.outlet1[i] = int(rng.choice(options))
        staff.xfer_day[i] = int(later_days(period, rng))


def transfers(staff: Staff, org: Org) -> list[dict]:
    """The transfers other than the merge, for the manifest."""
    moved = np.flatnonzero((staff.xfer_day < NEVER) & (staff.outlet0 != org.merged))
    return [{"staff_id": str(staff.staff_id[i]), "from": org.outlet_code[staff.outlet0[i]],
             "to": org.outlet_code[staff.outlet1[i]], "day": iso(int(staff.xfer_day[i]))} for i in moved]


def roster_lines(staff: Staff, org: Org) -> list[str]:
    """One CSV line per version of every staff member, by staff_id then valid_from."""
    codes = org.outlet_code
    lines: list[str] = []
    cols = zip(staff.staff_id.tolist(), staff.name.tolist(), staff.role.tolist(), staff.managed.tolist(),
               staff.outlet0.tolist(), staff.outlet1.tolist(), staff.xfer_day.tolist(),
               staff.hire_day.tolist(), staff.act_day.tolist(), staff.enable_day.tolist(),
               staff.disable_day.tolist(), staff.leave_day.tolist())
    for sid, name, role, book, o0, o1, xfer, hire, act, enable, disable, leave in cols:
        changes = sorted({d for d in (hire, act, enable, xfer, disable, leave) if d < NEVER})
        states: list[tuple[int, str]] = []
        for day in changes:
            status = 5 if day >= leave else 2 if day >= disable else 1 if day >= act else 4
            enabled = int(day >= enable and day < leave)
            state = f"{codes[o1 if day >= xfer else o0]},{ROLE_NAMES[role]},{status},{enabled},{book}"
            if not states or states[-1][1] != state:
                states.append((day, state))
        for k, (day, state) in enumerate(states):
            until = iso(states[k + 1][0]) if k + 1 < len(states) else ""
            lines.append(f"{sid},{name},{state},{iso(day)},{until}")
    return lines


def directory_users(staff: Staff, org: Org, end: int) -> dict[int, list[dict]]:
    """`user/list` entries per outlet department id at the end of the period."""
    present = (staff.hire_day <= end) & (staff.leave_day > end)
    outlet, status = staff.outlet_on(end), staff.status_on(end)
    users: dict[int, list[dict]] = {}
    for i in np.flatnonzero(present):
        dept = int(org.outlet_dept[outlet[i]])
        users.setdefault(dept, []).append({
            "userid": str(staff.staff_id[i]), "name": str(staff.name[i]), "department": [dept],
            "main_department": dept, "is_leader_in_dept": [int(staff.role[i] == HEAD)],
            "position": ROLE_TITLES[ROLE_NAMES[staff.role[i]]], "status": int(status[i])})
    return users
