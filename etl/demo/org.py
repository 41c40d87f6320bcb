"""The demo bank's organisation: HO -> provinces -> branches -> outlets, and its history.

Codes follow docs/sources.md: HO, GD, GD01, GD01003. WeCom department ids are assigned in
depth-first order from 2 (id 1 is the WeCom root, which stands for the head office), so
`org_units.wecom_dept_id` and `department/list` agree.

One outlet merges into another outlet of its branch in the middle of the period, and one
outlet is renamed: both are SCD type 2 versions in the org history (same code, new row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .names import MUNICIPALITIES, PROVINCES, STREET_STEMS, STREET_SUFFIXES, Province
from .timeline import ORG_SINCE, Period, Scale, iso, largest_remainder

ORG_HEADER = "code,name,name_en,level,parent_code,wecom_dept_id,valid_from,valid_to,merged_into"


@dataclass
class Org:
    """Units as parallel lists/arrays (index = position in depth-first order)."""

    provinces: list[Province]
    province_dept: list[int]
    branch_code: list[str]
    branch_name: list[str]
    branch_name_en: list[str]
    branch_province: np.ndarray
    branch_dept: list[int]
    outlet_code: list[str]
    outlet_name: list[str]
    outlet_name_en: list[str]
    outlet_branch: np.ndarray
    outlet_province: np.ndarray
    outlet_dept: np.ndarray
    # The reorganisation (filled by plan_reorg).
    merged: int = -1
    survivor: int = -1
    merge_day: int = 0
    renamed: int = -1
    rename_day: int = 0
    new_name: str = ""
    new_name_en: str = ""

    @property
    def n_outlets(self) -> int:
        return len(self.outlet_code)


def _outlet_names(city: tuple[str, str], count: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Names for the outlets of one branch: the branch's business department, then streets."""
    zh, en = city
    names = [(f"{zh}分行营业部", f"{en} Branch Business Department")]
    combos = [(s, x) for s in STREET_STEMS for x in STREET_SUFFIXES]
    for k in rng.permutation(len(combos))[: max(count - 1, 0)]:
        (stem, stem_en), (suffix, suffix_en) = combos[int(k)]
        names.append((f"{zh}{stem}{suffix}支行", f"{en} {stem_en} {suffix_en} Sub-branch"))
    for extra in range(len(names), count):  # only for very large branches
        names.append((f"{zh}第{extra}支行", f"{en} No.{extra} Sub-branch"))
    return names[:count]


def build_org(scale: Scale, rng: np.random.Generator) -> Org:
    """The hierarchy: the first `scale.provinces` provinces, outlets spread by size."""
    provinces = list(PROVINCES[: scale.provinces])
    per_province = largest_remainder(scale.outlets, np.array([p.weight for p in provinces]), minimum=2)
    dept = 2
    org = Org(provinces, [], [], [], [], np.zeros(0, int), [], [], [], [], np.zeros(0, int),
              np.zeros(0, int), np.zeros(0, int))
    b_prov: list[int] = []
    o_branch: list[int] = []
    o_prov: list[int] = []
    o_dept: list[int] = []
    for p_idx, (prov, n_out) in enumerate(zip(provinces, per_province, strict=True)):
        org.province_dept.append(dept)
        dept += 1
        n_branch = int(min(len(prov.cities), max(2, round(np.sqrt(n_out) / 1.3))))
        sizes = largest_remainder(int(n_out), 1.0 / np.sqrt(np.arange(1, n_branch + 1)), minimum=1)
        muni = MUNICIPALITIES.get(prov.code)
        for b_idx, (city, size) in enumerate(zip(prov.cities, sizes)):
            zh, en = city
            if muni:  # a municipality's second level is a district
                zh, en = f"{muni[0]}{zh}", f"{muni[1]} {en}"
            org.branch_code.append(f"{prov.code}{b_idx + 1:02d}")
            org.branch_name.append(f"{zh}分行")
            org.branch_name_en.append(f"{en} Branch")
            org.branch_dept.append(dept)
            dept += 1
            b_prov.append(p_idx)
            for o_idx, (name, name_en) in enumerate(_outlet_names((zh, en), int(size), rng)):
                org.outlet_code.append(f"{org.branch_code[-1]}{o_idx + 1:03d}")
                org.outlet_name.append(name)
                org.outlet_name_en.append(name_en)
                o_branch.append(len(org.branch_code) - 1)
                o_prov.append(p_idx)
                o_dept.append(dept)
                dept += 1
    org.branch_province = np.array(b_prov)
    org.outlet_branch = np.array(o_branch)
    org.outlet_province = np.array(o_prov)
    org.outlet_dept = np.array(o_dept)
    return org


def plan_reorg(org: Org, period: Period, rng: np.random.Generator, avoid_province: int) -> None:
    """Pick the merge (mid-period, within one branch) and one rename, away from a laggard."""
    counts = np.bincount(org.outlet_branch, minlength=len(org.branch_code))
    ok = (counts >= 3) & (org.branch_province != avoid_province)
    branch = int(rng.choice(np.flatnonzero(ok if ok.any() else counts >= 2)))
    members = np.flatnonzero(org.outlet_branch == branch)
    merged, survivor = rng.choice(members[1:], 2, replace=False) if len(members) > 2 else members[::-1]
    org.merged, org.survivor = int(merged), int(survivor)
    org.merge_day = period.start + period.days // 2
    street = np.array([not name.endswith("营业部") for name in org.outlet_name])
    street[[org.merged, org.survivor]] = False
    org.renamed = int(rng.choice(np.flatnonzero(street)))
    org.rename_day = period.start + period.days // 3
    org.new_name = org.outlet_name[org.renamed][:-2] + "社区支行"  # 'xx路支行' -> 'xx路社区支行'
    org.new_name_en = org.outlet_name_en[org.renamed].replace(" Sub-branch", " Community Sub-branch")


def outlet_name_on(org: Org, outlet: int, day: int) -> tuple[str, str]:
    """The outlet's (name, name_en) valid on `day` (the rename is the only name change)."""
    if outlet == org.renamed and day >= org.rename_day:
        return org.new_name, org.new_name_en
    return org.outlet_name[outlet], org.outlet_name_en[outlet]


def org_history_lines(org: Org) -> list[str]:
    """Every version of every unit (SCD type 2), HO first, then depth-first by code."""
    since = iso(ORG_SINCE)
    lines = [f"HO,总行,Head Office,head_office,,1,{since},,"]
    o = 0
    for p_idx, prov in enumerate(org.provinces):
        lines.append(f"{prov.code},{prov.name},{prov.name_en},province,HO,{org.province_dept[p_idx]},{since},,")
        for b in np.flatnonzero(org.branch_province == p_idx):
            code = org.branch_code[b]
            lines.append(f"{code},{org.branch_name[b]},{org.branch_name_en[b]},branch,{prov.code},"
                         f"{org.branch_dept[b]},{since},,")
            while o < org.n_outlets and org.outlet_branch[o] == b:
                lines.extend(_outlet_versions(org, o, code, since))
                o += 1
    return lines


def _outlet_versions(org: Org, o: int, parent: str, since: str) -> list[str]:
    head = f"{org.outlet_code[o]},"
    dept = int(org.outlet_dept[o])
    name, name_en = org.outlet_name[o], org.outlet_name_en[o]
    if o == org.merged:
        survivor = org.outlet_code[org.survivor]
        return [f"{head}{name},{name_en},outlet,{parent},{dept},{since},{iso(org.merge_day)},{survivor}"]
    if o == org.renamed:
        day = iso(org.rename_day)
        return [f"{head}{name},{name_en},outlet,{parent},{dept},{since},{day},",
                f"{head}{org.new_name},{org.new_name_en},outlet,{parent},{dept},{day},,"]
    return [f"{head}{name},{name_en},outlet,{parent},{dept},{since},,"]


def departments_at_end(org: Org, end: int) -> list[dict]:
    """`department/list` items for the units that still exist at the end of the period."""
    items = [{"id": 1, "name": "总行", "name_en": "Head Office", "parentid": 0, "order": 100000000}]
    for p_idx, prov in enumerate(org.provinces):
        items.append({"id": org.province_dept[p_idx], "name": prov.name, "name_en": prov.name_en,
                      "parentid": 1, "order": 100 * (p_idx + 1)})
    for b, code in enumerate(org.branch_code):
        items.append({"id": org.branch_dept[b], "name": org.branch_name[b], "name_en": org.branch_name_en[b],
                      "parentid": org.province_dept[int(org.branch_province[b])], "order": 100 * (b + 1)})
    for o in range(org.n_outlets):
        if o == org.merged and org.merge_day <= end:
            continue
        name, name_en = outlet_name_on(org, o, end)
        items.append({"id": int(org.outlet_dept[o]), "name": name, "name_en": name_en,
                      "parentid": org.branch_dept[int(org.outlet_branch[o])], "order": 100 * (o + 1)})
    return items
