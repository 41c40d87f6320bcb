"""WeCom API exchange logs (`wecom_*.jsonl`): one {"api", "request", "response"} per line.

The quirks handled here are real ones:
- `stat_time`/`day_begin_time` are 00:00 China time in Unix seconds; the day is taken in
  UTC+8 whatever the machine's timezone.
- reply_percentage / avg_reply_time are absent on days without chats: stored as missing.
- Java layers re-serialise bodies in camelCase (behaviorList, chatCnt, avgReplyTime).
- A request naming several userids gets one combined total: not attributable, rejected.
- errcode != 0 bodies are rejected with their errcode and errmsg.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from etl.files import SourceError, decode
from etl.sources import wecom_fast, wecom_strict
from etl.sources.wecom_models import (  # noqa: F401 - re-exported: the writers and tests use them here
    BEHAVIOR_API,
    BEHAVIOR_FIELDS,
    CHINA,
    GROUP_API,
    GROUP_BY_DAY_API,
    GROUP_FIELDS,
    KEY_ALIASES,
    BehaviorDay,
    BehaviorRequest,
    GroupItem,
    GroupRequest,
    GroupStats,
    NotJson,
    OwnerFilter,
    Parsed,
    Reject,
    china_day,
)

def snake(key: str) -> str:
    converted = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    return KEY_ALIASES.get(converted, converted)


def normalise_keys(value: object) -> object:
    """camelCase keys to snake_case, recursively (JSON from Java layers)."""
    if isinstance(value, dict):
        return {snake(key): normalise_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_keys(item) for item in value]
    return value


def parse_exchanges(path: Path, *, apis: set[str]) -> Parsed:
    """Rows of staff-day facts from the exchanges of `apis` in one log file.

    Well-formed lines take the fast tiers of etl.sources.wecom_fast; the others, and every
    line whose rows need a reject, are parsed here line by line, so rejects read the same."""
    text = decode(path, path.read_bytes())
    lines = text.splitlines()
    # The columns even when every exchange was rejected: the writers select them.
    columns = ["line", "staff_id", "day", *(BEHAVIOR_FIELDS if BEHAVIOR_API in apis else GROUP_FIELDS)]
    if BEHAVIOR_API in apis:
        fast = wecom_fast.match_behavior(lines)
    else:  # `not line.isspace()` is `line.strip()` without copying every line
        others = [(n, line) for n, line in enumerate(lines, start=1) if line and not line.isspace()]
        fast = wecom_fast.Matched(wecom_fast.match_behavior([]).values, others)
    rows = wecom_fast.Rows(columns)
    rejects: list[dict] = []
    not_json = 0
    for number, line in fast.others:
        try:
            found = wecom_strict.strict_rows(line, apis)
            if found is not None:
                rows.extend(number, found)
                continue
            for row in _exchange_rows(line, apis):
                rows.add(number, row)
        except Reject as problem:
            not_json += isinstance(problem, NotJson)
            rejects.append(
                {"line": number, "column": problem.column, "reason": problem.reason, "raw": line[:2000]}
            )
    rows_in = len(fast) + len(fast.others)  # every line tier 1 took is one exchange
    check_is_log(path, rows_in=rows_in, not_json=not_json, rejects=rejects)
    return Parsed(rows=_in_line_order(fast, rows), rejects=rejects, rows_in=rows_in)


def _in_line_order(fast: wecom_fast.Matched, rows: wecom_fast.Rows) -> pd.DataFrame:
    """One frame of both tiers' rows, in the order of their lines (stable within a line)."""
    if not len(rows) and not len(fast):  # as the per-line parser built it: object columns
        return pd.DataFrame([], columns=rows.columns)
    if not len(rows):
        return fast.frame(rows.columns)
    if not len(fast):
        return pd.DataFrame(rows.data, columns=rows.columns)
    fast.add_to(rows)
    both = pd.DataFrame(rows.data, columns=rows.columns)
    return both.iloc[np.argsort(both["line"].to_numpy(), kind="stable")].reset_index(drop=True)


def check_is_log(path: Path, *, rows_in: int, not_json: int, rejects: list[dict]) -> None:
    """A file with no exchange, or whose every line is no JSON object (an HTML error page, a
    CSV, a pretty-printed document), is not a log: it fails whole rather than line by line."""
    if rows_in == 0:
        raise SourceError(path, "contains no exchanges")
    if not_json == rows_in:
        first = rejects[0]
        where = f"line {first['line']}: {first['reason']}"
        raise SourceError(path, f"is not JSON lines: no line is a JSON object ({where})")


def open_exchange(line: str, apis: set[str]) -> tuple[str, dict, dict]:
    """The api, request and response of one logged exchange, camelCase keys normalised.

    Refuses a line that is not an exchange of one of `apis`, and a WeCom error response."""
    try:
        exchange = json.loads(line)
    except json.JSONDecodeError as exc:
        raise NotJson(f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(exchange, dict):
        raise NotJson(f"not a JSON object but a {type(exchange).__name__}")
    if not {"api", "request", "response"} <= exchange.keys():
        raise Reject("an exchange needs the keys api, request and response")
    api = str(exchange["api"]).strip("/")
    if api not in apis:
        raise Reject(f"unexpected api '{api}' in this file", "api")
    response = normalise_keys(exchange["response"])
    request = normalise_keys(exchange["request"])
    if not isinstance(response, dict) or not isinstance(request, dict):
        raise Reject("request and response must be JSON objects")
    errcode = response.get("errcode", 0)
    if errcode != 0:
        raise Reject(f"WeCom errcode {errcode}: {response.get('errmsg', '')}", "errcode")
    return api, request, response


def invalid_body(exc: ValidationError) -> Reject:
    """A reject naming the first field of a body that failed its model."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return Reject(f"{where}: {first['msg']}", where)


def _exchange_rows(line: str, apis: set[str]) -> list[dict]:
    api, request, response = open_exchange(line, apis)
    try:
        if api == BEHAVIOR_API:
            return _behavior_rows(request, response)
        return _group_rows(api, request, response)
    except ValidationError as exc:
        raise invalid_body(exc)


def _behavior_rows(request: dict, response: dict) -> list[dict]:
    asked = BehaviorRequest.model_validate(request)
    if asked.partyid or len(asked.userid) != 1:
        who = f"{len(asked.userid)} userids" + (f" and {len(asked.partyid)} departments" if asked.partyid else "")
        raise Reject(
            f"request names {who}: WeCom returns their combined total, not attributable to a person",
            "request.userid",
        )
    if not isinstance(response.get("behavior_data"), list):  # an empty list is a day without data
        raise Reject("response has no behavior_data list", "behavior_data")
    rows = []
    for item in response["behavior_data"]:
        day = BehaviorDay.model_validate(item)
        values = day.model_dump(include=set(BEHAVIOR_FIELDS))
        if day.chat_cnt == 0:  # no chats: reply figures are undefined, never 0
            values["reply_percentage"] = values["avg_reply_time"] = None
        rows.append(
            {"staff_id": asked.userid[0], "day": china_day(day.stat_time, column="stat_time"), **values}
        )
    return rows


def _group_rows(api: str, request: dict, response: dict) -> list[dict]:
    asked = GroupRequest.model_validate(request)
    owners = asked.owner_filter.userid_list
    if api == GROUP_BY_DAY_API and len(owners) != 1:
        raise Reject(
            f"request names {len(owners)} owners: WeCom returns their combined total, not attributable to a person",
            "request.owner_filter",
        )
    if not isinstance(response.get("items"), list):
        raise Reject("response has no items list", "items")
    rows = []
    for raw in response["items"]:
        item = GroupItem.model_validate(raw)
        if api == GROUP_API:
            if not item.owner:
                raise Reject("item without owner", "items.owner")
            staff_id, when = item.owner, asked.day_begin_time
        else:
            staff_id, when = owners[0], item.stat_time if item.stat_time is not None else asked.day_begin_time
        day = china_day(when, column="day_begin_time" if api == GROUP_API else "stat_time")
        rows.append({"staff_id": staff_id, "day": day, **item.data.model_dump()})
    return rows
