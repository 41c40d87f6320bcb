"""The WeCom directory (`department/list`, `user/list` exchanges in wecom_directory_*.jsonl).

The HR extracts are the org's and the roster's history of record; a directory pull is one
day's picture of WeCom. We check it against that history and quarantine what disagrees: a
WeCom department mapped to no org unit, a WeCom user not on the roster, a user WeCom shows
active whom the roster says has left (their customers are still reachable by them).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from etl.files import decode
from etl.sources.wecom import NotJson, Parsed, Reject, check_is_log, invalid_body, open_exchange

DEPARTMENT_API = "department/list"
USER_API = "user/list"


class Department(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    name: str
    parentid: int


class User(BaseModel):
    model_config = ConfigDict(extra="ignore")
    userid: str
    name: str
    department: list[int] = []
    status: int


def parse_directory(path: Path, *, day: date, org: pd.DataFrame, roster: pd.DataFrame) -> Parsed:
    """One row per department and user that matches the history; rejects for the rest."""
    dept_ids = set(org.loc[org["valid_from"] <= day, "wecom_dept_id"].dropna().astype(int))
    on_roster = roster[(roster["valid_from"] <= day) & (roster["valid_to"].isna() | (roster["valid_to"] > day))]
    status = dict(zip(on_roster["staff_id"], on_roster["wecom_status"], strict=True))
    rows, rejects, rows_in, not_json = [], [], 0, 0
    for number, line in enumerate(decode(path, path.read_bytes()).splitlines(), start=1):
        if not line.strip():
            continue
        rows_in += 1
        try:
            rows += [{"line": number, **r} for r in _exchange(line, dept_ids, status, rejects, number)]
        except Reject as problem:
            not_json += isinstance(problem, NotJson)
            rejects.append({"line": number, "column": problem.column, "reason": problem.reason, "raw": line[:2000]})
    check_is_log(path, rows_in=rows_in, not_json=not_json, rejects=rejects)
    return Parsed(rows=pd.DataFrame(rows), rejects=rejects, rows_in=rows_in)


def _exchange(line: str, dept_ids: set[int], status: dict, rejects: list[dict], number: int) -> list[dict]:
    api, _, response = open_exchange(line, {DEPARTMENT_API, USER_API})
    try:
        if api == DEPARTMENT_API:
            return _departments(response.get("department", []), dept_ids, rejects, number)
        return _users(response.get("userlist", []), status, rejects, number)
    except ValidationError as exc:
        raise invalid_body(exc)


def _departments(items: list, dept_ids: set[int], rejects: list[dict], number: int) -> list[dict]:
    out = []
    for item in map(Department.model_validate, items):
        if item.id != 1 and item.id not in dept_ids:  # 1 is WeCom's root, the bank itself
            rejects.append({"line": number, "column": "department.id", "raw": None,
                            "reason": f"WeCom department {item.id} ({item.name}) maps to no org unit"})
        else:
            out.append({"kind": "department", "key": str(item.id)})
    return out


def _users(items: list, status: dict, rejects: list[dict], number: int) -> list[dict]:
    out = []
    for user in map(User.model_validate, items):
        reason = None
        if user.userid not in status:
            reason = f"WeCom user {user.userid} ({user.name}) is not on the roster"
        elif user.status == 1 and status[user.userid] == 5:
            reason = f"WeCom user {user.userid} is active but the roster says they left"
        if reason:
            rejects.append({"line": number, "column": "userlist.userid", "reason": reason, "raw": None})
        else:
            out.append({"kind": "user", "key": user.userid})
    return out
