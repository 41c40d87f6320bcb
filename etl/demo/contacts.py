"""Customer contact relations: the rows of `contacts_YYYYMMDD.csv` (a daily delta).

Privacy: `customer_key` is the first 32 hex characters of sha256(SALT + customer number),
where SALT is the string below and the customer number is the bank's 12-digit number
(stock customers come from the staff member's book, incremental ones are newly numbered).
Names and phone numbers never appear.

A relation is written on every day it changes: the day it is added (with first_chat_on
filled when the first chat happens the same day), the day of a later first chat, and the
day it is removed. Future changes are decided when the relation is added and wait in a
queue keyed by day, so only a few days of relations are ever held in memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .activity import SEGMENT_MIX, Activity, Day, Traits
from .roster import Staff
from .timeline import INCR, KINDS, SEGMENTS, STOCK, iso

SALT = "cascade-demo/customer-key/v1:"
CONTACTS_HEADER = "customer_key,staff_id,added_on,removed_on,first_chat_on,segment,kind"
NONE = -1
FIELDS = ("staff", "key", "added", "first_chat", "removed", "segment", "kind")


def customer_key(number: str) -> str:
    """The salted, truncated SHA-256 of a customer number (see the module docstring)."""
    return hashlib.sha256((SALT + number).encode("ascii")).hexdigest()[:32]


@dataclass
class Batch:
    """Contact relations as parallel arrays (one element per relation)."""

    staff: np.ndarray
    key: np.ndarray
    added: np.ndarray
    first_chat: np.ndarray
    removed: np.ndarray
    segment: np.ndarray
    kind: np.ndarray

    def take(self, mask: np.ndarray) -> "Batch":
        return Batch(*(getattr(self, f)[mask] for f in FIELDS))

    @staticmethod
    def join(parts: list["Batch"]) -> "Batch":
        return Batch(*(np.concatenate([getattr(p, f) for p in parts]) for f in FIELDS))

    def __len__(self) -> int:
        return len(self.staff)


class ContactBook:
    """Creates today's relations and remembers their future first chats and removals."""

    def __init__(self, staff: Staff, traits: Traits, end: int, rng: np.random.Generator) -> None:
        self.staff, self.traits, self.end, self.rng = staff, traits, end, rng
        self.next_incremental = 0
        self.next_stock = np.zeros(len(staff), np.int64)
        self.pending: dict[int, list[Batch]] = {}
        self.cdf = np.cumsum(SEGMENT_MIX, axis=1)

    def added_today(self, today: Day) -> Batch:
        """The relations added today (one per new contact in the behaviour data)."""
        rng, day = self.rng, today.day
        staff = np.repeat(today.active, today.new_contact)
        n = len(staff)
        kind = np.where(rng.random(n) < self.traits.incr_share[staff], INCR, STOCK)
        segment = (rng.random(n)[:, None] > self.cdf[self.staff.role[staff]]).sum(axis=1)
        segment = np.minimum(segment, len(SEGMENTS) - 1)
        u = rng.random(n)
        chat_after = np.where(u < 0.55, 0, np.where(u < 0.85, rng.geometric(0.3, n), NONE))
        remove_after = np.where(rng.random(n) < 0.03, rng.integers(1, 91, n), NONE)
        chat_after = np.where((remove_after != NONE) & (chat_after >= remove_after), NONE, chat_after)
        batch = Batch(staff, self._keys(staff, kind), np.full(n, day),
                      np.where(chat_after == 0, day, NONE), np.full(n, NONE), segment, kind)
        self._schedule(batch, chat_after, remove_after)
        return batch

    def _keys(self, staff: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Customer keys: new numbers for incremental contacts, book numbers for stock."""
        numbers = np.empty(len(staff), dtype=object)
        incr = np.flatnonzero(kind == INCR)
        first = self.next_incremental
        numbers[incr] = [f"9{first + k:011d}" for k in range(len(incr))]
        self.next_incremental += len(incr)
        stock = np.flatnonzero(kind == STOCK)
        who = staff[stock]
        order = np.argsort(who, kind="stable")
        sorted_who = who[order]
        rank = np.arange(len(who)) - np.searchsorted(sorted_who, sorted_who)
        seq = np.empty(len(who), np.int64)
        seq[order] = self.next_stock[sorted_who] + rank
        np.add.at(self.next_stock, who, 1)
        numbers[stock] = [f"1{s:07d}{q:04d}" for s, q in zip(who.tolist(), seq.tolist())]
        return np.array([customer_key(x) for x in numbers.tolist()], dtype="<U32")

    def _schedule(self, batch: Batch, chat_after: np.ndarray, remove_after: np.ndarray) -> None:
        """Queue the later first-chat and removal rows (those that fall within the period)."""
        if not len(batch):
            return
        day = int(batch.added[0])
        first_chat = np.where(chat_after >= 0, day + chat_after, NONE)
        chats = np.flatnonzero((chat_after > 0) & (day + chat_after <= self.end))
        removes = np.flatnonzero((remove_after != NONE) & (day + remove_after <= self.end))
        which = np.concatenate([chats, removes])
        when = np.concatenate([day + chat_after[chats], day + remove_after[removes]])
        removal = np.concatenate([np.zeros(len(chats), bool), np.ones(len(removes), bool)])
        order = np.lexsort((which, when))
        which, when, removal = which[order], when[order], removal[order]
        starts = np.flatnonzero(np.r_[True, when[1:] != when[:-1]]) if len(when) else []
        for lo, hi in zip(starts, list(starts[1:]) + [len(when)]):
            on, rows = int(when[lo]), which[lo:hi]
            part = batch.take(rows)
            part.first_chat = np.where(first_chat[rows] <= on, first_chat[rows], NONE)
            part.removed = np.where(removal[lo:hi], on, NONE)
            self.pending.setdefault(on, []).append(part)

    def rows_for(self, today: Day, activity: Activity) -> tuple[Batch, Batch]:
        """(today's full delta sorted by staff and key, the relations added today)."""
        added = self.added_today(today)
        later = self.pending.pop(today.day, [])
        if later:
            queued = Batch.join(later)
            alive = np.isin(queued.staff, today.active)  # staff who left take no more actions
            queued = queued.take(alive)
            activity.removed(queued.staff[queued.removed == today.day])
            delta = Batch.join([added, queued])
        else:
            delta = added
        order = np.lexsort((delta.key, delta.staff))
        return delta.take(order), added


def contact_lines(delta: Batch, staff_ids: np.ndarray) -> list[str]:
    """CSV lines for a delta batch."""
    def day(value: int) -> str:
        return iso(value) if value != NONE else ""

    return [f"{k},{staff_ids[s]},{iso(a)},{day(r)},{day(f)},{SEGMENTS[g]},{KINDS[c]}"
            for k, s, a, r, f, g, c in zip(delta.key.tolist(), delta.staff.tolist(), delta.added.tolist(),
                                           delta.removed.tolist(), delta.first_chat.tolist(),
                                           delta.segment.tolist(), delta.kind.tolist())]
