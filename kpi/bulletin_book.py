"""The bulletin as a workbook: one DataFrame per sheet, headers and codes in zh-CN or en."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpi import bulletin
from kpi.registry import METRICS

LABELS = {
    "zh-CN": {
        "unit_code": "机构代码", "name": "机构", "department": "条线", "kpi": "指标", "kind": "增量/存量",
        "segment": "客群", "target": "目标", "actual": "完成", "completion": "完成率", "time_progress": "时间进度",
        "gap": "进度差", "forecast": "预计完成", "status": "状态", "rank": "排名", "score": "综合得分", "note": "说明",
        "online": "网络金融部", "retail": "个人金融部", "incremental": "增量", "stock": "存量",
        "long_tail": "长尾客户", "mass_affluent": "大众富裕", "wealth": "财富客户", "private": "私人银行",
        "green": "绿", "amber": "黄", "red": "红", "no_target": "无目标", "no_data": "无法归属",
        "sheet.summary": "说明", "sheet.attainment": "目标完成进度", "sheet.red": "落后红榜",
        "sheet.province": "省分行排名", "sheet.branch": "二级分行排名", "sheet.outlet": "网点排名",
        "summary.period": "考核期间", "summary.window": "数据区间", "summary.targets": "目标数",
        "summary.red": "落后（红）", "summary.item": "项目", "summary.value": "内容",
    },
    "en": {
        "unit_code": "Code", "name": "Unit", "department": "Department", "kpi": "KPI", "kind": "Kind",
        "segment": "Segment", "target": "Target", "actual": "Actual", "completion": "Completion",
        "time_progress": "Time progress", "gap": "Gap", "forecast": "Forecast", "status": "Status", "rank": "Rank",
        "score": "Score", "note": "Note", "online": "Online Finance", "retail": "Personal Finance",
        "incremental": "Incremental", "stock": "Stock", "long_tail": "Long tail", "mass_affluent": "Mass affluent",
        "wealth": "Wealth", "private": "Private", "green": "Green", "amber": "Amber", "red": "Red",
        "no_target": "No target", "no_data": "Not attributable", "sheet.summary": "Summary", "sheet.attainment": "Attainment",
        "sheet.red": "Red list", "sheet.province": "Province ranking", "sheet.branch": "Branch ranking",
        "sheet.outlet": "Outlet ranking", "summary.period": "Period", "summary.window": "Data window",
        "summary.targets": "Targets", "summary.red": "Lagging (red)", "summary.item": "Item", "summary.value": "Value",
    },
}
ATTAINMENT_COLUMNS = ["unit_code", "name", "department", "kpi", "kind", "segment", "target", "actual",
                      "completion", "time_progress", "gap", "forecast", "status", "note"]


def build_bulletin(*, rollups: dict[str, pd.DataFrame], targets: pd.DataFrame, period: str,
                   start: date, end: date, lang: str = "zh-CN") -> dict[str, pd.DataFrame]:
    """Sheets: summary, attainment (worst first), red list, and a ranking per level."""
    words = LABELS[lang]
    every_level = pd.concat([r for r in rollups.values() if not r.empty], ignore_index=True)
    judged = bulletin.attainment_sheet(every_level, targets, period=period, start=start, end=end, as_of=end)
    names = every_level[["unit_code", "name", "name_en"]].drop_duplicates("unit_code")
    judged = judged.merge(names, on="unit_code", how="left")
    if lang == "en":
        judged["name"] = judged["name_en"]
    attainment = _localise(judged[ATTAINMENT_COLUMNS], words, lang)
    red = _localise(bulletin.red_list(judged)[ATTAINMENT_COLUMNS], words, lang)
    sheets = {
        words["sheet.summary"]: pd.DataFrame({
            words["summary.item"]: [words["summary.period"], words["summary.window"], words["summary.targets"], words["summary.red"]],
            words["summary.value"]: [period, f"{start} – {end}", len(judged), int((judged["status"] == "red").sum())],
        }),
        words["sheet.attainment"]: attainment,
        words["sheet.red"]: red,
    }
    metrics = list(bulletin.RANKING_METRICS)
    for level in bulletin.LEVELS:
        rows = rollups.get(level, pd.DataFrame())
        if rows.empty:
            continue
        ranked = bulletin.rankings(bulletin.level_metrics(rows, metrics=metrics, start=start, end=end))
        if lang == "en":
            ranked["name"] = ranked["name_en"]
        sheets[words[f"sheet.{level}"]] = _localise(ranked[["rank", "unit_code", "name", "score", *metrics]], words, lang)
    return sheets


def _localise(frame: pd.DataFrame, words: dict[str, str], lang: str) -> pd.DataFrame:
    """Codes to words (departments, kinds, segments, statuses, KPI names) and headers."""
    out = frame.copy()
    for column in ("department", "kind", "segment", "status"):
        if column in out:
            out[column] = out[column].map(lambda v: words.get(v, v))
    if "kpi" in out:
        out["kpi"] = out["kpi"].map(lambda k: _metric_name(k, lang))
    headers = {c: words.get(c) or _metric_name(c, lang) for c in out.columns}
    return out.rename(columns=headers)


def _metric_name(name: str, lang: str) -> str:
    metric = METRICS.get(name)
    if metric is None:
        return name
    return metric.name_zh if lang == "zh-CN" else metric.name_en
