"""Bank extracts: the columns of every file and the rules a row must pass.

The column lists are the contract documented in docs/sources.md. Rules that need no other
data live here; rules against the org or the roster (does this outlet exist on that day?)
live in etl/conform.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.files import read_table
from etl.sources.wecom import Parsed
from etl.validate import (
    DEPARTMENTS,
    KINDS,
    LEVELS,
    PRODUCTS,
    ROLES,
    SEGMENTS,
    WECOM_STATUSES,
    Field,
    reject_where,
    validate,
)

SPECS: dict[str, list[Field]] = {
    "org_units": [
        Field("code", "code"),
        Field("name", "text"),
        Field("name_en", "text", required=False),
        Field("level", "enum", values=LEVELS),
        Field("parent_code", "code", required=False),
        Field("wecom_dept_id", "int", required=False, maximum=2**32 - 1),  # WeCom ids are uint32
        Field("valid_from", "date"),
        Field("valid_to", "date", required=False),
        Field("merged_into", "code", required=False),
    ],
    "staff_roster": [
        Field("staff_id", "code"),
        Field("name", "text"),
        Field("outlet_code", "code"),
        Field("role", "enum", values=ROLES),
        Field("wecom_status", "enum", values=WECOM_STATUSES),
        Field("contact_enabled", "bool01"),
        Field("managed_customers", "int"),
        Field("valid_from", "date"),
        Field("valid_to", "date", required=False),
    ],
    "contacts": [
        Field("customer_key", "code"),
        Field("staff_id", "code"),
        Field("added_on", "date"),
        Field("removed_on", "date", required=False),
        Field("first_chat_on", "date", required=False),
        Field("segment", "enum", values=SEGMENTS),
        Field("kind", "enum", values=KINDS),
    ],
    "conversions": [
        Field("day", "date"),
        Field("staff_id", "code"),
        Field("department", "enum", values=DEPARTMENTS),
        Field("kind", "enum", values=KINDS),
        Field("segment", "enum", values=SEGMENTS),
        Field("product", "enum", values=PRODUCTS),
        Field("count", "int"),
        Field("amount", "money"),
    ],
    "tasks": [
        Field("day", "date"),
        Field("staff_id", "code"),
        Field("tasks_assigned", "int"),
        Field("tasks_done", "int"),
    ],
    "interceptions": [
        Field("day", "date"),
        Field("staff_id", "code"),
        Field("intercepted_msgs", "int"),
    ],
}


def parse_extract(path: Path, source: str) -> Parsed:
    fields = SPECS[source]
    frame = read_table(path, columns=[spec.name for spec in fields])
    validated = validate(frame, fields)
    rows = validated.rows
    if source in ("org_units", "staff_roster"):
        # As datetimes: a column of dates and Nones is inferred as datetime64 only until pandas 4.
        ends_early = pd.to_datetime(rows["valid_to"]) <= pd.to_datetime(rows["valid_from"])  # NaT: False
        reject_where(
            validated,
            ends_early,
            column="valid_to",
            reasons=pd.Series("valid_to is not after valid_from", index=rows.index),
        )
    if source == "contacts":
        rows = validated.rows
        for later in ("removed_on", "first_chat_on"):
            before = pd.to_datetime(rows[later]) < pd.to_datetime(rows["added_on"])
            reject_where(
                validated,
                before,
                column=later,
                reasons=pd.Series(f"{later} is before added_on", index=rows.index),
            )
            rows = validated.rows
    if source == "tasks":
        rows = validated.rows
        reject_where(
            validated,
            rows["tasks_done"] > rows["tasks_assigned"],
            column="tasks_done",
            reasons=pd.Series("tasks_done exceeds tasks_assigned", index=rows.index),
        )
    return Parsed(rows=validated.rows, rejects=validated.rejects, rows_in=len(frame))
