"""kpi.reconcile over Python lists gives exactly the frames of its former pandas joins.

The reference below is that former implementation (merges and groupbys), kept as the oracle:
any set of targets — duplicates, units outside the org, cents that sum inexactly, org rows
listed twice — must reconcile to the same rows, values, order and dtypes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.reconcile import MONEY_TOLERANCE, _additive, _tolerance, horizontal_reconciliation, vertical_reconciliation
from kpi.targets import UNOWNED, ownership_matrix

_CELL = ["period", "kpi", "department", "kind", "segment"]
ORG = pd.DataFrame({
    "code": ["HO", "P1", "P2", "B1", "B2", "O1", "O2", "O3", "O3"],
    "parent_code": [None, "HO", "HO", "P1", "P1", "B1", "B1", "B2", "B1"],
    "level": ["head_office", "province", "province", "branch", "branch", "outlet", "outlet", "outlet", "outlet"],
})


def reference_vertical(targets: pd.DataFrame, org: pd.DataFrame) -> pd.DataFrame:
    edges = org.loc[org["parent_code"].notna(), ["code", "parent_code"]]
    n_children = edges.groupby("parent_code").size().rename("n_children")
    child_targets = targets.merge(edges, left_on="unit_code", right_on="code", how="inner")
    children = (child_targets.groupby(["parent_code", *_CELL], as_index=False)
                .agg(children_sum=("value", "sum"), n_children_with_target=("value", "size")))
    parents = targets.loc[targets["unit_code"].isin(n_children.index), ["unit_code", *_CELL, "value"]]
    parents = parents.rename(columns={"unit_code": "parent_code", "value": "parent_value"})
    merged = parents.merge(children, on=["parent_code", *_CELL], how="outer")
    merged = merged.merge(n_children.reset_index(), on="parent_code", how="left")
    merged = merged.merge(org[["code", "level"]].rename(columns={"code": "parent_code"}), on="parent_code", how="left")
    merged["n_children_with_target"] = merged["n_children_with_target"].fillna(0).astype(int)
    merged["children_sum"] = merged["children_sum"].fillna(0.0)
    merged["gap"] = merged["children_sum"] - merged["parent_value"]
    merged["tolerance"] = [_tolerance(k, MONEY_TOLERANCE) for k in merged["kpi"].tolist()]
    additive = merged["kpi"].map(_additive).astype(bool)
    merged["status"] = np.select(
        [~additive, merged["parent_value"].isna(), merged["n_children_with_target"] == 0,
         merged["gap"].abs() <= merged["tolerance"], merged["gap"] < 0],
        ["not_additive", "no_parent_target", "not_allocated", "balanced", "under"], default="over")
    merged.loc[merged["status"] == "not_additive", ["children_sum", "gap"]] = np.nan
    columns = ["parent_code", "level", *_CELL, "parent_value", "children_sum", "gap", "status",
               "n_children", "n_children_with_target", "tolerance"]
    return merged[columns].sort_values(["parent_code", *_CELL]).reset_index(drop=True)


def reference_horizontal(targets: pd.DataFrame, org: pd.DataFrame) -> pd.DataFrame:
    cells = targets.loc[(targets["kind"] != "all") & (targets["segment"] != "all")]
    cells = cells.merge(ownership_matrix().rename(columns={"department": "owner"}), on=["segment", "kind"], how="left")
    cells["owner"] = cells["owner"].fillna(UNOWNED)
    key = ["unit_code", "period", "kpi", "kind", "segment"]
    departments = cells.groupby(key)["department"].transform(lambda d: ",".join(sorted(set(d))))
    counts = cells.groupby(key)["department"].transform("nunique")
    cells = cells.assign(departments=departments, n_departments=counts)
    head_office = set(org.loc[org["level"] == "head_office", "code"])
    columns = ["unit_code", "period", "kpi", "kind", "segment", "department", "owner", "value"]

    def issue(rows: pd.DataFrame, name: str, template: str) -> pd.DataFrame:
        out = rows[columns].copy()
        out["issue"] = pd.Series(name, index=out.index, dtype=object)
        out["message"] = pd.Series([template.format(department=d, owner=o, departments=ds) for d, o, ds in
                                    zip(rows["department"], rows["owner"], rows["departments"], strict=True)],
                                   index=out.index, dtype=object)
        return out

    found = pd.concat([
        issue(cells.loc[cells["n_departments"] > 1], "overlap", "cell targeted by {departments}"),
        issue(cells.loc[(cells["owner"] != UNOWNED) & (cells["department"] != cells["owner"])], "not_owner",
              "targeted by {department}, owned by {owner}"),
        issue(cells.loc[(cells["owner"] == UNOWNED) & cells["unit_code"].isin(head_office)], "unowned",
              "head-office target in a cell no department owns"),
    ], ignore_index=True)
    return found.sort_values([*key, "issue", "department"]).reset_index(drop=True)


VALUES = st.one_of(st.integers(0, 10_000).map(float), st.sampled_from([0.1, 0.2, 0.7, 1000.004, 2009391.0]),
                   st.floats(0, 1e7, allow_nan=False).map(lambda v: round(v, 2)))
ROW = st.tuples(st.sampled_from(["2026-10", "2026Q4"]), st.sampled_from(["HO", "P1", "P2", "B1", "B2", "O1", "O3", "X9"]),
                st.sampled_from(["online", "retail"]),
                st.sampled_from(["contacts_added", "deposit_amount", "coverage_rate", "card_cnt"]),
                st.sampled_from(["incremental", "stock", "all"]), st.sampled_from(["long_tail", "wealth", "private", "all"]),
                VALUES)


def _targets(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "unit_code", "department", "kpi", "kind", "segment", "value"])
    return frame.astype({"value": float})


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=40), whole_org=st.booleans())
def test_reconciliation_equals_the_pandas_joins(rows: list[tuple], whole_org: bool) -> None:
    targets, org = _targets(rows), ORG if whole_org else ORG.iloc[:8]
    pd.testing.assert_frame_equal(vertical_reconciliation(targets, org=org), reference_vertical(targets, org),
                                  check_exact=True)
    pd.testing.assert_frame_equal(horizontal_reconciliation(targets, org=org), reference_horizontal(targets, org),
                                  check_exact=True)


def test_children_of_cents_sum_as_pandas_sums_them() -> None:
    """Ten children of 0.1 CNY: a naive float sum is 0.9999999999999999, pandas' (compensated) 1.0."""
    org = pd.DataFrame({"code": ["HO", *[f"P{n}" for n in range(10)]], "parent_code": [None, *["HO"] * 10],
                        "level": ["head_office", *["province"] * 10]})
    targets = _targets([("2026-10", "HO", "retail", "deposit_amount", "all", "all", 1.0)]
                       + [("2026-10", f"P{n}", "retail", "deposit_amount", "all", "all", 0.1) for n in range(10)])
    row = vertical_reconciliation(targets, org=org).iloc[0]
    assert row["children_sum"] == 1.0 and row["status"] == "balanced" and row["n_children_with_target"] == 10
