"""What a WeCom exchange body is: the pydantic models and the constants of the endpoints.

Shared by the per-line parser (etl.sources.wecom) and its fast path (etl.sources.wecom_fast),
so that both accept exactly the bodies declared here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt

from store.schema import WECOM_BEHAVIOUR_COUNTS, WECOM_GROUP_STATS

CHINA = timezone(timedelta(hours=8))
BEHAVIOR_API = "externalcontact/get_user_behavior_data"
GROUP_API = "externalcontact/groupchat/statistic"
GROUP_BY_DAY_API = "externalcontact/groupchat/statistic_group_by_day"
BEHAVIOR_FIELDS = [*WECOM_BEHAVIOUR_COUNTS, "reply_percentage", "avg_reply_time"]
GROUP_FIELDS = WECOM_GROUP_STATS
# Keys whose camelCase spelling is not a mechanical conversion.
KEY_ALIASES = {"behavior_list": "behavior_data", "behavior_data_list": "behavior_data"}


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class BehaviorDay(_Body):
    stat_time: int
    chat_cnt: NonNegativeInt
    message_cnt: NonNegativeInt
    reply_percentage: float | None = Field(default=None, ge=0, le=100)  # a percentage
    avg_reply_time: NonNegativeFloat | None = None
    negative_feedback_cnt: NonNegativeInt
    new_apply_cnt: NonNegativeInt
    new_contact_cnt: NonNegativeInt


class BehaviorRequest(_Body):
    userid: list[str] = []
    partyid: list[int] = []
    start_time: int
    end_time: int


class GroupStats(_Body):
    new_chat_cnt: NonNegativeInt
    chat_total: NonNegativeInt
    chat_has_msg: NonNegativeInt
    new_member_cnt: NonNegativeInt
    member_total: NonNegativeInt
    member_has_msg: NonNegativeInt
    msg_total: NonNegativeInt


class OwnerFilter(_Body):
    userid_list: list[str] = []


class GroupRequest(_Body):
    day_begin_time: int
    day_end_time: int | None = None
    owner_filter: OwnerFilter = OwnerFilter()


class GroupItem(_Body):
    owner: str | None = None
    stat_time: int | None = None
    data: GroupStats


@dataclass
class Parsed:
    rows: pd.DataFrame
    rejects: list[dict] = field(default_factory=list)
    rows_in: int = 0


class Reject(Exception):
    def __init__(self, reason: str, column: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column


class NotJson(Reject):
    """A line that is no JSON object: one is a bad exchange, all of them a file that is no log."""


def china_day(seconds: int, *, column: str) -> date:
    try:
        moment = datetime.fromtimestamp(seconds, tz=CHINA)
    except (OverflowError, OSError, ValueError):  # beyond what the platform's time functions take
        raise Reject(f"{column} {seconds} is out of range", column)
    if (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        raise Reject(f"{column} {seconds} is not 00:00 China time", column)
    return moment.date()


