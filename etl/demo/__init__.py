"""The demo bank: a whole bank's worth of source files, deterministic for a seed.

`generate(scale=..., out=...)` writes every file of docs/sources.md for a period of `days`
days ending on `end`, and returns (and writes as demo_manifest.json) a manifest describing
what was planted: the rollout waves, the merge, the transfers, the target gap and overlap,
and every deliberately bad record with its file, line and the reason a loader should give.

Determinism: one numpy PCG64 seed, split into independent streams per component (so that a
change in, say, the targets does not shift the activity data); stable orderings everywhere;
no wall clock and no machine timezone. Same seed, same bytes.

Customer keys: `customer_key` is sha256(SALT + customer number)[:32] (hex); see
etl/demo/contacts.py for the salt.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .activity import Activity, draw_traits
from .bad import Defects, roster_defect
from .contacts import ContactBook
from .daily import DailyWriter
from .extracts import Tally, write_csv, write_jsonl, write_xlsx
from .org import ORG_HEADER, Org, build_org, departments_at_end, org_history_lines, plan_reorg
from .roster import (ROSTER_HEADER, Rollout, Staff, build_staff, directory_users, plan_rollout,
                     roster_lines, transfers)
from .targets import TARGET_HEADER, ownership, periods, plan_rows, target_rows
from .timeline import CM, NEVER, NORMAL, SCALES, Period, compact, iso
from .wecom import BehaviorWriter, ByDayWriter, directory_lines

__all__ = ["generate", "SCALES"]
STREAMS = ("org", "staff", "traits", "activity", "contacts", "sales", "wecom", "defects")


def generate(*, scale: str, out: Path, seed: int = 7, days: int | None = None,
             end: date = date(2026, 10, 31), progress: bool = False) -> dict:
    """Write the demo bank's source files into `out`; return the manifest."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    size = SCALES[scale]
    period = Period.ending(end, days if days is not None else size.days)
    if period.days < 1:
        raise ValueError("days must be at least 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = dict(zip(STREAMS, (np.random.Generator(np.random.PCG64(s))
                             for s in np.random.SeedSequence(seed).spawn(len(STREAMS))), strict=True))

    org = build_org(size, rng["org"])
    rollout = plan_rollout(len(org.provinces), period, rng["org"])
    plan_reorg(org, period, rng["org"], avoid_province=int(np.flatnonzero(rollout.lagging)[0]))
    staff = build_staff(org, rollout, period, size.staff, rng["staff"])
    traits = draw_traits(staff, rollout, rng["traits"])
    activity = Activity(staff, traits, period, rng["activity"])
    staff_ids = staff.staff_id.tolist()
    tracked = _tracked_owners(staff)
    defects = Defects(period, rng["defects"])
    tally = Tally()
    behavior = BehaviorWriter(rng["wecom"], period.end)
    writer = DailyWriter(out, staff_ids, staff.province, activity,
                         ContactBook(staff, traits, period.end, rng["contacts"]), behavior,
                         ByDayWriter(tracked), defects, rng["sales"], tally)
    for day in tqdm(range(period.start, period.end + 1), disable=not progress, unit="day",
                    desc=f"demo {scale}"):
        writer.run(day, last=day == period.end)

    _write_dimensions(out, org, staff, period, defects, tally)
    target_info = _write_targets(out, org, staff, end, rollout, tally, period)
    manifest = _manifest(scale, seed, period, org, staff, rollout, tally, defects, behavior, tracked,
                         target_info, staff_ids)
    (out / "demo_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    return manifest


def _tracked_owners(staff: Staff) -> list[int]:
    """Four ordinary customer managers enabled earliest: their groups are also pulled by day."""
    ok = np.flatnonzero((staff.role == CM) & (staff.persona == NORMAL) & (staff.enable_day < NEVER))
    return sorted(ok[np.argsort(staff.enable_day[ok], kind="stable")[:4]].tolist())


def _write_dimensions(out: Path, org: Org, staff: Staff, period: Period, defects: Defects,
                      tally: Tally) -> None:
    stamp = compact(period.end)
    name = f"org_units_{stamp}.csv"
    lines = org_history_lines(org)
    tally.add("org_units", len(lines), write_csv(out / name, ORG_HEADER, lines, "gb18030"))
    name = f"staff_roster_{stamp}.csv"
    lines = roster_defect(defects, name, roster_lines(staff, org), org.branch_code[0])
    tally.add("staff_roster", len(lines), write_csv(out / name, ROSTER_HEADER, lines, "utf-8-sig"))
    lines = directory_lines(departments_at_end(org, period.end), directory_users(staff, org, period.end))
    tally.add("wecom_directory", len(lines), write_jsonl(out / f"wecom_directory_{stamp}.jsonl", lines))


def _write_targets(out: Path, org: Org, staff: Staff, end: date, rollout: Rollout, tally: Tally,
                   period: Period) -> dict:
    quarter, month, months = periods(end)
    gap_province = int(np.flatnonzero(~rollout.lagging)[-1])
    info: dict = {"files": [], "ownership": ownership()}
    for label, span in ((quarter, months), (month, 1)):
        rows, gap = target_rows(org, staff, label, span, gap_province)
        name = f"targets_{label}.xlsx"
        tally.add("targets", len(rows), write_xlsx(out / name, "targets", TARGET_HEADER, rows))
        info["files"].append(name)
        info.setdefault("gaps", []).append({"file": name, **gap})
    rows = plan_rows(org, rollout, period)
    name = "targets_rollout-plan.xlsx"
    tally.add("targets", len(rows), write_xlsx(out / name, "targets", TARGET_HEADER, rows))
    info["files"].append(name)
    return info


def _manifest(scale: str, seed: int, period: Period, org: Org, staff: Staff, rollout: Rollout,
              tally: Tally, defects: Defects, behavior: BehaviorWriter, tracked: list[int],
              targets: dict, staff_ids: list[str]) -> dict:
    merged = np.flatnonzero((staff.outlet0 == org.merged) & (staff.xfer_day == org.merge_day))
    return {
        "scale": scale,
        "seed": seed,
        "start": iso(period.start),
        "end": iso(period.end),
        "days": period.days,
        "programme_start": iso(period.programme_start),
        "counts": {kind: tally.kinds[kind] for kind in sorted(tally.kinds)},
        "units": {"provinces": len(org.provinces), "branches": len(org.branch_code),
                  "outlets": org.n_outlets, "staff": len(staff)},
        "rollout": [{"province": p.code, "name_en": p.name_en, "wave": int(rollout.wave[k]) + 1,
                     "go_live": iso(int(rollout.wave_day[k])), "lagging": bool(rollout.lagging[k])}
                    for k, p in enumerate(org.provinces)],
        "merge": {"outlet": org.outlet_code[org.merged], "survivor": org.outlet_code[org.survivor],
                  "day": iso(org.merge_day), "staff": [staff_ids[i] for i in merged.tolist()]},
        "rename": {"outlet": org.outlet_code[org.renamed], "day": iso(org.rename_day),
                   "old_name": org.outlet_name[org.renamed], "new_name": org.new_name},
        "transfers": transfers(staff, org),
        "targets": targets,
        "quirks": {"early_zero_pulls": behavior.stats.early_zero,
                   "real_values_in_next_file": behavior.stats.deferred_to_next_file,
                   "camel_case_exchanges": behavior.stats.camel,
                   "group_by_day_owners": [staff_ids[i] for i in tracked]},
        "bad_records": sorted(defects.records, key=lambda r: (r["file"], r["line"])),
    }
