"""Per-staff metrics over a period, for drill-down to staff and the workload page.

Pure: the frames of store.staff_reads.subtree_staff in, one row per staff member out. Each
fact is placed by the roster version valid on its own day; flows are summed over the period,
snapshots are taken on the period's last day with data (never summed), and ratios are ratios
of sums.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

FLOWS = ["chat_cnt", "message_cnt", "new_contact_cnt", "new_apply_cnt", "negative_feedback_cnt",
         "new_chat_cnt", "new_member_cnt", "msg_total", "tasks_assigned", "tasks_done", "intercepted_msgs"]
SNAPSHOTS = ["chat_total", "chat_has_msg", "member_total", "member_has_msg"]
SALES = {"card": "card_cnt", "account": "account_cnt", "deposit": "funded_cnt", "wealth": "wealth_cnt"}


def place(rows: pd.DataFrame, roster: pd.DataFrame, *, day_column: str = "day") -> pd.DataFrame:
    """Each row with the outlet of the roster version valid on its day (rows without one
    are dropped: conform rejects them at load, so none exist in a consistent store)."""
    pairs = rows.reset_index().merge(roster[["staff_id", "outlet_code", "valid_from", "valid_to"]], on="staff_id")
    holds = (pairs["valid_from"] <= pairs[day_column]) & (pairs["valid_to"].isna() | (pairs["valid_to"] > pairs[day_column]))
    return pairs[holds].drop(columns=["valid_from", "valid_to"]).set_index("index")


def staff_metrics(bundle: dict[str, pd.DataFrame], *, start: date, end: date) -> pd.DataFrame:
    """One row per staff member who was in the subtree at some point of [start, end]."""
    roster, outlets = bundle["roster"], set(bundle["outlets"]["outlet_code"])
    facts = place(bundle["facts"], roster)
    facts = facts[facts["outlet_code"].isin(outlets)]
    out = _latest_versions(roster, end)
    out = out[out["outlet_code"].isin(outlets)]
    if not facts.empty:
        out = out.merge(_behaviour(facts), on="staff_id", how="left")
    sales = place(bundle["conversions"], roster)
    sales = sales[sales["outlet_code"].isin(outlets)]
    out = out.merge(_sales(sales), on="staff_id", how="left")
    live = bundle["contacts_live"].pivot_table(index="staff_id", columns="kind", values="contacts_live", aggfunc="sum", fill_value=0)
    out = out.merge(live.add_prefix("contacts_live_").reset_index(), on="staff_id", how="left")
    numbers = [c for c in out.columns if c not in ("staff_id", "name", "outlet_code", "role", "valid_from", "valid_to")]
    out[numbers] = out[numbers].apply(pd.to_numeric, errors="coerce")
    counts = [c for c in out.columns
              if c in [*FLOWS, *SNAPSHOTS, *SALES.values(), "deposit_amount", "wealth_amount"] or c.startswith("contacts_live_")]
    out[counts] = out[counts].fillna(0)
    out["contacts_live"] = out.filter(like="contacts_live_").sum(axis=1)
    out["reply_percentage"] = _ratio(out.get("reply_percentage_num"), out.get("reply_percentage_den"))
    out["avg_reply_time"] = _ratio(out.get("avg_reply_time_num"), out.get("avg_reply_time_den"))
    return out.drop(columns=[c for c in out.columns if c.endswith(("_num", "_den"))] + ["valid_from", "valid_to"])


def _latest_versions(roster: pd.DataFrame, end: date) -> pd.DataFrame:
    """Each staff member's version on `end`, or the last one before it (left or moved out)."""
    begun = roster[roster["valid_from"] <= end].sort_values(["staff_id", "valid_from"])
    return begun.drop_duplicates("staff_id", keep="last").reset_index(drop=True)


def _behaviour(facts: pd.DataFrame) -> pd.DataFrame:
    facts = facts.copy()
    for name in ("reply_percentage", "avg_reply_time"):
        weight = facts["chat_cnt"].fillna(0).where(facts[name].notna(), 0)
        facts[f"{name}_num"], facts[f"{name}_den"] = facts[name].fillna(0) * weight, weight
    facts["days_reported"] = facts["chat_cnt"].notna().astype(int)
    facts["active_days"] = ((facts["chat_cnt"].fillna(0) > 0) | (facts["new_contact_cnt"].fillna(0) > 0)).astype(int)
    sums = facts.groupby("staff_id")[[*FLOWS, "days_reported", "active_days", *[c for c in facts if c.endswith(("_num", "_den"))]]].sum(min_count=1)
    # Snapshots are the values on the period's last day with data, for everyone: a member
    # who left or moved out before it holds nothing here then (their groups count elsewhere).
    at_end = facts[facts["day"] == facts["day"].max()].groupby("staff_id")[SNAPSHOTS].sum(min_count=1)
    return sums.join(at_end).reset_index()


def _sales(sales: pd.DataFrame) -> pd.DataFrame:
    if sales.empty:
        return pd.DataFrame(columns=["staff_id", *SALES.values(), "deposit_amount", "wealth_amount"])
    counts = sales.pivot_table(index="staff_id", columns="product", values="count", aggfunc="sum", fill_value=0)
    amounts = sales.pivot_table(index="staff_id", columns="product", values="amount", aggfunc="sum", fill_value=0.0)
    out = pd.DataFrame(index=counts.index)
    for product, name in SALES.items():
        out[name] = counts[product] if product in counts else 0
    out["deposit_amount"] = amounts["deposit"] if "deposit" in amounts else 0.0
    out["wealth_amount"] = amounts["wealth"] if "wealth" in amounts else 0.0
    return out.reset_index()


def _ratio(numerator: pd.Series | None, denominator: pd.Series | None) -> pd.Series | float:
    if numerator is None or denominator is None:
        return np.nan
    return numerator.div(denominator.where(denominator > 0))


def staff_metrics_from_sums(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows of `staff_metrics` from per-staff sums already placed and summed by the store
    (store.staff_reads.staff_sums: roster, sums, snapshots, contacts_live), so a page never
    holds the facts themselves. Same columns in the same order, same numbers."""
    roster, sums, snapshots = parts["roster"].reset_index(drop=True), parts["sums"], parts["snapshots"]
    at = _positions(roster["staff_id"], sums["staff_id"], snapshots["staff_id"], parts["contacts_live"]["staff_id"])
    if (np.bincount(at[1][at[1] >= 0]) > 1).any():  # a member's snapshots in two outlets that day: summed
        snapshots = snapshots.groupby("staff_id")[SNAPSHOTS].sum(min_count=1).reset_index()
        at[1] = _positions(roster["staff_id"], snapshots["staff_id"])[0]
    live, kinds = _live_columns(parts["contacts_live"], at[2], len(roster))
    out = pd.concat([roster, _aligned(sums, at[0], len(roster)), _aligned(snapshots, at[1], len(roster)), live], axis=1)
    counts = [*FLOWS, *SNAPSHOTS, *SALES.values(), "deposit_amount", "wealth_amount", *kinds]
    loose = [c for c in counts if out[c].dtype == object]  # e.g. a column of NULLs only
    out[loose] = out[loose].apply(pd.to_numeric)
    out[counts] = out[counts].fillna(0)
    # Days are counts of a member's facts: unknown (NaN), not 0, for one without any.
    none = ~(out["fact_days"].fillna(0) > 0)
    out[["days_reported", "active_days"]] = out[["days_reported", "active_days"]].astype(float).mask(none)
    out["contacts_live"] = out[kinds].sum(axis=1)
    for name in ("reply_percentage", "avg_reply_time"):
        out[name] = _ratio(out[f"{name}_num"].astype(float), out[f"{name}_den"].astype(float))
    order = [*roster.columns, *FLOWS, "days_reported", "active_days", *SNAPSHOTS, *SALES.values(),
             "deposit_amount", "wealth_amount", *kinds, "contacts_live", "reply_percentage", "avg_reply_time"]
    return out[order]


def _positions(ids: pd.Series, *others: pd.Series) -> list[np.ndarray]:
    """Each of `others`' staff ids as a row of `ids` (unique), -1 where absent: the keys of the
    left merges onto the roster. One factorize of them all (pandas encodes Arrow-backed text
    in C) instead of a merge per frame, whose hashing of text keys cost more than the rest of
    this function at a whole bank's 50,000 staff."""
    codes, uniques = pd.factorize(pd.concat([ids, *others], ignore_index=True))
    row = np.full(len(uniques) + 1, -1)  # the extra last slot answers code -1 (a missing id)
    row[codes[: len(ids)]] = np.arange(len(ids))
    bounds = np.cumsum([len(ids), *[len(o) for o in others]])
    return [row[codes[first:last]] for first, last in zip(bounds[:-1], bounds[1:], strict=True)]


def _aligned(rows: pd.DataFrame, at: np.ndarray, count: int) -> pd.DataFrame:
    """`rows` (one per staff member, at roster rows `at`) as `count` roster rows, NaN for a
    member without one: a left merge onto the roster, by positions."""
    source = np.full(count, -1)  # the row of `rows` for each roster row (-1: none, NaN)
    source[at[at >= 0]] = np.flatnonzero(at >= 0)
    values = rows.drop(columns="staff_id").reset_index(drop=True).reindex(source)
    return values.set_axis(np.arange(count))


def _live_columns(live: pd.DataFrame, at: np.ndarray, count: int) -> tuple[pd.DataFrame, list[str]]:
    """Relations live per roster row and kind, one contacts_live_<kind> column per kind in
    `live` (summed per member, 0 for none; NaN for a member without any row, as a merge gives)."""
    kind_of, found = pd.factorize(live["kind"])
    kinds = sorted(found)
    seen = np.zeros(count, dtype=bool)
    seen[at[at >= 0]] = True
    values = live["contacts_live"].to_numpy()
    columns = {}
    for kind in kinds:
        mine = (at >= 0) & (kind_of == found.get_loc(kind))
        total = np.bincount(at[mine], weights=values[mine], minlength=count)
        columns[f"contacts_live_{kind}"] = total.astype("int64") if seen.all() else np.where(seen, total, np.nan)
    return pd.DataFrame(columns, index=np.arange(count)), [f"contacts_live_{k}" for k in kinds]
