"""The fast tiers of parse_exchanges agree with the per-line parser, line for line.

`per_line` is parse_exchanges as it was before the fast tiers: every line through
json.loads, camelCase normalisation and the lax pydantic models. On any mix of well-formed
and odd exchanges both must give the same frame (values, dtypes, order) and the same rejects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.sources import wecom
from etl.sources.wecom import BEHAVIOR_API, GROUP_API, GROUP_BY_DAY_API, Parsed, Reject

DAY = 1725292800  # 2024-09-03 00:00 China time
BEHAVIOR = {BEHAVIOR_API}
GROUP = {GROUP_API, GROUP_BY_DAY_API}


def per_line(path: Path, apis: set[str]) -> Parsed:
    rows, rejects, rows_in, not_json = [], [], 0, 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rows_in += 1
        try:
            rows.extend({"line": number, **row} for row in wecom._exchange_rows(line, apis))
        except Reject as problem:
            not_json += isinstance(problem, wecom.NotJson)
            rejects.append({"line": number, "column": problem.column, "reason": problem.reason, "raw": line[:2000]})
    wecom.check_is_log(path, rows_in=rows_in, not_json=not_json, rejects=rejects)
    fields = wecom.BEHAVIOR_FIELDS if BEHAVIOR_API in apis else wecom.GROUP_FIELDS
    return Parsed(pd.DataFrame(rows, columns=["line", "staff_id", "day", *fields]), rejects, rows_in)


def assert_agree(tmp_path: Path, lines: list[str], apis: set[str]) -> Parsed:
    path = tmp_path / "wecom_behavior_20240903.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        expected = per_line(path, apis)
    except wecom.SourceError as failure:
        try:
            wecom.parse_exchanges(path, apis=apis)
        except wecom.SourceError as same:
            assert str(same) == str(failure)
            return Parsed(pd.DataFrame())
        raise AssertionError(f"the fast path loaded what fails whole: {failure}")
    got = wecom.parse_exchanges(path, apis=apis)
    pd.testing.assert_frame_equal(got.rows, expected.rows, check_exact=True)
    assert got.rejects == expected.rejects
    assert got.rows_in == expected.rows_in
    return got


def camel(value: object) -> object:
    if isinstance(value, dict):
        renamed = {"behavior_data": "behaviorList"}
        return {renamed.get(k, re.sub(r"_([a-z])", lambda m: m[1].upper(), k)): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(item) for item in value]
    return value


counts = st.one_of(st.integers(0, 50), st.sampled_from([-1, 2**40, 2**70, 3.0, 2.5, "4", True, None]))
percent = st.one_of(st.none(), st.integers(0, 100), st.floats(0, 100).map(lambda f: round(f, 2)),
                    st.sampled_from([100.5, -1, 60.25, "60", float("nan")]))
stat_times = st.one_of(st.just(DAY), st.just(DAY - 86400), st.sampled_from([DAY + 3600, 0, -57600, 2**62, DAY * 1.0]))


@st.composite
def behavior_items(draw: st.DrawFn) -> dict:
    item = {"stat_time": draw(stat_times)}
    for name in ("chat_cnt", "message_cnt"):
        item[name] = draw(counts) if draw(st.booleans()) else draw(st.integers(0, 9))
    if draw(st.booleans()):  # absent on days without chats
        item["reply_percentage"] = draw(percent)
        item["avg_reply_time"] = draw(st.one_of(st.none(), st.integers(0, 30), st.just(7.5), st.just(-2)))
    for name in ("negative_feedback_cnt", "new_apply_cnt", "new_contact_cnt"):
        item[name] = draw(st.integers(0, 9)) if draw(st.integers(0, 4)) else draw(counts)
    if not draw(st.integers(0, 9)):
        del item[draw(st.sampled_from(sorted(item)))]
    return item


@st.composite
def behavior_lines(draw: st.DrawFn) -> str:
    users = draw(st.sampled_from([["GD01001001"], ["GD01001002"], ["GD01001001", "GD01001002"], [], ["李明"]]))
    request: dict = {"userid": users, "start_time": DAY, "end_time": DAY}
    if not draw(st.integers(0, 9)):
        request["partyid"] = [3]
    response: dict = {"errcode": draw(st.sampled_from([0, 0, 0, 0, 0, 600018, 0.0])), "errmsg": "ok",
                      "behavior_data": draw(st.lists(behavior_items(), min_size=1, max_size=1)
                                            if draw(st.integers(0, 9)) else st.lists(behavior_items(), max_size=3))}
    if draw(st.integers(0, 4)) == 0:
        response = camel(response)
    if draw(st.integers(0, 9)) == 0:
        response["behaviorData" if draw(st.booleans()) else "chat_cnt"] = []
    exchange = {"api": BEHAVIOR_API, "request": request, "response": response}
    style = draw(st.sampled_from(["compact", "compact", "compact", "spaced", "broken", "extra"]))
    if style == "extra":
        exchange["pulled_at"] = "2024-09-03T08:00:00"
    if style == "broken":
        return json.dumps(exchange, separators=(",", ":"))[:-1]
    return json.dumps(exchange, separators=None if style == "spaced" else (",", ":"), ensure_ascii=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(behavior_lines(), min_size=1, max_size=12))
def test_behavior_tiers_agree_with_the_per_line_parser(tmp_path: Path, lines: list[str]) -> None:
    assert_agree(tmp_path, lines, BEHAVIOR)


def exchange(users: list[str], item: dict, *, camel_body: bool = False) -> str:
    response = {"errcode": 0, "errmsg": "ok", "behavior_data": [item]}
    body = {"api": BEHAVIOR_API, "request": {"userid": users, "start_time": DAY, "end_time": DAY},
            "response": camel(response) if camel_body else response}
    return json.dumps(body, separators=(",", ":"))


ZEROS = {"stat_time": DAY, "chat_cnt": 0, "message_cnt": 0, "negative_feedback_cnt": 0, "new_apply_cnt": 0,
         "new_contact_cnt": 0}
REAL = {**ZEROS, "chat_cnt": 12, "message_cnt": 40, "reply_percentage": 60.25, "avg_reply_time": 5, "new_apply_cnt": 9}


def test_all_zero_early_pulls_keep_reply_figures_missing(tmp_path: Path) -> None:
    got = assert_agree(tmp_path, [exchange([f"GD0100100{i}"], ZEROS) for i in range(5)], BEHAVIOR)
    assert got.rows["reply_percentage"].isna().all() and len(got.rows) == 5


def test_camel_bodies_and_a_later_real_pull(tmp_path: Path) -> None:
    lines = [exchange(["GD01001001"], ZEROS), exchange(["GD01001002"], REAL, camel_body=True),
             exchange(["GD01001001"], REAL), exchange(["GD01001003"], {**REAL, "reply_percentage": 47})]
    got = assert_agree(tmp_path, lines, BEHAVIOR)
    assert got.rows["reply_percentage"].tolist()[1:] == [60.25, 60.25, 47.0]


def test_multi_userid_errcode_and_absent_reply_fields(tmp_path: Path) -> None:
    error = json.dumps({"api": BEHAVIOR_API, "request": {"userid": ["GD01001001"], "start_time": DAY, "end_time": DAY},
                        "response": {"errcode": 600018, "errmsg": "invalid time"}})
    lines = [exchange(["GD01001001", "GD01001002"], REAL), error, exchange(["GD01001004"], ZEROS),
             exchange(["GD01001005"], {**REAL, "stat_time": DAY + 60})]
    got = assert_agree(tmp_path, lines, BEHAVIOR)
    assert [r["line"] for r in got.rejects] == [1, 2, 4] and len(got.rows) == 1


def group_line(api: str, owners: list[str], items: list[dict], **extra: object) -> str:
    request = {"day_begin_time": DAY, "owner_filter": {"userid_list": owners}, "order_by": 1, "offset": 0, "limit": 1000}
    response = {"errcode": 0, "errmsg": "ok", "total": len(items), "next_offset": 0, "items": items, **extra}
    return json.dumps({"api": api, "request": request, "response": response}, separators=(",", ":"))


STATS = {"new_chat_cnt": 0, "chat_total": 3, "chat_has_msg": 2, "new_member_cnt": 4, "member_total": 310,
         "member_has_msg": 57, "msg_total": 88}


def test_group_statistics_agree(tmp_path: Path) -> None:
    lines = [
        group_line(GROUP_API, ["A1", "A2"], [{"owner": "A1", "data": STATS}, {"owner": "A2", "data": {**STATS, "chat_total": 0}}]),
        group_line(GROUP_API, ["A3"], [{"owner": "", "data": STATS}]),
        group_line(GROUP_BY_DAY_API, ["A4"], [{"stat_time": DAY, "data": STATS}, {"stat_time": DAY - 86400, "data": STATS}]),
        group_line(GROUP_BY_DAY_API, ["A4", "A5"], [{"stat_time": DAY, "data": STATS}]),
        group_line(GROUP_API, ["A6"], [{"owner": "A6", "data": {**STATS, "chatTotal": 9}}]),
        group_line(GROUP_API, ["A7"], [{"owner": "A7", "data": {**STATS, "msg_total": 1.0}}]),
        group_line(GROUP_API, ["A8"], [{"owner": "A8", "data": STATS}], nextCursor="x"),
        camel(json.loads(group_line(GROUP_API, ["A9"], [{"owner": "A9", "data": STATS}]))).__repr__().replace("'", '"'),
    ]
    got = assert_agree(tmp_path, lines, GROUP)
    assert len(got.rows) == 8 and [r["line"] for r in got.rejects] == [2, 4]
