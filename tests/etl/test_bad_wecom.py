"""Bad WeCom exchange logs, loaded on top of the tiny bank: a file that holds no exchange fails
whole; a bad exchange is quarantined with its line, the column at fault and the reason (the
errcode and errmsg for a WeCom error) while the file's other exchanges load.
How each case is checked: tests/etl/corpus.py."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from corpus import Case, cell, jsonl, run_case
from etl.sources.wecom import GROUP_BY_DAY_API
from store.schema import fact_staff_day
from tiny_bank import DAYS, behaviour_exchange, group_exchange, stat_time

BEHAVIOR = "wecom_behavior_20260904.jsonl"
GROUPCHAT = "wecom_groupchat_20260904.jsonl"
DIRECTORY = "wecom_directory_20260904.jsonl"
SEP_2, SEP_3 = DAYS[1], DAYS[2]
DROP = object()  # as a value in `edited`: delete the key

# Line 1 of every log: a good exchange for a staff-day the tiny bank does not have.
GOOD = behaviour_exchange("GD01001002", SEP_2, chats=4, contacts=1)
GOOD_GROUP = group_exchange(SEP_2, {"GD01001002": (2, 1)})
# Line 2 is made bad from these: a re-pull of a staff-day the tiny bank has.
PULL = behaviour_exchange("GD01001001", SEP_3, chats=9, contacts=3)
GROUP_PULL = group_exchange(SEP_3, {"GD01001001": (5, 4)})


def edited(exchange: dict, changes: dict[str, object]) -> dict:
    """A deep copy with values set at dotted paths ('response.behavior_data.0.chat_cnt')."""
    out = copy.deepcopy(exchange)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = out
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key = int(last) if isinstance(node, list) else last
        if value is DROP:
            del node[key]
        else:
            node[key] = copy.deepcopy(value)
    return out


def camel(value: object) -> object:
    """Keys in camelCase, as Java layers re-serialise WeCom bodies (behavior_data: behaviorList)."""
    if isinstance(value, dict):
        renamed = {"behavior_data": "behaviorList"}
        return {renamed.get(k, re.sub(r"_([a-z])", lambda m: m[1].upper(), k)): camel(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [camel(item) for item in value]
    return value


def by_day_exchange(owners: list[str], day: date) -> dict:
    data = GOOD_GROUP["response"]["items"][0]["data"]
    return {
        "api": GROUP_BY_DAY_API,
        "request": {"day_begin_time": stat_time(day), "day_end_time": stat_time(day),
                    "owner_filter": {"userid_list": owners}},
        "response": {"errcode": 0, "errmsg": "ok", "items": [{"stat_time": stat_time(day), "data": data}]},
    }


def bad(id: str, bad_line: dict | str, column: str | None, reason: str, *, group: bool = False) -> Case:
    """A good exchange on line 1, the bad one on line 2."""
    name, good = (GROUPCHAT, GOOD_GROUP) if group else (BEHAVIOR, GOOD)
    return Case(id, name, jsonl(good, bad_line), rejects=((2, column, reason),), loaded=1)


def behaviour(changes: dict[str, object]) -> dict:
    return edited(PULL, changes)


def behaviour_day(field: str, value: object) -> dict:
    """The re-pull with one field of its day's figures changed (DROP: missing)."""
    return edited(PULL, {f"response.behavior_data.0.{field}": value})


def group_pull(path: str, value: object) -> dict:
    return edited(GROUP_PULL, {path: value})


def new_staff_day(engine: sa.Engine, *columns: str) -> list[object]:
    """The figures loaded for the staff-day of the positive controls' second line."""
    return [cell(engine, fact_staff_day, c, staff_id="GD01001002", day=SEP_3) for c in columns]


def camel_loaded(engine: sa.Engine) -> None:
    columns = ("chat_cnt", "message_cnt", "reply_percentage", "avg_reply_time", "new_contact_cnt")
    assert new_staff_day(engine, *columns) == [7, 21, 50.5, 4.0, 2]  # as from the snake_case body


def no_reply_figures(engine: sa.Engine) -> None:
    columns = ("chat_cnt", "reply_percentage", "avg_reply_time", "new_contact_cnt")
    assert new_staff_day(engine, *columns) == [0, None, None, 1]  # WeCom sent 80 and 3: meaningless without chats


def by_day_loaded(engine: sa.Engine) -> None:
    assert new_staff_day(engine, "chat_total", "chat_has_msg") == [2, 1]


ERROR_600018 = {"response": {"errcode": 600018, "errmsg": "invalid start_time or end_time"}}
ERROR_81017 = {"response": {"errcode": 81017, "errmsg": "too many users in one request"}}
LATIN_1_ERROR = jsonl(behaviour(ERROR_600018 | {"response.errmsg": "paramètre invalide"})).encode("latin-1")
CAMEL = camel(behaviour_exchange("GD01001002", SEP_3, chats=7, contacts=2))
NO_CHATS = behaviour_exchange("GD01001002", SEP_3, chats=0, contacts=1, reply_percentage=80, avg_reply_time=3)
BY_DAY = by_day_exchange(["GD01001002"], SEP_3)
NOT_CHINA_MIDNIGHT = stat_time(SEP_3) + 8 * 3600  # UTC midnight
BEFORE_HIRE = stat_time(date(2025, 12, 31))

FILE_ERRORS = [
    Case("empty-log", BEHAVIOR, "", cause="contains no exchanges"),
    Case("blank-lines-only", BEHAVIOR, "\n \n", cause="contains no exchanges"),
    Case("latin-1-log", BEHAVIOR, LATIN_1_ERROR, cause="cannot decode"),
    # Not one line is a JSON object: not a log at all, rather than a log of bad exchanges.
    Case("csv-named-jsonl", BEHAVIOR, "day,staff_id,intercepted_msgs\n2026-09-02,GD01001001,3\n",
         cause="is not JSON lines: no line is a JSON object (line 1: not valid JSON"),
    Case("pretty-printed-json", BEHAVIOR, json.dumps(GOOD, indent=2), cause="is not JSON lines"),
    Case("directory-that-is-an-error-page", DIRECTORY, "<html><body>502 Bad Gateway</body></html>\n",
         cause="is not JSON lines"),
]

POSITIVE_CONTROLS = [
    Case("camelcase-body", BEHAVIOR, jsonl(GOOD, CAMEL), loaded=2, check=camel_loaded),
    Case("reply-figures-without-chats", BEHAVIOR, jsonl(GOOD, NO_CHATS), loaded=2, check=no_reply_figures),
    Case("group-by-day-one-owner", GROUPCHAT, jsonl(GOOD_GROUP, BY_DAY), loaded=2, check=by_day_loaded),
]

BAD_EXCHANGES = [
    bad("truncated-line", json.dumps(PULL)[:60], None, "not valid JSON"),
    bad("json-array-line", "[1, 2]", None, "not a JSON object but a list"),
    bad("no-response", behaviour({"response": DROP}), None, "an exchange needs the keys api, request and response"),
    bad("group-api-in-behaviour-log", GROUP_PULL, "api", "unexpected api 'externalcontact/groupchat/statistic'"),
    bad("errcode-600018", behaviour(ERROR_600018), "errcode", "WeCom errcode 600018: invalid start_time or end_time"),
    bad("errcode-81017", behaviour(ERROR_81017), "errcode", "WeCom errcode 81017: too many users in one request"),
    bad("several-userids", behaviour({"request.userid": ["GD01001001", "GD01001002"]}), "request.userid",
        "request names 2 userids: WeCom returns their combined total"),
    bad("partyid", behaviour({"request.userid": [], "request.partyid": [4]}), "request.userid",
        "request names 0 userids and 1 departments"),
    bad("stat-time-at-utc-midnight", behaviour_day("stat_time", NOT_CHINA_MIDNIGHT), "stat_time",
        f"stat_time {NOT_CHINA_MIDNIGHT} is not 00:00 China time"),
    bad("chat-cnt-negative", behaviour_day("chat_cnt", -1), "chat_cnt", "greater than or equal to 0"),
    bad("chat-cnt-missing", behaviour_day("chat_cnt", DROP), "chat_cnt", "Field required"),
    bad("new-contact-cnt-fractional", behaviour_day("new_contact_cnt", 1.5), "new_contact_cnt", "fractional part"),
    bad("reply-percentage-above-100", behaviour_day("reply_percentage", 120), "reply_percentage",
        "less than or equal to 100"),
    # A body without the list is a shape we do not know: never read as "no data that day".
    bad("response-without-behavior-data", behaviour({"response.behavior_data": DROP}), "behavior_data",
        "response has no behavior_data list"),
    bad("userid-not-on-roster", behaviour({"request.userid": ["GD09009009"]}), "staff_id",
        "staff GD09009009 is not on the roster"),
    bad("userid-before-hire", behaviour_day("stat_time", BEFORE_HIRE), "staff_id",
        "staff GD01001001 is not on the roster on 2025-12-31"),
    # Only bad exchanges: nothing to load, and no crash on the empty rest.
    Case("only-a-wecom-error", BEHAVIOR, jsonl(behaviour(ERROR_600018)), rejects=((1, "errcode", "600018"),)),
    bad("by-day-two-owners", by_day_exchange(["GD01001001", "GD01002001"], SEP_3), "request.owner_filter",
        "request names 2 owners", group=True),
    bad("group-item-without-owner", group_pull("response.items.0.owner", DROP), "items.owner",
        "item without owner", group=True),
    bad("day-begin-not-china-midnight", group_pull("request.day_begin_time", NOT_CHINA_MIDNIGHT), "day_begin_time",
        f"day_begin_time {NOT_CHINA_MIDNIGHT} is not 00:00 China time", group=True),
    bad("member-total-negative", group_pull("response.items.0.data.member_total", -5), "data.member_total",
        "greater than or equal to 0", group=True),
    bad("behaviour-api-in-group-log", PULL, "api", "unexpected api 'externalcontact/get_user_behavior_data'",
        group=True),
]

CASES = FILE_ERRORS + POSITIVE_CONTROLS + BAD_EXCHANGES
# Where the backend matters: NULL reply figures, a file error, a log whose every exchange is rejected.
ON_POSTGRES = {"empty-log", "camelcase-body", "reply-figures-without-chats", "only-a-wecom-error"}


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    ids = {case.id for case in CASES}
    assert len(CASES) >= 25 and len(ids) == len(CASES) and ON_POSTGRES <= ids


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_bad_wecom_log_on_sqlite(case: Case, banked_sqlite: sa.Engine, tmp_path: Path) -> None:
    run_case(banked_sqlite, case, tmp_path)


@pytest.mark.postgres
@pytest.mark.parametrize("case", [case.param() for case in CASES if case.id in ON_POSTGRES])
def test_bad_wecom_log_on_postgres(case: Case, banked_pg: sa.Engine, tmp_path: Path) -> None:
    run_case(banked_pg, case, tmp_path)
