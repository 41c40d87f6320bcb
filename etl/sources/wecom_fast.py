"""Fast paths of `parse_exchanges` for well-formed exchanges.

A behaviour log holds one exchange per staff member per day (50,000 lines a day on a large
bank; 400,000 on a national one). The per-line parser (json.loads, camelCase normalisation, two
pydantic validations per line) costs 150 µs a line, far over the load budget. Two faster tiers
take the lines they can prove well-formed and hand every other line to the per-line parser,
so rejects and their messages stay those of the per-line parser:

1. `match_behavior`: a regular expression of the compact serialisation of the declared models
   (fields in their declared order, snake_case or the camelCase of Java layers), built from
   the pydantic models' fields, then the models' bounds checked on whole columns.
2. `strict_rows`: strict twins of the models (no coercion, no unknown keys, so no camelCase key
   that the per-line parser would rename onto a declared one) validated straight from the JSON
   text by pydantic-core. Group statistics lines (1,000 items each) take this tier.

A line either tier accepts yields exactly the rows the per-line parser would yield for it; a
line they refuse, or whose rows would need a reject (two userids, not 00:00), is re-parsed by
the per-line parser. tests/etl/test_wecom_fast.py checks the tiers agree.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import annotated_types
import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from etl.sources.wecom_models import (
    BEHAVIOR_API,
    BEHAVIOR_FIELDS,
    GROUP_API,
    GROUP_BY_DAY_API,
    BehaviorDay,
    BehaviorRequest,
    GroupItem,
    GroupRequest,
    GroupStats,
    OwnerFilter,
    Reject,
    china_day,
)

INT = r"(?:0|[1-9][0-9]{0,17})"  # non-negative, fits 64 bits: larger or signed go per line
NUMBER = INT + r"(?:\.[0-9]+)?"  # no exponent: float() of it is what json.loads returns
STRING = r'"[^"\\\x00-\x1f]*"'  # no escape: its text is its value
USERID = r'"(?P<userid>[^"\\\x00-\x1f]*)"'
EPOCH = date(1970, 1, 1)
LAST_STAT_TIME = 4102444800  # 2100-01-01: later instants go per line, whatever they mean there


@dataclass
class Rows:
    """Rows by column (the frame is built once), with the line of each row."""

    columns: list[str]
    data: dict[str, list] = field(init=False)

    def __post_init__(self) -> None:
        self.data = {name: [] for name in self.columns}

    def add(self, line: int, row: dict) -> None:
        self.data["line"].append(line)
        for name in self.columns[1:]:
            self.data[name].append(row.get(name))

    def __len__(self) -> int:
        return len(self.data["line"])


# --- tier 1: the compact serialisation of a behaviour exchange, matched by a regex ----------


def _kind(info: FieldInfo) -> tuple[type, bool, float | None, float | None]:
    """(int or float, may be null, lower bound, upper bound) of a field, whatever its spelling
    (NonNegativeInt, Field(ge=0, le=100), NonNegativeFloat | None)."""
    nullable, base, bounds = False, info.annotation, list(info.metadata)
    for arg in typing.get_args(base) or (base,):
        if arg is type(None):
            nullable = True
        elif typing.get_origin(arg) is typing.Annotated:
            base, *extra = typing.get_args(arg)
            bounds += extra
        else:
            base = arg
    low = max((b.ge for b in bounds if isinstance(b, annotated_types.Ge)), default=None)
    high = min((b.le for b in bounds if isinstance(b, annotated_types.Le)), default=None)
    return base, nullable, low, high


DAY_FIELDS = {name: _kind(info) for name, info in BehaviorDay.model_fields.items()}
assert set(DAY_FIELDS) == {"stat_time", *BEHAVIOR_FIELDS}, "the regex tier knows these fields only"


def _member(key: str, name: str, info: FieldInfo) -> str:
    base, nullable, _, _ = DAY_FIELDS[name]
    value = INT if base is int else NUMBER
    value = f"(?P<{name}>{value}|null)" if nullable else f"(?P<{name}>{value})"
    return f'"{key}":{value}' if info.is_required() else f'(?:,"{key}":{value})?'


def _behavior_pattern(key: typing.Callable[[str], str], list_key: str) -> re.Pattern[str]:
    """A line `\\nexchange\\tN` (N its number) with one userid and one day, response keys
    spelled by `key`. Compact JSON only, as WeCom and Java layers write it: spaced JSON takes
    tier 2. The leading newline anchors the match at a line's start and, being a literal
    prefix, lets the regex engine skip to the next candidate line."""
    members = [_member(key(name), name, info) for name, info in BehaviorDay.model_fields.items()]
    item = members[0] + "".join(m if m.startswith("(?:,") else "," + m for m in members[1:])
    request = f'"userid":\\[{USERID}\\],"start_time":{INT},"end_time":{INT}'
    response = f'"errcode":0,"errmsg":{STRING},"{list_key}":\\[\\{{{item}\\}}\\]'
    return re.compile(
        f'\\n\\{{"api":"{BEHAVIOR_API}","request":\\{{{request}\\}},"response":\\{{{response}\\}}\\}}'
        f'\\t(?P<line>[0-9]+)(?=\\n)'
    )


# snake_case as WeCom sends it, or the response in camelCase as Java layers re-serialise it
# (the request stays as sent). Each spells only keys the per-line parser renames onto the
# declared fields, one spelling per field: a body mixing spellings matches neither.
BEHAVIOR_PATTERNS = [
    _behavior_pattern(lambda name: name, "behavior_data"),
    _behavior_pattern(to_camel, "behaviorList"),
]
GROUP_NAMES = sorted(BEHAVIOR_PATTERNS[0].groupindex, key=BEHAVIOR_PATTERNS[0].groupindex.get)


def match_behavior(numbered: list[tuple[int, str]], rows: Rows) -> list[tuple[int, str]]:
    """Add the rows of the lines tier 1 accepts to `rows`; the other lines, in order."""
    # One findall over the numbered lines, not a match per line (the calls cost more than the
    # matching). A match cannot span lines: no pattern admits a newline inside a line.
    found, rest = [], numbered
    for pattern in BEHAVIOR_PATTERNS:  # the camel pattern tries the lines left by the snake one
        found += pattern.findall("\n" + "\n".join([f"{line}\t{number}" for number, line in rest]) + "\n")
        taken = {int(groups[-1]) for groups in found}
        rest = [pair for pair in rest if pair[0] not in taken]
    if not found:
        return numbered
    groups = dict(zip(GROUP_NAMES, zip(*found), strict=True))
    values = {name: _column(groups[name], name) for name in DAY_FIELDS}
    values["line"] = np.array(groups["line"]).astype(np.int64)
    values["userid"] = np.array(groups["userid"], dtype=object)
    order = np.argsort(values["line"], kind="stable")  # the camel lines were found second
    ok = _within_bounds(values) & _is_china_midnight(values["stat_time"])
    values = {name: column[order[ok[order]]] for name, column in values.items()}
    no_chats = values["chat_cnt"] == 0  # reply figures are undefined without chats, never 0
    for name in ("reply_percentage", "avg_reply_time"):
        values[name][no_chats] = np.nan
    _add_columns(rows, values)
    taken = set(values["line"].tolist())
    return [pair for pair in numbered if pair[0] not in taken]


def _column(tokens: tuple[str, ...], name: str) -> np.ndarray:
    if DAY_FIELDS[name][0] is int:
        return np.array(tokens).astype(np.int64)
    # findall gives "" for an absent optional member
    return np.array([np.nan if t in ("", "null") else float(t) for t in tokens], dtype=float)


def _within_bounds(values: dict[str, np.ndarray]) -> np.ndarray:
    """The models' bounds (NaN, a null, passes: the model allows it on nullable fields)."""
    ok = np.ones(len(values["stat_time"]), dtype=bool)
    for name, (_, _, low, high) in DAY_FIELDS.items():
        if low is not None:
            ok &= ~(values[name] < low)
        if high is not None:
            ok &= ~(values[name] > high)
    return ok


def _is_china_midnight(stat_time: np.ndarray) -> np.ndarray:
    return (stat_time <= LAST_STAT_TIME) & ((stat_time + 8 * 3600) % 86400 == 0)


def _add_columns(rows: Rows, values: dict[str, np.ndarray]) -> None:
    """As Python objects, as the per-line parser's rows are: a null reply figure is None."""
    days = (values["stat_time"] + 8 * 3600) // 86400
    dates = {number: EPOCH + timedelta(days=number) for number in np.unique(days).tolist()}
    rows.data["line"] += values["line"].tolist()
    rows.data["staff_id"] += values["userid"].tolist()
    rows.data["day"] += [dates[number] for number in days.tolist()]
    for name in BEHAVIOR_FIELDS:
        column = values[name].tolist()
        if values[name].dtype.kind == "f":
            column = [None if value != value else value for value in column]
        rows.data[name] += column


# --- tier 2: strict twins of the models, validated from the JSON text -----------------------

STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class _Day(BehaviorDay):
    model_config = STRICT


class _BehaviorRequest(BehaviorRequest):
    model_config = STRICT


class _BehaviorResponse(BaseModel):
    model_config = STRICT
    errcode: Literal[0] = 0
    errmsg: Any = None
    behavior_data: list[_Day]


class _Stats(GroupStats):
    model_config = STRICT
    migrate_trainee_chat_cnt: Any = None  # schools only; ignored by the per-line parser too


class _OwnerFilter(OwnerFilter):
    model_config = STRICT


class _GroupRequest(GroupRequest):
    model_config = STRICT
    owner_filter: _OwnerFilter = _OwnerFilter()
    order_by: Any = None  # WeCom's paging and sorting keys, ignored
    order_asc: Any = None
    offset: Any = None
    limit: Any = None


class _GroupItem(GroupItem):
    model_config = STRICT
    data: _Stats


class _GroupResponse(BaseModel):
    model_config = STRICT
    errcode: Literal[0] = 0
    errmsg: Any = None
    total: Any = None
    next_offset: Any = None
    items: list[_GroupItem]


class _Exchange(BaseModel):
    # The envelope is read as logged, not renamed: other keys beside these are ignored.
    model_config = ConfigDict(strict=True, extra="ignore")
    api: str


class _BehaviorExchange(_Exchange):
    request: _BehaviorRequest
    response: _BehaviorResponse


class _GroupExchange(_Exchange):
    request: _GroupRequest
    response: _GroupResponse


def strict_rows(line: str, apis: set[str]) -> list[dict] | None:
    """The rows of a line its strict twin accepts; None sends the line to the per-line parser."""
    try:
        if BEHAVIOR_API in apis:
            exchange = _BehaviorExchange.model_validate_json(line)
            return _behavior_rows(exchange) if exchange.api == BEHAVIOR_API else None
        exchange = _GroupExchange.model_validate_json(line)
        return _group_rows(exchange) if exchange.api in apis else None
    except (ValidationError, Reject):
        return None


def _behavior_rows(exchange: _BehaviorExchange) -> list[dict] | None:
    asked = exchange.request
    if asked.partyid or len(asked.userid) != 1:
        return None
    rows = []
    for day in exchange.response.behavior_data:
        values = {name: getattr(day, name) for name in BEHAVIOR_FIELDS}
        if day.chat_cnt == 0:
            values["reply_percentage"] = values["avg_reply_time"] = None
        rows.append({"staff_id": asked.userid[0], "day": china_day(day.stat_time, column="stat_time"), **values})
    return rows


def _group_rows(exchange: _GroupExchange) -> list[dict] | None:
    api, asked = exchange.api, exchange.request
    owners = asked.owner_filter.userid_list
    if api == GROUP_BY_DAY_API and len(owners) != 1:
        return None
    days: dict[int, date] = {}
    rows = []
    for item in exchange.response.items:
        if api == GROUP_API:
            if not item.owner:
                return None
            staff_id, when = item.owner, asked.day_begin_time
        else:
            staff_id, when = owners[0], item.stat_time if item.stat_time is not None else asked.day_begin_time
        if when not in days:
            days[when] = china_day(when, column="stat_time")
        stats = item.data
        rows.append({"staff_id": staff_id, "day": days[when], **{n: getattr(stats, n) for n in GroupStats.model_fields}})
    return rows
