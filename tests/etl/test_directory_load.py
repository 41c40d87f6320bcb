"""The WeCom directory is checked against the org and the roster, never silently trusted."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from etl.load import load_paths
from store.read import rejects
from tiny_bank import write_jsonl


def test_directory_disagreements_are_quarantined_with_their_reasons(engine: sa.Engine, tiny_bank: Path) -> None:
    write_jsonl(tiny_bank / "wecom_directory_20260903.jsonl", [
        {"api": "department/list", "request": {}, "response": {"errcode": 0, "errmsg": "ok", "department": [
            {"id": 1, "name": "某银行", "parentid": 0}, {"id": 4, "name": "天河支行", "parentid": 3},
            {"id": 99, "name": "不存在的支行", "parentid": 3}]}},
        {"api": "user/list", "request": {"department_id": 4}, "response": {"errcode": 0, "errmsg": "ok", "userlist": [
            {"userid": "GD01001001", "name": "李明", "department": [4], "status": 1},
            {"userid": "GHOST001", "name": "某人", "department": [4], "status": 1}]}},
        {"api": "user/list", "request": {"department_id": 5}, "response": {"errcode": 60011, "errmsg": "no privilege"}},
    ])
    summary = load_paths(engine, [tiny_bank])
    result = next(r for r in summary.results if r.source == "wecom_directory")
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == ("ok", 3, 3, 3)
    reasons = set(rejects(engine).query("source == 'wecom_directory'")["reason"])
    assert reasons == {
        "WeCom department 99 (不存在的支行) maps to no org unit",
        "WeCom user GHOST001 (某人) is not on the roster",
        "WeCom errcode 60011: no privilege",
    }
