"""The few deliberately bad records seeded into otherwise clean files.

Each is an extra line (never a corrupted real one, so the clean totals stay intact), placed
at a random position of one file in the second half of the period, and listed in the
manifest with its file, 1-based line number (the CSV header is line 1), column or field,
the offending value and the reason a loader should give. Reasons use the wording of the
project's validators (etl/validate.py, etl/conform.py, etl/sources/wecom.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .contacts import customer_key
from .timeline import Period, iso, stat_time
from .wecom import behavior_exchange, behavior_item, behavior_ok, dumps

ERR_81017 = "no privilege to access the user's data, hint: [demo]"
KINDS = ("contacts_staff", "contacts_segment", "conversions_day", "conversions_count",
         "interceptions_value", "behavior_600018", "behavior_81017", "behavior_multi")


@dataclass
class Defects:
    """Which day each defect lands on, and the manifest entries once written."""

    period: Period
    rng: np.random.Generator
    days: dict[str, int] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        low = self.period.start + self.period.days // 2
        for kind in KINDS:
            self.days[kind] = int(self.rng.integers(low, self.period.end + 1))

    def due(self, kind: str, day: int) -> bool:
        return self.days[kind] == day

    def insert(self, file: str, lines: list[str], items: list[tuple[str, str, str, str]],
               header: bool) -> list[str]:
        """Insert bad lines (line, column, value, reason) at random positions; record them."""
        positions = sorted(int(self.rng.integers(0, len(lines) + 1)) for _ in items)
        out = list(lines)
        for k, (pos, (line, column, value, reason)) in enumerate(zip(positions, items)):
            out.insert(pos + k, line)
            number = pos + k + 1 + int(header)
            self.records.append({"file": file, "line": number, "column": column, "value": value,
                                 "reason": reason})
        return out


def contacts_defects(defects: Defects, day: int, staff_ids: list[str], active: np.ndarray) -> list[tuple]:
    items = []
    if defects.due("contacts_staff", day) and len(active):
        ghost = staff_ids[int(active[0])][:-3] + "998"  # no outlet has 998 staff
        key = customer_key(f"8{day:011d}")
        items.append((f"{key},{ghost},{iso(day)},,,long_tail,incremental", "staff_id", ghost,
                      f"staff {ghost} is not on the roster"))
    if defects.due("contacts_segment", day) and len(active):
        sid = staff_ids[int(active[-1])]
        key = customer_key(f"7{day:011d}")
        items.append((f"{key},{sid},{iso(day)},,{iso(day)},vip,stock", "segment", "vip",
                      "segment 'vip' is not one of long_tail, mass_affluent, wealth, private"))
    return items


def conversions_defects(defects: Defects, day: int, staff_ids: list[str], active: np.ndarray) -> list[tuple]:
    items = []
    if defects.due("conversions_day", day) and len(active):
        text = f"{iso(day)[8:10]}/{iso(day)[5:7]}/{iso(day)[:4]}"
        sid = staff_ids[int(active[len(active) // 2])]
        items.append((f"{text},{sid},online,incremental,long_tail,card,1,0.00", "day", text,
                      f"day '{text}' is not a date (YYYY-MM-DD)"))
    if defects.due("conversions_count", day) and len(active):
        sid = staff_ids[int(active[len(active) // 3])]
        items.append((f"{iso(day)},{sid},retail,stock,private,card,-1,0.00", "count", "-1",
                      "count -1 is below 0"))
    return items


def interceptions_defects(defects: Defects, day: int, staff_ids: list[str], active: np.ndarray) -> list[tuple]:
    if not (defects.due("interceptions_value", day) and len(active)):
        return []
    sid = staff_ids[int(active[len(active) // 4])]
    return [(f"{iso(day)},{sid},n/a", "intercepted_msgs", "n/a",
             "intercepted_msgs 'n/a' is not a whole number")]


def behavior_defects(defects: Defects, day: int, staff_ids: list[str], active: np.ndarray,
                     values: np.ndarray) -> list[tuple]:
    """Extra exchanges: a bad time range, an error body, and a combined multi-user request.

    `values` holds, per active staff, (chat, message, reply hundredths, minutes, negative,
    apply, new) so the combined total is the real sum of the people it names.
    """
    stat, items = stat_time(day), []
    if len(active) < 3:
        return items
    if defects.due("behavior_600018", day):
        uid = staff_ids[int(active[1])]
        body = dumps({"errcode": 600018, "errmsg": "invalid start endtime"})
        items.append((behavior_exchange([uid], stat + 86400, stat, body), "errcode", "600018",
                      "WeCom errcode 600018: invalid start endtime"))
    if defects.due("behavior_81017", day):
        uid = staff_ids[int(active[2])]
        body = dumps({"errcode": 81017, "errmsg": ERR_81017})
        items.append((behavior_exchange([uid], stat, stat, body), "errcode", "81017",
                      f"WeCom errcode 81017: {ERR_81017}"))
    if defects.due("behavior_multi", day):
        first = min(len(active) // 2, len(active) - 3)
        pick = [first, first + 1, first + 2]  # neighbours: usually one outlet's staff
        uids = [staff_ids[int(active[k])] for k in pick]
        chat, message, reply, minutes, negative, apply_, new = values[pick].T
        weights = np.where(reply >= 0, chat, 0)
        pct = int(round((reply * weights).sum() / weights.sum())) if weights.sum() else -1
        mins = int(round((minutes * weights).sum() / weights.sum())) if weights.sum() else -1
        total = (int(chat.sum()), int(message.sum()), pct, mins, int(negative.sum()),
                 int(apply_.sum()), int(new.sum()))
        body = behavior_ok(behavior_item(stat, total, False, False), False)
        items.append((behavior_exchange(uids, stat, stat, body), "request.userid", ",".join(uids),
                      "request names 3 userids: WeCom returns their combined total, "
                      "not attributable to a person"))
    return items


def roster_defect(defects: Defects, file: str, lines: list[str], branch_code: str) -> list[str]:
    """A roster row pointing at an outlet code that does not exist."""
    outlet = f"{branch_code}999"
    line = (f"{outlet}001,张伟,{outlet},customer_manager,4,0,300,{iso(defects.period.start)},")
    return defects.insert(file, lines, [(line, "outlet_code", outlet, f"outlet {outlet} is not in the org")],
                          header=True)
