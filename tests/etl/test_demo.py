"""The demo bank generator: determinism, the file contract, WeCom quirks, planted defects,
and the funnel numbers the dashboards will be judged by.

One 31-day small bank is generated per session (about a second) and shared; a second
generation with the same seed must be byte-identical, and another seed must differ.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from etl.demo import generate

CHINA = timezone(timedelta(hours=8))
DAYS = 31
BEHAVIOR_API = "externalcontact/get_user_behavior_data"


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "bank"
    return out, generate(scale="small", out=out, seed=7, days=DAYS)


@pytest.fixture(scope="module")
def behavior(bank) -> list[tuple[str, int, dict]]:
    """Every behaviour exchange of the shared bank, parsed once."""
    return _exchanges(bank[0], "wecom_behavior_*.jsonl")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _exchanges(folder: Path, pattern: str) -> list[tuple[str, int, dict]]:
    found = []
    for path in sorted(folder.glob(pattern)):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found.append((path.name, number, json.loads(line)))
    return found


def _behavior_items(exchange: dict) -> list[dict]:
    response = exchange["response"]
    return response.get("behavior_data", response.get("behaviorList", []))


def _csvs(folder: Path, pattern: str) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob(pattern))]
    return pd.concat(frames, ignore_index=True)


def test_same_seed_gives_identical_bytes(bank, tmp_path: Path) -> None:
    out, _ = bank
    again = tmp_path / "again"
    generate(scale="small", out=again, seed=7, days=DAYS)
    assert _digests(again) == _digests(out)


def test_another_seed_gives_another_bank(bank, tmp_path: Path) -> None:
    out, _ = bank
    other = tmp_path / "other"
    generate(scale="small", out=other, seed=8, days=DAYS)
    mine, theirs = _digests(out), _digests(other)
    differing = [name for name in mine if theirs.get(name) != mine[name]]
    assert len(differing) > 0.9 * len(mine)


def test_the_expected_files_are_written(bank) -> None:
    out, manifest = bank
    names = {p.name for p in out.iterdir()}
    assert {"org_units_20261031.csv", "staff_roster_20261031.csv", "wecom_directory_20261031.jsonl",
            "targets_2026Q4.xlsx", "targets_2026-10.xlsx", "tasks_202610.xlsx",
            "demo_manifest.json"} <= names
    for kind in ("contacts", "conversions", "interceptions"):
        assert manifest["counts"][kind]["files"] == DAYS
    assert manifest["start"] == "2026-10-01" and manifest["end"] == "2026-10-31"
    assert json.loads((out / "demo_manifest.json").read_text(encoding="utf-8")) == manifest


def test_encodings_follow_the_contract(bank) -> None:
    out, _ = bank
    org = (out / "org_units_20261031.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        org.decode("utf-8")
    assert "广东省分行" in org.decode("gb18030")
    roster = (out / "staff_roster_20261031.csv").read_bytes()
    assert roster.startswith(b"\xef\xbb\xbf")
    roster.decode("utf-8")
    for path in out.glob("contacts_*.csv"):
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        path.read_bytes().decode("utf-8")
    header = roster.decode("utf-8-sig").splitlines()[0]
    assert header == ("staff_id,name,outlet_code,role,wecom_status,contact_enabled,managed_customers,"
                      "valid_from,valid_to")


def test_every_exchange_is_complete_and_behaviour_is_realistic(bank, behavior) -> None:
    out, _ = bank
    seen_whole = seen_decimal = camel = 0
    others = _exchanges(out, "wecom_groupchat_*.jsonl") + _exchanges(out, "wecom_directory_*.jsonl")
    for _, _, exchange in behavior + others:
        assert set(exchange) == {"api", "request", "response"}
        if exchange["api"] != BEHAVIOR_API:
            assert "migrate_trainee_chat_cnt" not in json.dumps(exchange)
            continue
        camel += "behaviorList" in exchange["response"]
        for item in _behavior_items(exchange):
            chats = item.get("chat_cnt", item.get("chatCnt"))
            reply = item.get("reply_percentage", item.get("replyPercentage"))
            minutes = item.get("avg_reply_time", item.get("avgReplyTime"))
            stat = item.get("stat_time", item.get("statTime"))
            assert (reply is None) == (chats == 0) and (minutes is None) == (chats == 0)
            assert datetime.fromtimestamp(stat, tz=CHINA).time().isoformat() == "00:00:00"
            assert item.get("message_cnt", item.get("messageCnt")) >= chats
            if reply is not None:
                assert isinstance(minutes, int) and 0 <= reply <= 100
                seen_whole += isinstance(reply, int)
                seen_decimal += isinstance(reply, float)
    assert seen_whole > 100 and seen_decimal > 100 and camel > 100


def test_early_zero_pulls_are_followed_by_the_real_values(bank, behavior) -> None:
    _, manifest = bank
    latest: dict[tuple[str, int], bool] = {}
    replaced = 0
    for _, _, exchange in behavior:
        if exchange["response"].get("errcode") != 0 or len(exchange["request"]["userid"]) != 1:
            continue
        for item in _behavior_items(exchange):
            stat = item.get("stat_time", item.get("statTime"))
            nonzero = any(v for k, v in item.items() if k not in ("stat_time", "statTime"))
            key = (exchange["request"]["userid"][0], stat)
            replaced += key in latest and not latest[key] and nonzero
            latest[key] = nonzero
    assert manifest["quirks"]["early_zero_pulls"] > 0
    assert replaced > 0.2 * manifest["quirks"]["early_zero_pulls"]


def test_group_snapshots_and_paging(bank) -> None:
    out, _ = bank
    pages = [e for _, _, e in _exchanges(out, "wecom_groupchat_*.jsonl")
             if e["api"] == "externalcontact/groupchat/statistic"]
    assert any(p["response"]["next_offset"] < p["response"]["total"] for p in pages)
    for page in pages:
        assert page["request"]["limit"] == 1000 and len(page["response"]["items"]) <= 1000
        for item in page["response"]["items"]:
            data = item["data"]
            assert data["chat_has_msg"] <= data["chat_total"] and data["member_has_msg"] <= data["member_total"]
            assert data["member_total"] <= 500 * data["chat_total"]


def test_bad_records_are_where_the_manifest_says(bank) -> None:
    out, manifest = bank
    bad = manifest["bad_records"]
    assert 5 <= len(bad) <= 15
    for record in bad:
        lines = (out / record["file"]).read_text(encoding="utf-8-sig").splitlines()
        line = lines[record["line"] - 1]
        if record["file"].endswith(".jsonl"):
            exchange = json.loads(line)
            if record["column"] == "errcode":
                assert exchange["response"]["errcode"] == int(record["value"])
            else:
                assert ",".join(exchange["request"]["userid"]) == record["value"]
        else:
            header = next(csv.reader(io.StringIO(lines[0])))
            row = next(csv.reader(io.StringIO(line)))
            assert row[header.index(record["column"])] == record["value"]
        assert record["reason"]


def test_contacts_agree_with_behaviour_and_stay_small(bank, behavior) -> None:
    out, manifest = bank
    contacts = _csvs(out, "contacts_*.csv")
    assert len(contacts) < 1_000_000 * DAYS / 120
    added = contacts[contacts["added_on"] != ""].drop_duplicates(["customer_key", "staff_id"])
    later = contacts[contacts["first_chat_on"] != ""]
    assert (later["first_chat_on"] >= later["added_on"]).all()
    assert added["segment"].value_counts().index[0] == "long_tail"
    assert set(added["kind"]) >= {"incremental", "stock"}
    assert (contacts["removed_on"] != "").any()
    new_total = sum(item.get("new_contact_cnt", item.get("newContactCnt", 0))
                    for _, _, e in behavior
                    if e["response"].get("errcode") == 0 and len(e["request"]["userid"]) == 1
                    for item in _behavior_items(e))  # early zero pulls add nothing
    bad = sum(r["file"].startswith("contacts_") for r in manifest["bad_records"])
    assert abs(len(added) - bad - new_total) <= 0.01 * new_total


def test_funnel_lands_near_the_case_studies(bank) -> None:
    out, _ = bank
    first = (date(2026, 10, 31) - timedelta(days=29)).isoformat()
    conversions = _csvs(out, "conversions_*.csv")
    conversions = conversions[conversions["day"].str.match(r"^\d{4}-\d{2}-\d{2}$")]
    conversions = conversions[(conversions["day"] >= first) & ~conversions["count"].str.startswith("-")]
    counts = conversions.assign(n=conversions["count"].astype(int)).groupby("product")["n"].sum()
    contacts = _csvs(out, "contacts_*.csv")
    incremental = contacts[(contacts["added_on"] >= first) & (contacts["kind"] == "incremental")]
    incremental = incremental.drop_duplicates(["customer_key", "staff_id"])
    joiners = sum(item["data"]["new_member_cnt"]
                  for _, _, e in _exchanges(out, "wecom_groupchat_*.jsonl")
                  if e["api"] == "externalcontact/groupchat/statistic"
                  and datetime.fromtimestamp(e["request"]["day_begin_time"], tz=CHINA).date().isoformat() >= first
                  for item in e["response"]["items"])
    assert 0.17 <= counts["card"] / joiners <= 0.23
    assert 0.45 <= counts["account"] / len(incremental) <= 0.55
    assert 0.26 <= counts["deposit"] / len(incremental) <= 0.34
    deposits = conversions[conversions["product"] == "deposit"]
    assert (deposits["amount"].astype(float) >= 10_000 * deposits["count"].astype(int)).all()


def test_the_merge_is_in_org_and_roster_history(bank) -> None:
    out, manifest = bank
    merge = manifest["merge"]
    org = pd.read_csv(out / "org_units_20261031.csv", dtype=str, keep_default_na=False, encoding="gb18030")
    versions = org[org["code"] == merge["outlet"]]
    assert versions.iloc[-1]["valid_to"] == merge["day"]
    assert versions.iloc[-1]["merged_into"] == merge["survivor"]
    roster = pd.read_csv(out / "staff_roster_20261031.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    assert merge["staff"]
    moved = roster[roster["staff_id"].isin(merge["staff"]) & (roster["valid_from"] == merge["day"])]
    assert set(moved["staff_id"]) == set(merge["staff"]) and set(moved["outlet_code"]) == {merge["survivor"]}
    for transfer in manifest["transfers"]:
        rows = roster[(roster["staff_id"] == transfer["staff_id"]) & (roster["valid_from"] == transfer["day"])]
        assert list(rows["outlet_code"]) == [transfer["to"]]


def test_rollout_waves_and_adoption_curves(bank) -> None:
    out, manifest = bank
    waves = {r["wave"] for r in manifest["rollout"]}
    assert 3 <= len(waves) <= 4 and any(r["lagging"] for r in manifest["rollout"])
    roster = pd.read_csv(out / "staff_roster_20261031.csv", dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    current = roster[(roster["valid_to"] == "") & (roster["wecom_status"] != "5")]
    active = current.assign(province=current["staff_id"].str[:2]).groupby("province")["wecom_status"]
    share = active.apply(lambda s: (s == "1").mean())
    lagging = [r["province"] for r in manifest["rollout"] if r["lagging"]]
    assert share[lagging].max() < share.drop(lagging).min()


def test_targets_plant_a_gap_and_an_overlap(bank) -> None:
    out, manifest = bank
    targets = pd.read_excel(out / "targets_2026Q4.xlsx", dtype={"value": "int64"})
    gap = manifest["targets"]["gaps"][0]
    cells = targets[(targets["kpi"] == gap["kpi"]) & (targets["department"] == gap["department"])]
    head = cells[cells["unit_code"] == "HO"]["value"].sum()
    provinces = cells[cells["unit_code"] != "HO"]["value"].sum()
    assert head - provinces == gap["head_office_minus_provinces"] > 0
    shared = targets[(targets["segment"] == "mass_affluent") & (targets["kind"] == "incremental")]
    assert set(shared["department"]) == {"online", "retail"}
    assert set(targets["kpi"]) == {"new_contact_cnt", "account_cnt", "funded_cnt", "card_cnt",
                                   "deposit_amount", "wealth_amount"}
