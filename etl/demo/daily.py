"""The daily loop: simulate one day, write that day's files, forget it.

Memory is bounded by one day of data plus the contact queue and the current month's task
rows, whatever the length of the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .activity import Activity, Day
from .bad import (Defects, behavior_defects, contacts_defects, conversions_defects,
                  interceptions_defects)
from .contacts import CONTACTS_HEADER, ContactBook, contact_lines
from .extracts import Tally, write_csv, write_jsonl, write_xlsx
from .sales import CONVERSIONS_HEADER, conversion_lines, credit, sell
from .timeline import compact, iso
from .wecom import BehaviorWriter, ByDayWriter, groupchat_lines

TASKS_HEADER = ("day", "staff_id", "tasks_assigned", "tasks_done")
INTERCEPTIONS_HEADER = "day,staff_id,intercepted_msgs"


@dataclass
class DailyWriter:
    """Writes one day's contacts, conversions, interceptions and WeCom logs per `run` call."""

    out: Path
    staff_ids: list[str]
    province: np.ndarray
    activity: Activity
    book: ContactBook
    behavior: BehaviorWriter
    by_day: ByDayWriter
    defects: Defects
    sales_rng: np.random.Generator
    tally: Tally

    def __post_init__(self) -> None:
        self.month_days: list[tuple[int, np.ndarray]] = []
        self.month = ""

    def run(self, day: int, last: bool) -> None:
        """Simulate `day` and write its files; `last` flushes the month's task workbook."""
        today = self.activity.simulate(day)
        delta, added = self.book.rows_for(today, self.activity)
        sales = credit(sell(today, added, self.activity, self.sales_rng), self.sales_rng)
        stamp = compact(day)
        ids, active = self.staff_ids, today.active

        lines = contact_lines(delta, ids)
        self._csv("contacts", f"contacts_{stamp}.csv", CONTACTS_HEADER, lines,
                  contacts_defects(self.defects, day, ids, active))
        self._csv("conversions", f"conversions_{stamp}.csv", CONVERSIONS_HEADER,
                  conversion_lines(day, sales, ids), conversions_defects(self.defects, day, ids, active))
        when = iso(day)
        hits = [f"{when},{ids[s]},{n}" for s, n in today.intercepted.tolist()]
        self._csv("interceptions", f"interceptions_{stamp}.csv", INTERCEPTIONS_HEADER, hits,
                  interceptions_defects(self.defects, day, ids, active))

        exchanges = self.behavior.lines(today, ids)
        extra = behavior_defects(self.defects, day, ids, active, _values(today))
        self._jsonl("wecom_behavior", f"wecom_behavior_{stamp}.jsonl", exchanges, extra)
        groups = groupchat_lines(today, ids, self.province) + self.by_day.lines(today, ids)
        self._jsonl("wecom_groupchat", f"wecom_groupchat_{stamp}.jsonl", groups, [])
        self._tasks(today, last)

    def _csv(self, kind: str, name: str, header: str, lines: list[str], bad: list[tuple]) -> None:
        if bad:
            lines = self.defects.insert(name, lines, bad, header=True)
        self.tally.add(kind, len(lines), write_csv(self.out / name, header, lines, "utf-8"))

    def _jsonl(self, kind: str, name: str, lines: list[str], bad: list[tuple]) -> None:
        if bad:
            lines = self.defects.insert(name, lines, bad, header=False)
        if lines:  # no pull happens while nobody in the bank is on WeCom yet
            self.tally.add(kind, len(lines), write_jsonl(self.out / name, lines))

    def _tasks(self, today: Day, last: bool) -> None:
        """Task rows accumulate per month (as arrays); the workbook is written when it ends."""
        month = compact(today.day)[:6]
        if self.month and month != self.month:
            self._flush_tasks()
        self.month = month
        self.month_days.append((today.day, today.tasks))
        if last:
            self._flush_tasks()

    def _flush_tasks(self) -> None:
        name = f"tasks_{self.month}.xlsx"
        rows = sum(len(tasks) for _, tasks in self.month_days)
        size = write_xlsx(self.out / name, "tasks", TASKS_HEADER, self._task_rows(), huge=rows > 4_000_000)
        self.tally.add("tasks", rows, size)
        self.month_days = []

    def _task_rows(self) -> Iterator[tuple]:
        ids = self.staff_ids
        for day, tasks in self.month_days:
            when = iso(day)
            for s, assigned, done in tasks.tolist():
                yield when, ids[s], assigned, done


def _values(today: Day) -> np.ndarray:
    """Per active staff: (chat, message, reply hundredths, minutes, negative, apply, new)."""
    return np.stack([today.chat, today.message, today.reply_pct, today.reply_min, today.negative,
                     today.new_apply, today.new_contact], axis=1)
