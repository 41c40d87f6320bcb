"""kpi.cell_values.grouped_values gives compute_metrics' numbers (by unit × filtered dimensions)
on random sparse rollup rows: the target cells' actuals of the bulletin and the overview."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kpi.cell_values import grouped_values
from kpi.metrics import compute_metrics
from rollup_factory import leaf_rows

MEASURES = ["contacts_added", "account_cnt", "deposit_amount", "contact_enabled_rate", "coverage_rate",
            "opening_rate", "reply_percentage", "contacts_live", "staff_cnt", "interceptions_per_k"]
CASES = [((), {}), (("segment",), {"segment": ["wealth", "long_tail"]}),
         (("kind", "segment"), {"kind": ["stock"], "segment": ["private", "mass_affluent", "wealth"]}),
         (("department", "kind", "segment"), {"department": ["online", "retail"], "kind": ["incremental"],
                                              "segment": ["long_tail"]}),
         (("department",), {"department": ["retail"]})]


@pytest.mark.parametrize(("dims", "filters"), CASES)
@pytest.mark.parametrize(("start", "end"), [(date(2026, 10, 1), date(2026, 10, 5)), (date(2026, 10, 2), date(2026, 10, 3))])
def test_grouped_values_equal_compute_metrics(dims: tuple, filters: dict, start: date, end: date) -> None:
    rows = leaf_rows(leaves=["A", "B", "C", "D"], days=5, seed=7, dense=False)
    rows = rows[~((rows["unit_code"] == "D") & (rows["day"] == date(2026, 10, 5)))]  # D ends a day earlier
    old = compute_metrics(rows, metrics=MEASURES, period_start=start, period_end=end, by=["unit_code", *dims],
                          **filters).set_index(["unit_code", *dims]).to_dict()
    new = grouped_values(rows, measures=MEASURES, dims=dims, filters=filters, start=start, end=end)
    assert list(new) == list(old)
    for measure in MEASURES:
        assert set(new[measure]) == set(old[measure]), measure
        keys = sorted(old[measure])
        np.testing.assert_allclose([new[measure][k] for k in keys], [old[measure][k] for k in keys],
                                   rtol=1e-12, equal_nan=True, err_msg=measure)


def test_grouped_values_of_no_rows_in_the_period_are_empty() -> None:
    rows = leaf_rows(leaves=["A"], days=2, seed=1, dense=True)
    assert grouped_values(rows, measures=["account_cnt"], dims=("kind",), filters={"kind": ["stock"]},
                          start=date(2027, 1, 1), end=date(2027, 1, 2)) == {"account_cnt": {}}


def test_distinct_measures_are_refused() -> None:
    rows = leaf_rows(leaves=["A"], days=1, seed=1, dense=True)
    with pytest.raises(ValueError, match="distinct"):
        grouped_values(rows, measures=["distinct_customers"], dims=(), filters={}, start=date(2026, 10, 1),
                       end=date(2026, 10, 1))
