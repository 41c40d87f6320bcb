"""`python -m kpi` on the demo bank: the same numbers as the dashboard, a real bulletin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from store.settings import get_settings

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def run_kpi(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "kpi", *args], env=env, capture_output=True, text=True, timeout=300)


def dashboard_table(url: str, unit: str, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["unit"] = unit
    app.query_params["period"] = "2026-10"
    app.run()
    assert not app.exception
    get_settings.cache_clear()
    # The adoption table of the units below (the page may also show the lagging units).
    return next(d.value for d in app.dataframe if "代码" in d.value.columns)


@pytest.mark.parametrize(("unit", "level"), [("HO", "province"), ("ZJ01", "outlet")])
def test_kpi_table_prints_the_numbers_the_dashboard_shows(demo_sqlite_url: str, unit: str, level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_kpi("table", "--period", "2026-10", "--level", level, "--unit", unit, url=demo_sqlite_url)
    assert result.returncode == 0, result.stderr
    printed = pd.read_csv(io.StringIO(result.stdout)).set_index("unit_code")
    shown = dashboard_table(demo_sqlite_url, unit, monkeypatch).set_index("代码")
    assert sorted(printed.index) == sorted(shown.index)
    for code, row in shown.iterrows():
        assert printed.at[code, "staff_cnt"] == row["在册员工"]
        assert printed.at[code, "contact_enabled_cnt"] == row["已开通"]
        assert f"{printed.at[code, 'contact_enabled_rate']:.1%}" == row["开通率"]
        assert printed.at[code, "active_7d_cnt"] == row["近7日活跃"]
        assert printed.at[code, "new_contact_cnt"] == row["新增客户"]


def test_kpi_table_refuses_an_unknown_metric(demo_sqlite_url: str) -> None:
    result = run_kpi("table", "--period", "2026-10", "--metrics", "happiness", url=demo_sqlite_url)
    assert result.returncode != 0 and "happiness" in result.stderr


def test_bulletin_workbook_has_attainment_red_list_and_rankings(demo_sqlite_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bulletin.xlsx"
    result = run_kpi("bulletin", "--period", "2026-10", "--out", str(out), url=demo_sqlite_url)
    assert result.returncode == 0, result.stderr
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["说明", "目标完成进度", "落后红榜", "省分行排名", "二级分行排名", "网点排名"]
    attainment, red = sheets["目标完成进度"], sheets["落后红榜"]
    assert len(attainment) > 0 and set(red["状态"]) <= {"红"}
    assert len(red) == (attainment["状态"] == "红").sum()
    provinces = sheets["省分行排名"]
    assert list(provinces["排名"]) == sorted(provinces["排名"]) and provinces["排名"].iloc[0] == 1
