"""A tiny bank in the real file formats, small enough to check numbers by hand.

HO → GD (province) → GD01 (branch) → outlets GD01001 and GD01002.
GD01002 merges into GD01001 on 2026-09-03; its staff member GD01002001 transfers that day.
Days: 2026-09-01 .. 2026-09-03.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

CHINA = timezone(timedelta(hours=8))
DAYS = [date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3)]

ORG = """code,name,name_en,level,parent_code,wecom_dept_id,valid_from,valid_to,merged_into
HO,总行,Head Office,head_office,,1,2026-01-01,,
GD,广东省分行,Guangdong Branch,province,HO,2,2026-01-01,,
GD01,广州分行,Guangzhou Branch,branch,GD,3,2026-01-01,,
GD01001,天河支行,Tianhe Sub-branch,outlet,GD01,4,2026-01-01,,
GD01002,越秀支行,Yuexiu Sub-branch,outlet,GD01,5,2026-01-01,2026-09-03,GD01001
"""

ROSTER = """staff_id,name,outlet_code,role,wecom_status,contact_enabled,managed_customers,valid_from,valid_to
GD01001001,李明,GD01001,customer_manager,1,1,400,2026-01-01,
GD01001002,王芳,GD01001,teller,4,0,0,2026-01-01,
GD01002001,张伟,GD01002,customer_manager,1,1,300,2026-01-01,2026-09-03
GD01002001,张伟,GD01001,customer_manager,1,1,300,2026-09-03,
"""


def stat_time(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=CHINA).timestamp())


def behaviour_exchange(staff_id: str, day: date, chats: int, contacts: int, **extra: object) -> dict:
    data: dict[str, object] = {
        "stat_time": stat_time(day),
        "chat_cnt": chats,
        "message_cnt": chats * 3,
        "negative_feedback_cnt": 0,
        "new_apply_cnt": contacts + 1,
        "new_contact_cnt": contacts,
    }
    if chats:
        data.update(reply_percentage=50.5, avg_reply_time=4)
    data.update(extra)
    return {
        "api": "externalcontact/get_user_behavior_data",
        "request": {"userid": [staff_id], "start_time": stat_time(day), "end_time": stat_time(day)},
        "response": {"errcode": 0, "errmsg": "ok", "behavior_data": [data]},
    }


def group_exchange(day: date, owners: dict[str, tuple[int, int]]) -> dict:
    items = [
        {
            "owner": owner,
            "data": {
                "new_chat_cnt": 0,
                "chat_total": total,
                "chat_has_msg": has_msg,
                "new_member_cnt": 5,
                "member_total": 100,
                "member_has_msg": 20,
                "msg_total": 30,
            },
        }
        for owner, (total, has_msg) in owners.items()
    ]
    return {
        "api": "externalcontact/groupchat/statistic",
        "request": {"day_begin_time": stat_time(day), "owner_filter": {"userid_list": list(owners)}},
        "response": {"errcode": 0, "errmsg": "ok", "total": len(items), "next_offset": len(items), "items": items},
    }


def write_jsonl(path: Path, exchanges: list[dict]) -> None:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in exchanges), encoding="utf-8")


def write_tiny_bank(inbox: Path) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "org_units_20260903.csv").write_bytes(ORG.encode("gb18030"))
    (inbox / "staff_roster_20260903.csv").write_bytes(b"\xef\xbb\xbf" + ROSTER.encode("utf-8"))
    for offset, day in enumerate(DAYS):
        stamp = day.strftime("%Y%m%d")
        write_jsonl(
            inbox / f"wecom_behavior_{stamp}.jsonl",
            [
                behaviour_exchange("GD01001001", day, chats=10 + offset, contacts=5),
                behaviour_exchange("GD01002001", day, chats=0, contacts=2),
            ],
        )
        write_jsonl(
            inbox / f"wecom_groupchat_{stamp}.jsonl",
            [group_exchange(day, {"GD01001001": (3, 2), "GD01002001": (1, 1)})],
        )
        (inbox / f"conversions_{stamp}.csv").write_text(
            "day,staff_id,department,kind,segment,product,count,amount\n"
            f"{day},GD01001001,online,incremental,long_tail,account,2,0\n"
            f"{day},GD01002001,retail,stock,wealth,deposit,1,50000.00\n",
            encoding="utf-8",
        )
        (inbox / f"contacts_{stamp}.csv").write_text(
            "customer_key,staff_id,added_on,removed_on,first_chat_on,segment,kind\n"
            f"c{offset}a,GD01001001,{day},,,long_tail,incremental\n"
            f"c{offset}b,GD01002001,{day},,{day},wealth,stock\n",
            encoding="utf-8",
        )
    return inbox


# Names a hostile or careless source could deliver: markup, SQL, spreadsheet formulas, quotes.
HOSTILE_UNITS = {
    "GD": ('=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)*cmd|' /C calc'!A0"),
    "GD01": ("广州'; DROP TABLE org_unit; --", 'Robert"); DROP TABLE staff;--'),
    "GD01001": ('<script>alert("x")</script>天河', "<img src=x onerror=alert(1)>"),
}
HOSTILE_STAFF = {"GD01001001": "**李明** [link](http://e)", "GD01001002": '+86 "王"芳'}


def write_hostile_bank(inbox: Path) -> Path:
    """The tiny bank with hostile org and staff names, quoted as a real CSV writer would."""
    import io

    import pandas as pd

    write_tiny_bank(inbox)
    org = pd.read_csv(io.StringIO(ORG), dtype=str, keep_default_na=False)
    for code, (name, name_en) in HOSTILE_UNITS.items():
        org.loc[org["code"] == code, ["name", "name_en"]] = [name, name_en]
    (inbox / "org_units_20260903.csv").write_bytes(org.to_csv(index=False).encode("gb18030"))
    roster = pd.read_csv(io.StringIO(ROSTER), dtype=str, keep_default_na=False)
    for staff_id, name in HOSTILE_STAFF.items():
        roster.loc[roster["staff_id"] == staff_id, "name"] = name
    (inbox / "staff_roster_20260903.csv").write_bytes(b"\xef\xbb\xbf" + roster.to_csv(index=False).encode("utf-8"))
    return inbox
