"""Bad bank extracts, loaded on top of the tiny bank: a bad file fails whole with one message,
a bad row is quarantined with its line, column and reason while the rest of the file loads,
except in an org or roster history, which fails whole beyond 1% of bad rows (it replaces its
table). How each case is checked: tests/etl/corpus.py."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from corpus import Case, Extract, Sheet, bad_row, bad_version, cell, run_case
from store.schema import fact_contact, fact_staff_day
from tiny_bank import ORG, ROSTER

CONVERSIONS = Extract(
    "conversions_20260902.csv",
    ["day", "staff_id", "department", "kind", "segment", "product", "count", "amount"],
    {"day": "2026-09-02", "staff_id": "GD01001001", "department": "online", "kind": "incremental",
     "segment": "long_tail", "product": "card", "count": "1", "amount": "0"},
    other={"product": "account", "count": "2"},
)
CONTACTS = Extract(
    "contacts_20260902.csv",
    ["customer_key", "staff_id", "added_on", "removed_on", "first_chat_on", "segment", "kind"],
    {"customer_key": "k-good", "staff_id": "GD01001001", "added_on": "2026-09-02", "removed_on": "",
     "first_chat_on": "", "segment": "mass_affluent", "kind": "stock"},
    other={"customer_key": "k-second"},
)
INTERCEPTIONS = Extract(
    "interceptions_20260902.csv",
    ["day", "staff_id", "intercepted_msgs"],
    {"day": "2026-09-02", "staff_id": "GD01001001", "intercepted_msgs": "3"},
    other={"staff_id": "GD01001002"},
)
TARGETS = Extract(
    "targets_2026Q4.csv",
    ["period", "unit_code", "department", "kpi", "kind", "segment", "value"],
    {"period": "2026Q4", "unit_code": "GD", "department": "online", "kpi": "account_cnt", "kind": "incremental",
     "segment": "long_tail", "value": "100"},
    other={"unit_code": "GD01"},
)
NEW_OUTLET = {"code": "GD01003", "name": "黄埔支行", "name_en": "Huangpu Sub-branch", "level": "outlet",
              "parent_code": "GD01", "wecom_dept_id": "6", "valid_from": "2026-09-01", "valid_to": "",
              "merged_into": ""}
NEW_STAFF = {"staff_id": "GD01001003", "name": "陈静", "outlet_code": "GD01001", "role": "teller",
             "wecom_status": "1", "contact_enabled": "1", "managed_customers": "0",
             "valid_from": "2026-09-01", "valid_to": ""}
TASKS_HEADER = ("day", "staff_id", "tasks_assigned", "tasks_done")
SEP_2 = datetime(2026, 9, 2)  # an Excel date cell
ORG_FILE, ROSTER_FILE, TASKS_FILE = "org_units_20260904.csv", "staff_roster_20260904.csv", "tasks_202609.xlsx"


def org_version(id: str, reason: str, **changes: str) -> Case:
    return bad_version(ORG, ORG_FILE, NEW_OUTLET, id, reason, **changes)


def staff_version(id: str, reason: str, **changes: str) -> Case:
    return bad_version(ROSTER, ROSTER_FILE, NEW_STAFF, id, reason, **changes)


def conversion(id: str, reason: str, **changes: str) -> Case:
    return bad_row(CONVERSIONS, id, reason, **changes)


def tasks_loaded(engine: sa.Engine) -> None:
    where = {"staff_id": "GD01001001", "day": date(2026, 9, 2)}
    assert [cell(engine, fact_staff_day, c, **where) for c in ("tasks_assigned", "tasks_done")] == [5, 3]


def bom_contacts_loaded(engine: sa.Engine) -> None:
    assert cell(engine, fact_contact, "segment", customer_key="k-good", staff_id="GD01001001") == "mass_affluent"


KEPT = "a full history replaces the table, so the file was not loaded and the current history is kept"
GOOD_CONVERSION = CONVERSIONS.text(CONVERSIONS.good)
BAD_CONVERSION_LINE = CONVERSIONS.text(CONVERSIONS.second(count="x")).split("\n", 1)[1]
ORPHANS = ORG + "GD02,湖南省分行,Hunan,province,XX,7,2026-09-01,,\nGD02001,长沙支行,Changsha,outlet,GD02,8,2026-09-01,,\n"
LARGE_ROSTER = ROSTER + "".join(f"GD01001{n},新员工,GD01001,teller,1,1,0,2026-09-01,\n" for n in range(100, 200))
ROSTER_AT_UNKNOWN_OUTLETS = ROSTER.replace(",GD01001,", ",GD01009,").replace(",GD01002,", ",GD01009,")

FILE_ERRORS = [
    Case("missing-columns", CONVERSIONS.name, "day,staff_id,department,kind,segment,product\n",
         cause="missing column(s): count, amount"),
    Case("semicolon-delimited", CONVERSIONS.name, GOOD_CONVERSION.replace(",", ";"),
         cause="missing column(s): day, staff_id"),
    Case("duplicate-column", CONVERSIONS.name,
         GOOD_CONVERSION.replace("amount\n", "amount,count\n").replace(",0\n", ",0,7\n"),
         cause="column(s) repeated in the header: count"),
    Case("empty-file", CONVERSIONS.name, "", cause="is empty"),
    Case("latin-1-bytes", CONTACTS.name, CONTACTS.text(CONTACTS.second(customer_key="José")).encode("latin-1"),
         cause="cannot decode"),
    Case("binary", INTERCEPTIONS.name, bytes(range(256)) * 8, cause="cannot decode"),
    Case("bom-then-invalid-utf-8", CONVERSIONS.name, b"\xef\xbb\xbf" + GOOD_CONVERSION.encode() + b"\xe9\n",
         cause="cannot decode"),
    # A stray comma shifts every later value of its row: the file cannot be trusted to be read right.
    Case("row-with-an-extra-field", CONVERSIONS.name,
         GOOD_CONVERSION + "2026-09-02,GD01001001,online,stock,wealth,wealth,1,200,000.00\n",
         cause="line 3 has 9 fields, the header has 8"),
    Case("trailing-comma-on-every-row", CONVERSIONS.name, GOOD_CONVERSION.replace("0\n", "0,\n"),
         cause="line 2 has 9 fields, the header has 8"),
    Case("short-row", ROSTER_FILE, ROSTER + "GD01001003,陈静,GD01001,teller,1,1,0,2026-09-01\n",
         cause="line 6 has 8 fields, the header has 9"),
    Case("workbook-that-is-a-csv", TASKS_FILE, ",".join(TASKS_HEADER) + "\n2026-09-02,GD01001001,5,3\n",
         cause="not a readable Excel workbook"),
    Case("workbook-missing-a-column", TASKS_FILE, Sheet((TASKS_HEADER[:3], (SEP_2, "GD01001001", 5))),
         cause="missing column(s): tasks_done"),
    # A full history replaces its table: an empty one, or one with bad rows, would erase history.
    Case("org-header-only", ORG_FILE, ORG.splitlines()[0] + "\n",
         cause="has no rows: a full history cannot be empty, so the current history is kept"),
    Case("org-every-row-invalid", ORG_FILE, ORG.replace("2026-01-01", "2026/01/01"),
         cause=f"5 of 5 rows rejected (first: valid_from '2026/01/01' is not a date (YYYY-MM-DD)); {KEPT}",
         rejects=tuple((line, "valid_from", "is not a date") for line in range(2, 7))),
    Case("roster-every-outlet-unknown", ROSTER_FILE, ROSTER_AT_UNKNOWN_OUTLETS,
         cause="4 of 4 rows rejected (first: outlet GD01009 is not in the org)",
         rejects=tuple((line, "outlet_code", "outlet GD01009 is not in the org") for line in range(2, 6))),
    # Without the head office every unit is an orphan, level by level: nothing may hang in the air.
    Case("org-without-head-office", ORG_FILE, ORG.replace(ORG.splitlines()[1] + "\n", ""),
         cause="4 of 4 rows rejected (first: parent HO is not in the org)",
         rejects=((2, "parent_code", "parent HO"), (3, "parent_code", "parent GD "), (4, "parent_code", "parent GD01 "),
                  (5, "parent_code", "parent GD01 "))),
    # An orphan's children are orphans too, whatever the order of the rows.
    Case("orphan-chain", ORG_FILE, ORPHANS, cause="2 of 7 rows rejected (first: parent XX is not in the org)",
         rejects=((7, "parent_code", "parent XX"), (8, "parent_code", "parent GD02"))),
]

POSITIVE_CONTROLS = [
    Case("header-only-conversions", CONVERSIONS.name, CONVERSIONS.text()),
    Case("header-only-contacts", CONTACTS.name, CONTACTS.text()),
    Case("header-only-tasks-workbook", TASKS_FILE, Sheet((TASKS_HEADER,))),
    Case("gb18030-roster", ROSTER_FILE, ROSTER.encode("gb18030"), loaded=4, same=True),
    Case("utf-8-bom-contacts", CONTACTS.name, b"\xef\xbb\xbf" + CONTACTS.text(CONTACTS.good).encode(), loaded=1,
         check=bom_contacts_loaded),
    Case("typed-excel-cells", TASKS_FILE, Sheet((TASKS_HEADER, (SEP_2, "GD01001001", 5, 3))), loaded=1,
         check=tasks_loaded),
    # The transferred manager is on the roster on the merge day (at the survivor): not a reject.
    Case("staff-of-the-merged-outlet-on-the-merge-day", CONVERSIONS.name,
         CONVERSIONS.text(CONVERSIONS.good, CONVERSIONS.second(staff_id="GD01002001", day="2026-09-03")), loaded=2),
]

BAD_ROWS = [
    conversion("date-with-slashes", "day '2026/09/02' is not a date (YYYY-MM-DD)", day="2026/09/02"),
    conversion("date-month-13", "day '2026-13-02' is not a date", day="2026-13-02"),
    conversion("date-without-dashes", "day '20260902' is not a date", day="20260902"),
    conversion("count-not-a-number", "count 'abc' is not a whole number", count="abc"),
    conversion("count-negative", "count -1 is below 0", count="-1"),
    conversion("count-fractional", "count '1.5' is not a whole number", count="1.5"),
    conversion("count-infinite", "count 'inf' is not a whole number", count="inf"),
    conversion("count-too-large", "count 3000000000 is above 2147483647", count="3000000000"),
    conversion("amount-with-thousands-separator", "amount '1,000.00' is not a number", amount='"1,000.00"'),
    conversion("department-in-chinese", "department '网络金融部' is not one of online, retail", department="网络金融部"),
    conversion("kind-unknown", "kind 'new' is not one of incremental, stock", kind="new"),
    conversion("segment-unknown", "segment 'vip' is not one of", segment="vip"),
    conversion("product-unknown", "product 'loan' is not one of", product="loan"),
    conversion("staff-empty", "staff_id is empty", staff_id=""),
    conversion("staff-unknown", "staff GD09009009 is not on the roster", staff_id="GD09009009"),
    conversion("staff-before-first-version", "staff GD01002001 is not on the roster on 2025-12-31",
               column="staff_id", day="2025-12-31", staff_id="GD01002001"),
    # Both rows of a duplicated key: which one is right is not ours to guess.
    Case("duplicate-keys", CONVERSIONS.name,
         CONVERSIONS.text(CONVERSIONS.good, CONVERSIONS.second(), CONVERSIONS.second(count="5")),
         rejects=((3, "product", "duplicate"), (4, "product", "duplicate")), loaded=1),
    Case("blank-line-before-the-bad-row", CONVERSIONS.name, GOOD_CONVERSION + "\n" + BAD_CONVERSION_LINE,
         rejects=((4, "count", "count 'x'"),), loaded=1),
    # Only a bad row: the day it names must not be cleared for it.
    Case("only-a-bad-row", CONVERSIONS.name, CONVERSIONS.text(CONVERSIONS.second(count="-3")),
         rejects=((2, "count", "count -3 is below 0"),)),
    bad_row(CONTACTS, "removed-before-added", "removed_on is before added_on", removed_on="2026-09-01"),
    bad_row(CONTACTS, "first-chat-before-added", "first_chat_on is before added_on", first_chat_on="2026-09-01"),
    bad_row(CONTACTS, "contact-added-before-hire", "staff GD01001001 is not on the roster on 2025-12-01",
            column="staff_id", added_on="2025-12-01"),
    bad_row(INTERCEPTIONS, "interceptions-negative", "intercepted_msgs -2 is below 0", intercepted_msgs="-2"),
    Case("tasks-done-above-assigned", TASKS_FILE,
         Sheet((TASKS_HEADER, (SEP_2, "GD01001001", 5, 3), (SEP_2, "GD01001002", 2, 4))),
         rejects=((3, "tasks_done", "tasks_done exceeds tasks_assigned"),), loaded=1, check=tasks_loaded),
    # A blank sheet row is skipped, not a reject, and the rows below keep their real numbers.
    Case("workbook-blank-row-before-the-bad-row", TASKS_FILE,
         Sheet((TASKS_HEADER, (SEP_2, "GD01001001", 5, 3), (), (SEP_2, "GD01001002", 2, 4))),
         rejects=((4, "tasks_done", "tasks_done exceeds tasks_assigned"),), loaded=1, check=tasks_loaded),
    bad_row(TARGETS, "target-period-unknown", "period '2026Q5' is not a month", period="2026Q5"),
    bad_row(TARGETS, "target-value-not-a-number", "value 'lots' is not a number", value="lots"),
    # Within the writers' 1% limit a bad version is quarantined and the rest of the history loads.
    Case("one-bad-version-in-a-large-roster", ROSTER_FILE,
         LARGE_ROSTER + "GD01001200,新员工,GD01009,teller,1,1,0,2026-09-01,\n", loaded=104,
         rejects=((106, "outlet_code", "outlet GD01009 is not in the org"),)),
]

# One bad version added to a tiny full history: the file fails, the history is kept, the reject is on record.
BAD_VERSIONS = [
    staff_version("role-in-chinese", "role '客户经理' is not one of", role="客户经理"),
    staff_version("wecom-status-3", "wecom_status '3' is not one of 1, 2, 4, 5", wecom_status="3"),
    staff_version("contact-enabled-yes", "contact_enabled 'yes' is not one of 0, 1", contact_enabled="yes"),
    staff_version("staff-valid-from-empty", "valid_from is empty", valid_from=""),
    staff_version("staff-ends-before-it-starts", "valid_to is not after valid_from", valid_to="2026-08-01"),
    staff_version("outlet-unknown", "outlet GD01009 is not in the org", outlet_code="GD01009"),
    org_version("level-unknown", "level 'sub_branch' is not one of", level="sub_branch"),
    org_version("parent-unknown", "parent GD09 is not in the org", parent_code="GD09"),
    org_version("org-valid-to-equals-valid-from", "valid_to is not after valid_from", valid_to="2026-09-01"),
    org_version("merged-into-unknown", "merged_into GD01009 is not in the org", merged_into="GD01009",
                valid_to="2026-09-05"),
]

CASES = FILE_ERRORS + POSITIVE_CONTROLS + BAD_ROWS + BAD_VERSIONS
# Where the backend matters: types and limits (Excel cells, INTEGER), NULLs, transactions.
ON_POSTGRES = {"missing-columns", "org-every-row-invalid", "gb18030-roster", "typed-excel-cells", "count-too-large",
               "duplicate-keys", "only-a-bad-row", "orphan-chain"}


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    ids = {case.id for case in CASES}
    assert len(CASES) >= 30 and len(ids) == len(CASES) and ON_POSTGRES <= ids


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_bad_extract_on_sqlite(case: Case, banked_sqlite: sa.Engine, tmp_path: Path) -> None:
    run_case(banked_sqlite, case, tmp_path)


@pytest.mark.postgres
@pytest.mark.parametrize("case", [case.param() for case in CASES if case.id in ON_POSTGRES])
def test_bad_extract_on_postgres(case: Case, banked_pg: sa.Engine, tmp_path: Path) -> None:
    run_case(banked_pg, case, tmp_path)
