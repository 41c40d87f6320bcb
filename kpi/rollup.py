"""Hierarchy rollups: staff-level components of one day → every org unit above them.

Pure: DataFrames in, DataFrames out. The org and the roster are histories (one row per
version, `valid_to` exclusive). A fact belongs to the outlet its staff member was in on the
fact's own day, so a transfer never moves history; an outlet merged away before that day is
replaced by the outlet that absorbed it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import numpy as np
import pandas as pd

from kpi.frames import member, positions

LEVELS = ["head_office", "province", "branch", "outlet"]
# Float sums are held to 1/FLOAT_SCALE, as the store's sums are (store/sums.py SCALE): the
# inputs carry at most 2 decimals, so this removes only the float noise of the order they
# were added in, and a day corrected by differences (corrected_behaviour) ends bit for bit
# where a whole rebuild of it would.
FLOAT_SCALE = 10_000.0
DIMENSIONS = ["department", "kind", "segment"]
ALL = "all"
ACTIVE_DAYS = 7  # "active in the last 7 days": a day and the 6 before it


def versions_on(history: pd.DataFrame, day: date) -> pd.DataFrame:
    """The versions valid on `day` (valid_from ≤ day < valid_to, NULL valid_to = open)."""
    valid_to = history["valid_to"]
    holds = (history["valid_from"] <= day) & (valid_to.isna() | (valid_to > day))
    return history[holds]


def survivors(org_history: pd.DataFrame, day: date) -> dict[str, str]:
    """Outlet code → the code that stands for it on `day` (itself, or who absorbed it)."""
    merged = org_history[org_history["merged_into"].notna() & (org_history["valid_to"] <= day)]
    mapping = dict(zip(merged["code"], merged["merged_into"], strict=True))
    resolved = {}
    for code in mapping:
        seen, target = {code}, mapping[code]
        while target in mapping and target not in seen:  # chains of merges; cycles stop
            seen.add(target)
            target = mapping[target]
        resolved[code] = target
    return resolved


def staff_on(staff_history: pd.DataFrame, org_history: pd.DataFrame, day: date) -> pd.DataFrame:
    """The roster on `day` with each member's outlet resolved through merges."""
    roster = versions_on(staff_history, day).copy()
    roster["outlet_code"] = roster["outlet_code"].replace(survivors(org_history, day))
    return roster.reset_index(drop=True)


def unit_chains(org_history: pd.DataFrame, day: date) -> pd.DataFrame:
    """One row per (outlet, unit above or equal to it) on `day`: outlet_code, unit_code,
    level, parent_code. Each unit is its version valid that day; a unit closed by then is its
    last version begun (where it stood when it closed: its late facts roll up there), and a
    unit not open yet its first."""
    units = org_history.sort_values("valid_from", kind="stable")
    valid_now = versions_on(org_history, day)
    others = units[~member(units["code"], valid_now["code"])]
    begun = (others["valid_from"] <= day).to_numpy()
    closed = others[begun].drop_duplicates("code", keep="last")
    units = pd.concat([valid_now, closed, others[~begun]]).drop_duplicates("code", keep="first")
    codes, levels, parents = (units[c].to_numpy(dtype=object) for c in ("code", "level", "parent_code"))
    # Each unit's parent as a row position (-1: none, or not in the org), looked up once: pandas'
    # isin and .loc on its Arrow strings cost ~2 s a national org (16K versions) this way round.
    parent_at = positions(units["code"], units["parent_code"])
    at = np.flatnonzero(levels == "outlet")
    outlet = codes[at]
    frames = []
    while len(at):
        frames.append(pd.DataFrame({"outlet_code": outlet, "unit_code": codes[at], "level": levels[at],
                                    "parent_code": parents[at]}))
        above = parent_at[at]
        known = above >= 0
        at, outlet = above[known], outlet[known]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["outlet_code", "unit_code", "level", "parent_code"]
    )


def behaviour_components(
    roster: pd.DataFrame, facts: pd.DataFrame, active_ids: Collection[str]
) -> pd.DataFrame:
    """Staff-level components of the behaviour grain for one day (docs/rollup.md)."""
    on_roster = roster[roster["wecom_status"] != 5]
    out = pd.DataFrame({"staff_id": on_roster["staff_id"].to_numpy()})
    out["staff_cnt"] = 1
    out["contact_enabled_cnt"] = on_roster["contact_enabled"].astype(int).to_numpy()
    out["wecom_active_cnt"] = (on_roster["wecom_status"] == 1).astype(int).to_numpy()
    # A lookup by factorize, not isin: Series.isin over pandas' Arrow strings with a large value
    # set costs ~2 s for a national roster (kpi.frames.positions).
    active = pd.unique(np.asarray(list(active_ids) if isinstance(active_ids, (set, frozenset)) else active_ids,
                                  dtype=object))
    out["active_7d_cnt"] = (positions(active, on_roster["staff_id"].to_numpy()) >= 0).astype(int)
    out["managed_customers"] = on_roster["managed_customers"].fillna(0).astype(int).to_numpy()
    facts = facts.copy()
    facts["reporting_staff_cnt"] = facts["chat_cnt"].notna().astype(int)
    for name in ("reply_percentage", "avg_reply_time"):
        present = facts[name].notna()
        weight = facts["chat_cnt"].fillna(0).where(present, 0)
        facts[f"{name}_num"] = (facts[name].fillna(0) * weight).astype(float)
        facts[f"{name}_den"] = weight.astype(np.int64)
    out = out.merge(facts.drop(columns=["reply_percentage", "avg_reply_time"]), on="staff_id", how="outer")
    return out.assign(department=ALL, kind=ALL, segment=ALL)


def roll_up(staff_components: pd.DataFrame, roster: pd.DataFrame, chains: pd.DataFrame) -> pd.DataFrame:
    """Sum staff-level components into every unit above each staff member's outlet.

    Staff missing from the roster that day are dropped (conform rejects them at load).
    Sums are taken on integer codes, first per outlet × dimensions, then per unit of each
    level from those outlet sums (np.bincount): string merges and group-bys over every staff
    row × every ancestor cost seconds a day on a large bank."""
    components = [c for c in staff_components.columns if c not in ("staff_id", "outlet_code", *DIMENSIONS)]
    # Codes, never Python strings per row: factorize works on pandas' Arrow strings directly.
    roster_outlet, outlets = pd.factorize(roster["outlet_code"])
    position = positions(roster["staff_id"], staff_components["staff_id"])
    outlet = np.where(position >= 0, roster_outlet[position], -1)
    outlets = np.asarray(outlets, dtype=object)
    dims, labels = _dimension_codes(staff_components)
    placed = outlet >= 0
    group, first = _groups(outlet[placed] * len(labels) + dims[placed])
    sums = [np.bincount(group, weights=_numbers(staff_components[c])[placed], minlength=len(first)) for c in components]
    group_outlet, group_dims = outlet[placed][first], dims[placed][first]
    levels = [_level_rows(chain, outlets, group_outlet, group_dims, dict(zip(components, sums)), labels)
              for _, chain in chains.groupby("level", sort=False)]
    columns = ["unit_code", "level", "parent_code", *DIMENSIONS, *components]
    if not levels:
        return pd.DataFrame({c: pd.Series(dtype=object if c in columns[:6] else float) for c in columns})
    out = pd.concat(levels, ignore_index=True)[columns]
    for name in components:  # sums are float64; counts back to integers (exact far beyond any bank)
        if not pd.api.types.is_float_dtype(staff_components[name]):
            out[name] = np.rint(out[name].to_numpy(dtype=float)).astype(np.int64)
        else:
            out[name] = held(out[name].to_numpy(dtype=float))
    return out.sort_values(["unit_code", *DIMENSIONS], kind="stable").reset_index(drop=True)


def held(values: np.ndarray) -> np.ndarray:
    """Float sums rounded to 1/FLOAT_SCALE (see FLOAT_SCALE)."""
    return np.rint(values * FLOAT_SCALE) / FLOAT_SCALE


ROW_KEY = ["unit_code", *DIMENSIONS]


def corrected_behaviour(stored: pd.DataFrame, *, before: pd.DataFrame, after: pd.DataFrame, roster: pd.DataFrame,
                        chains: pd.DataFrame, active_before: Collection[str], staff_ids: Collection[str]) -> pd.DataFrame:
    """A day's behaviour-grain rows (`stored`: unit_code, level, parent_code, DIMENSIONS and
    components) after the facts of `staff_ids` went from `before` to `after` (their staff-day
    rows, without day; a member without a row is absent): the stored rows plus the roll-up
    of those members' components after, minus before. `active_before`: those of them active
    on one of the 6 days before (their active_7d_cnt). Behaviour components are sums over
    staff, so this is the whole rebuild's result."""
    on_roster = roster[roster["staff_id"].isin(staff_ids)]

    def rolled(facts: pd.DataFrame) -> pd.DataFrame:
        active = set(active_before) | set(facts.loc[(facts["chat_cnt"].fillna(0) > 0)
                                                    | (facts["new_contact_cnt"].fillna(0) > 0), "staff_id"])
        components = behaviour_components(on_roster, facts, active)
        kept = [c for c in components.columns if c == "staff_id" or c in DIMENSIONS or c in stored.columns]
        return roll_up(components[kept], roster, chains).set_index(ROW_KEY)

    new, old = rolled(after), rolled(before)
    places = pd.concat([old[["level", "parent_code"]], new[["level", "parent_code"]]])
    places = places[~places.index.duplicated(keep="last")]
    values = [c for c in new.columns.union(old.columns) if c in stored.columns and c not in places.columns]
    delta = new[values].sub(old[values], fill_value=0).fillna(0)
    out = stored.set_index(ROW_KEY)
    out = out.reindex(out.index.union(delta.index))
    out[["level", "parent_code"]] = out[["level", "parent_code"]].fillna(places.reindex(out.index))
    numbers = [c for c in out.columns if c not in places.columns]
    out[numbers] = out[numbers].fillna(0)
    out[values] = out[values].add(delta.reindex(out.index, fill_value=0))
    for name in numbers:
        if pd.api.types.is_float_dtype(stored[name]):
            out[name] = held(out[name].to_numpy(dtype=float))
        else:
            out[name] = np.rint(out[name].to_numpy(dtype=float)).astype(np.int64)
    return out.reset_index()[stored.columns]


def _numbers(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype=float, na_value=0.0)


def _dimension_codes(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """One integer per row for its (department, kind, segment), and the labels of each code."""
    code = np.zeros(len(frame), dtype=np.int64)
    factorized = []
    for dimension in DIMENSIONS:
        codes, values = pd.factorize(frame[dimension])
        code = code * max(len(values), 1) + codes
        factorized.append((codes, np.asarray(values, dtype=object)))
    group, first = _groups(code)
    labels = pd.DataFrame({d: values[codes[first]] for d, (codes, values) in zip(DIMENSIONS, factorized)})
    return group, labels


def _groups(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense group numbers of `code` (in order of first appearance) and each group's first row."""
    group, distinct = pd.factorize(code)
    first = np.empty(len(distinct), dtype=np.int64)
    first[group[::-1]] = np.arange(len(code) - 1, -1, -1)
    return group, first


def _level_rows(chain: pd.DataFrame, outlets: np.ndarray, group_outlet: np.ndarray, group_dims: np.ndarray,
                sums: dict[str, np.ndarray], labels: pd.DataFrame) -> pd.DataFrame:
    """The outlet sums added up into the units of one level (chain: each outlet's unit there)."""
    up = chain.drop_duplicates("outlet_code").set_index("outlet_code").reindex(outlets)
    unit, units = pd.factorize(up["unit_code"].to_numpy(dtype=object))
    parents = up["parent_code"].to_numpy(dtype=object)
    at = unit[group_outlet]
    kept = at >= 0
    group, first = _groups(at[kept] * len(labels) + group_dims[kept])
    member = np.flatnonzero(kept)[first]
    out = labels.iloc[group_dims[member]].reset_index(drop=True)
    out.insert(0, "unit_code", np.asarray(units, dtype=object)[at[member]])
    out.insert(1, "level", chain["level"].iloc[0])
    out.insert(2, "parent_code", parents[group_outlet[member]])
    values = {name: np.bincount(group, weights=s[kept], minlength=len(first)) for name, s in sums.items()}
    return pd.concat([out, pd.DataFrame(values)], axis=1)


KEY = ["staff_id", "kind", "segment"]


def advance_live(live: pd.Series, added: pd.Series, removed: pd.Series) -> pd.Series:
    """Live relations at the end of a day from the previous day's and that day's events.

    A relation added and removed on the same day is not live at its end."""
    return _stacked({"live": live, "added": added, "removed": -removed}).sum(axis=1)


def _stacked(parts: dict[str, pd.Series]) -> pd.DataFrame:
    """The series of `parts` (each indexed by KEY) side by side per KEY over the keys of any,
    in KEY order, 0 where a key is not in a part. One group-by of the stacked rows: aligning
    MultiIndexes pair by pair (Series.add, concat(axis=1)) took twice as long for a national
    day's 500K relations."""
    frames = [part.rename(name).reset_index() for name, part in parts.items() if len(part)]
    columns = list(parts)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in columns},
                            index=pd.MultiIndex.from_tuples([], names=KEY))
    stacked = pd.concat(frames, ignore_index=True).reindex(columns=[*KEY, *columns])
    return stacked.groupby(KEY, sort=True)[columns].sum().astype(np.int64)


def customer_components(
    live: pd.Series, added: pd.Series, removed: pd.Series, first_chat: pd.Series
) -> pd.DataFrame:
    """Staff-level customer-grain components of one day; each series is indexed by KEY."""
    out = _stacked({
        "contacts_added": added,
        "contacts_removed": removed,
        "contacts_first_chat": first_chat,
        "contacts_live": live,
    })
    out = out[(out != 0).any(axis=1)]
    return out.reset_index().assign(department=ALL)


def conversion_components(conversions: pd.DataFrame) -> pd.DataFrame:
    """Staff-level conversion-grain components of one day from fact_conversion rows.

    Only deposit and wealth amounts mean money kept; card and account rows carry counts."""
    keys = ["staff_id", *DIMENSIONS]
    products = {
        "card_cnt": ("card", "count"),
        "account_cnt": ("account", "count"),
        "funded_cnt": ("deposit", "count"),
        "deposit_amount": ("deposit", "amount"),
        "wealth_cnt": ("wealth", "count"),
        "wealth_amount": ("wealth", "amount"),
    }
    if conversions.empty:
        return pd.DataFrame(columns=[*keys, *products])
    pivot = conversions.pivot_table(
        index=keys, columns="product", values=["count", "amount"], aggfunc="sum", fill_value=0
    )
    out = pd.DataFrame(index=pivot.index)
    for name, (product, measure) in products.items():
        out[name] = pivot[(measure, product)] if (measure, product) in pivot.columns else 0
    return out.reset_index()
