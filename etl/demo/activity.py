"""One day of WeCom activity for the whole bank, vectorised over staff.

Each staff member has persistent traits (an overloaded 5% and an idle 10% stay so for the
whole period). After the contact permission is granted a manager's daily new contacts ramp
up along a logistic curve from about 30% to 100% of their personal rate: a typical manager
settles at 3-4 a working day (50-100 a month), good ones at 10-20, the overloaded at 20+.

Group chats are state (chat_total, member_total) carried from day to day: the snapshot fields
of the groupchat API are this state, the flow fields are the day's changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .roster import Rollout, Staff
from .timeline import IDLE, OVERLOADED, Period, activity_factor, is_workday, logistic

CONTACT_CAP = 20_000  # WeCom caps the customer contacts of one member
GROUP_CAP = 500  # members per customer group
MAX_GROUPS = 60
SEGMENT_MIX = np.array([  # long_tail, mass_affluent, wealth, private, by role
    [0.72, 0.22, 0.05, 0.01], [0.25, 0.45, 0.25, 0.05], [0.85, 0.13, 0.02, 0.0],
    [0.50, 0.30, 0.15, 0.05], [0.80, 0.17, 0.03, 0.0]])


@dataclass
class Traits:
    add_rate: np.ndarray  # new contacts per full working day once the ramp is over
    incr_share: np.ndarray  # share of new contacts that are new to the bank
    chat_coef: np.ndarray  # daily chats per live contact
    msg_mult: np.ndarray  # extra messages per chat
    reply_q: np.ndarray  # usual reply percentage
    reply_min: np.ndarray  # usual reply time in minutes
    completion: np.ndarray  # task completion rate
    group_rate: np.ndarray  # new groups per day
    join_rate: np.ndarray  # joiners per group per day
    group_activity: np.ndarray  # share of groups with messages on a day
    risk: np.ndarray  # compliance interceptions multiplier
    intensity: np.ndarray  # 0.7 in lagging provinces


def draw_traits(staff: Staff, rollout: Rollout, rng: np.random.Generator) -> Traits:
    n, role, persona = len(staff), staff.role, staff.persona
    over, idle = persona == OVERLOADED, persona == IDLE
    base = np.array([3.2, 1.6, 0.4, 0.8, 0.1])[role] * rng.lognormal(0, 0.6, n)
    add_rate = np.where(over, np.maximum(base * 6, 18.0), np.where(idle, 0.03, base))
    alpha = np.array([4.5, 2.0, 3.0, 3.0, 3.0])[role]
    beta = np.array([5.5, 6.0, 5.0, 5.0, 5.0])[role]
    return Traits(
        add_rate=np.minimum(add_rate, 60.0),
        incr_share=rng.beta(alpha, beta),
        chat_coef=np.where(over, 0.03, np.where(idle, 0.0005, rng.lognormal(np.log(0.008), 0.5, n))),
        msg_mult=rng.lognormal(np.log(2.2), 0.3, n) * np.where(over, 2.0, 1.0),
        reply_q=np.where(over, 60.0, np.where(idle, 40.0, np.clip(rng.normal(76, 10, n), 20, 99))),
        reply_min=rng.lognormal(np.log(6), 0.5, n) * np.where(over, 2.5, 1.0),
        completion=np.where(over, 0.9, np.where(idle, 0.2, rng.beta(8, 3, n))),
        group_rate=np.where(over, 0.1, np.where(idle, 0.001, np.where(role == 2, 0.2, 1.0)
                                                   * rng.lognormal(np.log(0.03), 0.6, n))),
        join_rate=np.where(over, 20.0, rng.lognormal(np.log(0.8), 0.5, n)),
        group_activity=np.where(over, 0.85, rng.beta(4, 4, n)),
        risk=rng.lognormal(0, 0.8, n),
        intensity=np.where(rollout.lagging[staff.province], 0.7, 1.0),
    )


@dataclass
class Day:
    """Everything that happened on one day. Behaviour arrays are over `active` (sorted)."""

    day: int
    active: np.ndarray  # staff with wecom_status 1
    new_contact: np.ndarray
    new_apply: np.ndarray
    chat: np.ndarray
    message: np.ndarray
    reply_pct: np.ndarray  # hundredths of a percent; -1 when absent (no chats)
    reply_whole: np.ndarray  # reported as a whole number (47) rather than 60.25
    reply_min: np.ndarray
    negative: np.ndarray
    owners: np.ndarray  # staff with groups, and their group statistics (7 columns)
    groups: np.ndarray
    tasks: np.ndarray  # rows (staff, assigned, done)
    intercepted: np.ndarray  # rows (staff, count)


class Activity:
    """Carries the day-to-day state: live contacts and group chats per staff member."""

    def __init__(self, staff: Staff, traits: Traits, period: Period, rng: np.random.Generator) -> None:
        self.staff, self.traits, self.rng = staff, traits, rng
        n = len(staff)
        self.live = np.zeros(n)  # live contacts, including those added before the period
        self.chat_total = np.zeros(n, np.int64)
        self.member_total = np.zeros(n, np.int64)
        before = np.clip(period.start - staff.enable_day, 0, None)  # days enabled before start
        self.live += np.round(traits.add_rate * traits.intensity * 0.6 * before)
        self.chat_total += np.minimum(rng.poisson(traits.group_rate * 0.8 * before), MAX_GROUPS)
        fill = traits.join_rate * 0.7 * np.minimum(before, 60) + rng.poisson(8, n)
        self.member_total += np.minimum(np.round(self.chat_total * fill), 0.9 * GROUP_CAP * self.chat_total
                                        ).astype(np.int64)

    def ramp(self, day: int) -> np.ndarray:
        """How far each staff member's habit has grown since the permission (0.3 -> 1)."""
        since = day - self.staff.enable_day
        return np.where(since >= 0, 0.3 + 0.7 * logistic((since - 14) / 5.0), 0.0)

    def simulate(self, day: int) -> Day:
        """Advance the state by one day and return everything that happened on it."""
        staff = self.staff
        factor = activity_factor(day)
        present = (staff.hire_day <= day) & (day < staff.leave_day)
        active = np.flatnonzero((staff.status_on(day) == 1) & present)
        enabled = active[staff.enable_day[active] <= day]
        ramp = self.ramp(day)[enabled]
        owners, groups = self._groups(enabled, ramp, factor)
        # Activated staff without the contact permission report a day of zeros.
        cols = np.zeros((len(active), 8), np.int64)
        cols[:, 4] = -1
        cols[np.searchsorted(active, enabled)] = self._behaviour(enabled, ramp, factor)
        new, apply_, chat, message, reply, whole, minutes, negative = cols.T
        return Day(day, active, new, apply_, chat, message, reply, whole.astype(bool), minutes, negative,
                   owners, groups, self._tasks(day, active), self._interceptions(active, message))

    def _behaviour(self, enabled: np.ndarray, ramp: np.ndarray, factor: float) -> np.ndarray:
        """Columns new, apply, chat, message, reply (hundredths|-1), whole, minutes|-1, negative."""
        t, rng, n = self.traits, self.rng, len(enabled)
        live = self.live[enabled]
        lam = t.add_rate[enabled] * t.intensity[enabled] * ramp * factor
        new = np.minimum(rng.poisson(lam), np.maximum(CONTACT_CAP - live, 0)).astype(np.int64)
        apply_ = new + rng.poisson(0.15 * lam + 0.05)
        chat = rng.poisson(0.55 * new + t.chat_coef[enabled] * live * factor)
        message = chat + rng.poisson(chat * t.msg_mult[enabled])
        quality = np.clip(t.reply_q[enabled] + rng.normal(0, 8, n), 1, 100)
        whole = rng.random(n) < 0.5  # half the days the API rounds to a whole percent
        hundredths = np.where(whole, np.round(quality) * 100, np.round(quality * 100))
        minutes = np.maximum(1, np.round(t.reply_min[enabled] * rng.lognormal(0, 0.35, n)))
        negative = rng.poisson(message * 0.002)
        self.live[enabled] += new
        chatted = chat > 0  # no chats: WeCom leaves both reply fields out
        return np.stack([new, apply_, chat, message, np.where(chatted, hundredths, -1), whole,
                         np.where(chatted, minutes, -1), negative], axis=1).astype(np.int64)

    def _groups(self, enabled: np.ndarray, ramp: np.ndarray, factor: float) -> tuple[np.ndarray, np.ndarray]:
        """Advance the group state of enabled staff; return owners and their statistics."""
        t, rng = self.traits, self.rng
        chats = self.chat_total[enabled]
        members = self.member_total[enabled]
        new_chat = np.minimum(rng.poisson(t.group_rate[enabled] * ramp * factor), MAX_GROUPS - chats)
        dissolved = rng.binomial(chats, 0.001)  # a dissolved group takes its members with it
        members = members - np.round(members * dissolved / np.maximum(chats, 1)).astype(np.int64)
        chats = chats + new_chat - dissolved
        capacity = chats * GROUP_CAP
        room = np.sqrt(np.clip(1.0 - members / np.maximum(capacity, 1), 0, 1))  # fills up, then stalls
        joins = rng.poisson(chats * t.join_rate[enabled] * factor * room) + rng.poisson(8 * new_chat)
        joins = np.minimum(joins, np.maximum(capacity - members, 0))
        members = np.minimum(members + joins - rng.binomial(members, 0.0015), capacity)
        has_msg = rng.binomial(chats, np.clip(t.group_activity[enabled] * (0.5 + 0.5 * factor), 0, 1))
        talkers = rng.binomial(members, 0.04 * (0.5 + 0.5 * factor))
        talkers = np.where(has_msg > 0, np.minimum(members, np.maximum(talkers, has_msg)), 0)
        msgs = talkers + rng.poisson(talkers * 1.8)
        self.chat_total[enabled], self.member_total[enabled] = chats, members
        own = chats > 0
        stats = np.stack([new_chat, chats, has_msg, joins, members, talkers, msgs], axis=1)[own]
        return enabled[own], stats.astype(np.int64)

    def _tasks(self, day: int, active: np.ndarray) -> np.ndarray:
        """Marketing tasks are pushed on working days to about 60% of active staff."""
        if not is_workday(day):
            return np.zeros((0, 3), np.int64)
        rng = self.rng
        pushed = active[rng.random(len(active)) < 0.6]
        assigned = 1 + rng.poisson(1.5, len(pushed))
        done = rng.binomial(assigned, self.traits.completion[pushed])
        return np.stack([pushed, assigned, done], axis=1).astype(np.int64)

    def _interceptions(self, active: np.ndarray, messages: np.ndarray) -> np.ndarray:
        count = self.rng.poisson(messages * 0.0015 * self.traits.risk[active])
        hit = count > 0
        return np.stack([active[hit], count[hit]], axis=1).astype(np.int64)

    def removed(self, staff_idx: np.ndarray) -> None:
        """Contacts removed today no longer count as live (and no longer chat)."""
        np.subtract.at(self.live, staff_idx, 1)
        np.maximum(self.live, 0, out=self.live)
