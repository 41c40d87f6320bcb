"""The registry agrees with docs/rollup.md, and kpi/ stays pure."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpi.calendar import load_calendar
from kpi.registry import COMPONENTS, METRICS, metrics_frame

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "rollup.md").read_text(encoding="utf-8")
GRAINS = {"Behaviour grain": "behaviour", "Customer grain": "customer",
          "Conversion grain": "conversion"}


def _doc_components() -> list[tuple[str, str, str]]:
    """(component, grain, flow|snapshot) from the three grain tables of docs/rollup.md."""
    found = []
    for section in re.split(r"^## ", DOC, flags=re.M):
        grain = next((g for title, g in GRAINS.items() if section.startswith(title)), None)
        if grain is None:
            continue
        for names, agg in re.findall(r"^\| ([a-z_0-9, ]+) \| (flow|snapshot) \|", section, re.M):
            found += [(name.strip(), grain, agg) for name in names.split(",")]
    return found


def test_every_documented_component_is_declared_with_its_grain_and_aggregation() -> None:
    documented = _doc_components()
    assert len(documented) >= 35
    for name, grain, agg in documented:
        assert name in COMPONENTS, name
        assert (COMPONENTS[name].grain, COMPONENTS[name].over_time) == (grain, agg), name
    assert {n for n, _, _ in documented} == set(COMPONENTS)


def test_every_flow_and_snapshot_is_a_metric_except_ratio_parts() -> None:
    for name, component in COMPONENTS.items():
        if name.endswith(("_num", "_den")):
            continue
        assert METRICS[name].aggregation == component.over_time


def _components_in(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z_0-9]+", text) if w in COMPONENTS]


def test_headline_ratios_match_the_doc() -> None:
    table = DOC.split("## Headline ratios")[1]
    rows = [r for r in re.findall(r"^\| ([a-z_]+) \| (.+) \|$", table, re.M)
            if r[0] != "metric"]
    assert len(rows) >= 11
    for name, formula in rows:
        metric = METRICS[name]
        assert metric.aggregation in ("ratio", "chat_weighted")
        numerator, denominator = formula.split(" / ")
        assert [t.component for t in metric.numerator] == _components_in(numerator), name
        assert [t.component for t in metric.denominator] == _components_in(denominator), name
    assert METRICS["interceptions_per_k"].scale == 1000
    assert dict(METRICS["coverage_rate"].numerator[0].filters) == {"kind": "stock"}


@pytest.mark.parametrize("name", [
    "contact_enabled_rate", "active_staff_rate", "group_activity_rate", "coverage_rate",
    "reply_percentage", "avg_reply_time", "card_rate", "opening_rate", "funding_rate",
    "task_completion_rate", "interceptions_per_k", "contacts_per_manager", "distinct_customers",
])
def test_required_metrics_exist(name: str) -> None:
    metric = METRICS[name]
    assert metric.name_zh and metric.name_en and metric.unit


def test_registry_frame() -> None:
    frame = metrics_frame()
    assert frame["name"].is_unique and len(frame) == len(METRICS)
    assert set(frame["direction"]) == {"higher", "lower"}


ALLOWED = {"pandas", "numpy", "pydantic", "kpi"} | set(sys.stdlib_module_names)


# kpi/__main__.py is the command-line shell (reads through store); every other module is pure.
@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "kpi").glob("*.py") if p.name != "__main__.py"), ids=lambda p: p.name)
def test_kpi_modules_import_only_pandas_numpy_pydantic_and_stdlib(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED, imported - ALLOWED


def test_shipped_calendar_is_what_the_build_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("make_calendar",
                                                  ROOT / "kpi" / "data" / "make_calendar.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = sorted(module._library_rows() + module._provisional_2027())
    expected = pd.DataFrame(rows, columns=["date", "kind", "name", "source"])
    expected["date"] = pd.to_datetime(expected["date"])
    shipped = load_calendar()
    pd.testing.assert_frame_equal(shipped.reset_index(drop=True), expected, check_dtype=False)
