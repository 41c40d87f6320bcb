"""WeCom API exchanges, one JSON object per line: {"api", "request", "response"}.

Lines are formatted by hand (they are the bulk of the output and json.dumps per line is the
slowest part of generation); every template below produces exactly what
json.dumps(..., ensure_ascii=False, separators=(",", ":")) would, key order included.

Real-world quirks reproduced here:
- reply_percentage / avg_reply_time are absent (no key) when chat_cnt is 0;
- reply_percentage is sometimes whole (47), sometimes with two decimals (60.25);
- about 2% of bodies come back re-serialised by a Java layer in camelCase (behaviorList);
- about 3% of staff-days are first pulled too early (all zeros); the real values follow later
  in the same file or in the next day's file, and the later exchange wins;
- groupchat/statistic is paged (limit 1000, total, next_offset == total on the last page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .activity import Day
from .timeline import stat_time

BEHAVIOR_API = "externalcontact/get_user_behavior_data"
GROUP_API = "externalcontact/groupchat/statistic"
GROUP_BY_DAY_API = "externalcontact/groupchat/statistic_group_by_day"
PAGE_LIMIT = 1000
OWNERS_PER_QUERY = 2000  # whole provinces are packed into one query up to this many owners
EARLY_ZERO_SHARE, CAMEL_SHARE = 0.03, 0.02
GROUP_KEYS = ("new_chat_cnt", "chat_total", "chat_has_msg", "new_member_cnt", "member_total",
              "member_has_msg", "msg_total")


def dumps(value: object) -> str:
    """The one JSON style of the demo files: UTF-8 text, compact, keys in insertion order."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _pct(hundredths: int, whole: bool) -> str:
    return str(hundredths // 100) if whole else f"{hundredths // 100}.{hundredths % 100:02d}"


def behavior_item(stat: int, v: tuple[int, ...], whole: bool, camel: bool) -> str:
    """One behaviour_data element; v = (chat, message, reply_hundredths|-1, minutes, neg, apply, new)."""
    chat, message, reply, minutes, negative, apply_, new = v
    if camel:
        mid = f'"replyPercentage":{_pct(reply, whole)},"avgReplyTime":{minutes},' if reply >= 0 else ""
        return (f'{{"statTime":{stat},"chatCnt":{chat},"messageCnt":{message},{mid}'
                f'"negativeFeedbackCnt":{negative},"newApplyCnt":{apply_},"newContactCnt":{new}}}')
    mid = f'"reply_percentage":{_pct(reply, whole)},"avg_reply_time":{minutes},' if reply >= 0 else ""
    return (f'{{"stat_time":{stat},"chat_cnt":{chat},"message_cnt":{message},{mid}'
            f'"negative_feedback_cnt":{negative},"new_apply_cnt":{apply_},"new_contact_cnt":{new}}}')


def behavior_exchange(userids: list[str], start: int, end: int, response: str) -> str:
    users = ",".join(f'"{u}"' for u in userids)
    return (f'{{"api":"{BEHAVIOR_API}","request":{{"userid":[{users}],"start_time":{start},'
            f'"end_time":{end}}},"response":{response}}}')


def behavior_ok(item: str, camel: bool) -> str:
    key = "behaviorList" if camel else "behavior_data"
    return f'{{"errcode":0,"errmsg":"ok","{key}":[{item}]}}'


ZEROS = (0, 0, -1, -1, 0, 0, 0)


@dataclass
class BehaviorStats:
    early_zero: int = 0
    camel: int = 0
    deferred_to_next_file: int = 0


@dataclass
class BehaviorWriter:
    """Formats each day's exchanges and carries re-pulls into the next day's file."""

    rng: np.random.Generator
    last_day: int
    carry: list[str] = field(default_factory=list)
    stats: BehaviorStats = field(default_factory=BehaviorStats)

    def lines(self, today: Day, staff_ids: list[str]) -> list[str]:
        rng, stat = self.rng, stat_time(today.day)
        n = len(today.active)
        early = rng.random(n) < EARLY_ZERO_SHARE
        later_file = (rng.random(n) < 0.5) & (today.day < self.last_day)
        camel = rng.random(n) < CAMEL_SHARE
        camel_repull = rng.random(n) < CAMEL_SHARE
        values = zip(today.chat.tolist(), today.message.tolist(), today.reply_pct.tolist(),
                     today.reply_min.tolist(), today.negative.tolist(), today.new_apply.tolist(),
                     today.new_contact.tolist())
        lines: list[str] = []
        same_file: list[str] = []
        next_file: list[str] = []
        for i, (s, v, whole) in enumerate(zip(today.active.tolist(), values, today.reply_whole.tolist())):
            uid = [staff_ids[s]]
            real = behavior_exchange(uid, stat, stat, behavior_ok(behavior_item(stat, v, whole, camel[i]), camel[i]))
            if not early[i]:
                lines.append(real)
                continue
            zero = behavior_item(stat, ZEROS, False, camel[i])
            lines.append(behavior_exchange(uid, stat, stat, behavior_ok(zero, camel[i])))
            repull = behavior_exchange(uid, stat, stat, behavior_ok(
                behavior_item(stat, v, whole, camel_repull[i]), camel_repull[i]))
            (next_file if later_file[i] else same_file).append(repull)
        self.stats.early_zero += int(early.sum())
        self.stats.camel += int(camel.sum() + (camel_repull & early).sum())
        self.stats.deferred_to_next_file += len(next_file)
        lines += same_file + self.carry
        self.carry = next_file
        return lines


def _group_data(row: list[int]) -> str:
    return "{" + ",".join(f'"{k}":{v}' for k, v in zip(GROUP_KEYS, row)) + "}"


def groupchat_lines(today: Day, staff_ids: list[str], province: np.ndarray) -> list[str]:
    """groupchat/statistic exchanges: owners packed by province into queries, paged by 1000."""
    stat = stat_time(today.day)
    owners, groups = today.owners, today.groups
    lines: list[str] = []
    owner_province = province[owners]
    bounds = np.flatnonzero(np.diff(owner_province)) + 1
    chunks = np.split(np.arange(len(owners)), bounds)
    query: list[np.ndarray] = []
    for chunk in chunks + [np.zeros(0, np.int64)]:
        size = sum(len(c) for c in query)
        if query and (size + len(chunk) > OWNERS_PER_QUERY or len(chunk) == 0):
            lines += _statistic_pages(stat, np.concatenate(query), owners, groups, staff_ids)
            query = []
        if len(chunk):
            query.append(chunk)
    return lines


def _statistic_pages(stat: int, rows: np.ndarray, owners: np.ndarray, groups: np.ndarray,
                     staff_ids: list[str]) -> list[str]:
    """All pages of one query; items ordered by new_chat_cnt descending (order_by 1, asc 0)."""
    userids = [staff_ids[s] for s in owners[rows].tolist()]
    listed = ",".join(f'"{u}"' for u in userids)
    ordered = rows[np.lexsort((owners[rows], -groups[rows, 0]))]
    total = len(ordered)
    who, data = owners[ordered].tolist(), groups[ordered].tolist()
    lines = []
    for offset in range(0, total, PAGE_LIMIT):
        page = range(offset, min(offset + PAGE_LIMIT, total))
        items = ",".join(f'{{"owner":"{staff_ids[who[k]]}","data":{_group_data(data[k])}}}' for k in page)
        request = (f'{{"day_begin_time":{stat},"owner_filter":{{"userid_list":[{listed}]}},'
                   f'"order_by":1,"order_asc":0,"offset":{offset},"limit":{PAGE_LIMIT}}}')
        response = (f'{{"errcode":0,"errmsg":"ok","total":{total},'
                    f'"next_offset":{min(offset + PAGE_LIMIT, total)},"items":[{items}]}}')
        lines.append(f'{{"api":"{GROUP_API}","request":{request},"response":{response}}}')
    return lines


@dataclass
class ByDayWriter:
    """statistic_group_by_day for a few tracked owners: yesterday and today per request."""

    tracked: list[int]
    yesterday: dict[int, list[int]] = field(default_factory=dict)

    def lines(self, today: Day, staff_ids: list[str]) -> list[str]:
        stat = stat_time(today.day)
        found = {int(s): today.groups[k].tolist() for k, s in enumerate(today.owners.tolist())
                 if s in self.tracked}
        lines = []
        for s in self.tracked:
            if s not in found:
                continue
            items = []
            if s in self.yesterday:
                items.append(f'{{"stat_time":{stat - 86400},"data":{_group_data(self.yesterday[s])}}}')
            items.append(f'{{"stat_time":{stat},"data":{_group_data(found[s])}}}')
            begin = stat - 86400 if s in self.yesterday else stat
            request = (f'{{"day_begin_time":{begin},"day_end_time":{stat},'
                       f'"owner_filter":{{"userid_list":["{staff_ids[s]}"]}}}}')
            response = f'{{"errcode":0,"errmsg":"ok","items":[{",".join(items)}]}}'
            lines.append(f'{{"api":"{GROUP_BY_DAY_API}","request":{request},"response":{response}}}')
        self.yesterday = found
        return lines


def directory_lines(departments: list[dict], users: dict[int, list[dict]]) -> list[str]:
    """department/list once, then user/list for every outlet department that has staff."""
    lines = [dumps({"api": "department/list", "request": {},
                    "response": {"errcode": 0, "errmsg": "ok", "department": departments}})]
    for dept in sorted(users):
        lines.append(dumps({"api": "user/list", "request": {"department_id": dept},
                            "response": {"errcode": 0, "errmsg": "ok", "userlist": users[dept]}}))
    return lines
