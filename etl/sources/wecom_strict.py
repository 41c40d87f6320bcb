"""Tier 2 of parse_exchanges: strict twins of the WeCom body models, validated from the JSON
text by pydantic-core (see etl.sources.wecom_fast for tier 1 and the contract of the tiers).

A twin declares nothing of its own: it is the model's fields, types and bounds, strict (no
coercion) and closed (no key but the fields and the few WeCom keys the model ignores), so that
what it accepts the per-line parser reads the same way. TypedDicts, not models: pydantic-core
builds a dict 3x faster than a model instance, and a group statistics line holds 1,000 items.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict  # pydantic needs it, not typing's, on 3.11

from etl.sources.wecom_models import (
    BEHAVIOR_API,
    BEHAVIOR_FIELDS,
    GROUP_API,
    BehaviorDay,
    BehaviorRequest,
    GroupItem,
    GroupRequest,
    GroupStats,
    OwnerFilter,
    Reject,
    china_day,
)

STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


def strict_twin(model: type[BaseModel], *, replace: dict[str, object] | None = None,
                ignored: tuple[str, ...] = ()) -> type:
    """A TypedDict of `model`'s fields, types and bounds (a field with a default may be
    absent), strict and closed: no coercion, and no key other than the fields and `ignored`
    (keys WeCom sends that the model ignores), so no camelCase key the per-line parser would
    rename onto a field."""
    fields: dict[str, object] = {}
    for name, info in model.model_fields.items():
        annotation = (replace or {}).get(name) or (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        fields[name] = annotation if info.is_required() else NotRequired[annotation]
    fields.update({name: NotRequired[Any] for name in ignored})
    twin = TypedDict(f"Strict{model.__name__}", fields)  # type: ignore[operator]
    twin.__pydantic_config__ = STRICT  # type: ignore[attr-defined]
    return twin


_Day = strict_twin(BehaviorDay)
_Stats = strict_twin(GroupStats, ignored=("migrate_trainee_chat_cnt",))  # schools only
_GroupRequest = strict_twin(
    GroupRequest, replace={"owner_filter": strict_twin(OwnerFilter)}, ignored=("order_by", "order_asc", "offset", "limit")
)


class _BehaviorResponse(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    errcode: NotRequired[Literal[0]]
    errmsg: NotRequired[Any]
    behavior_data: list[_Day]  # type: ignore[valid-type]


class _GroupResponse(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    errcode: NotRequired[Literal[0]]
    errmsg: NotRequired[Any]
    total: NotRequired[Any]
    next_offset: NotRequired[Any]
    items: list[strict_twin(GroupItem, replace={"data": _Stats})]  # type: ignore[valid-type]


class _BehaviorExchange(TypedDict):
    # The envelope is read as logged, not renamed: other keys beside these are ignored.
    __pydantic_config__ = ConfigDict(strict=True, extra="ignore")  # type: ignore[misc]
    api: str
    request: strict_twin(BehaviorRequest)  # type: ignore[valid-type]
    response: _BehaviorResponse


class _GroupExchange(TypedDict):
    __pydantic_config__ = ConfigDict(strict=True, extra="ignore")  # type: ignore[misc]
    api: str
    request: _GroupRequest  # type: ignore[valid-type]
    response: _GroupResponse


BEHAVIOR_EXCHANGE = TypeAdapter(_BehaviorExchange)
GROUP_EXCHANGE = TypeAdapter(_GroupExchange)


def strict_rows(line: str, apis: set[str]) -> dict[str, list] | None:
    """The rows (by column) of a line its strict twin accepts; None sends the line to the
    per-line parser."""
    try:
        if BEHAVIOR_API in apis:
            exchange = BEHAVIOR_EXCHANGE.validate_json(line)
            return _behavior_rows(exchange) if exchange["api"] == BEHAVIOR_API else None
        exchange = GROUP_EXCHANGE.validate_json(line)
        return _group_rows(exchange) if exchange["api"] in apis else None
    except (ValidationError, Reject):
        return None


def _behavior_rows(exchange: dict) -> dict[str, list] | None:
    asked, days = exchange["request"], exchange["response"]["behavior_data"]
    userid = asked.get("userid", [])
    if asked.get("partyid") or len(userid) != 1:
        return None
    columns = {name: [day.get(name) for day in days] for name in BEHAVIOR_FIELDS}  # absent: None
    for index, day in enumerate(days):
        if day["chat_cnt"] == 0:  # no chats: reply figures are undefined, never 0
            columns["reply_percentage"][index] = columns["avg_reply_time"][index] = None
    columns["staff_id"] = userid * len(days)
    columns["day"] = [china_day(day["stat_time"], column="stat_time") for day in days]
    return columns


def _group_rows(exchange: dict) -> dict[str, list] | None:
    api, asked, items = exchange["api"], exchange["request"], exchange["response"]["items"]
    owners = asked.get("owner_filter", {}).get("userid_list", [])
    begin = asked["day_begin_time"]
    if api == GROUP_API:
        staff = [item.get("owner") for item in items]
        if not all(staff):
            return None
        times = [begin] * len(items)
    else:
        if len(owners) != 1:
            return None
        staff = owners * len(items)
        times = [begin if item.get("stat_time") is None else item["stat_time"] for item in items]
    days = {when: china_day(when, column="stat_time") for when in set(times)}
    columns = {name: [item["data"][name] for item in items] for name in GroupStats.model_fields}
    return {"staff_id": staff, "day": [days[when] for when in times], **columns}
