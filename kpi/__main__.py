"""`python -m kpi`: KPI tables and the weekly bulletin from the store.

This module is the command-line shell of the KPI engine: it reads through `store` and hands
DataFrames to the pure modules of `kpi`. It is the one module of the package that does I/O
(import-linter exempts exactly this module from the purity contract).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
import pandas as pd

from kpi import bulletin
from kpi.registry import get_metric
from kpi.targets import parse_period
from store import pages
from store.engine import make_engine
from store.exports import to_csv, to_xlsx
from store.settings import get_settings
from store.targets import read_targets

TABLE_METRICS = (
    "staff_cnt,contact_enabled_cnt,contact_enabled_rate,active_7d_cnt,active_staff_rate,new_contact_cnt,"
    "contacts_live,account_cnt,funded_cnt,card_rate,opening_rate,funding_rate,deposit_amount,wealth_amount"
)
LEVELS = ("head_office", "province", "branch", "outlet")


@click.group()
@click.option("--db", "database_url", envvar="DATABASE_URL", help="Store URL (default: settings).")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Cascade KPI engine: tables of any metric and the weekly ranking bulletin."""
    ctx.obj = make_engine(database_url or get_settings().database_url)


def _window(engine, period: str) -> tuple[date, date]:  # noqa: ANN001 - an Engine
    """The period's days that have data (the same window the dashboard shows)."""
    start, end = parse_period(period)
    bounds = pages.data_period(engine)
    if bounds is None or bounds[1] < start or bounds[0] > end:
        raise click.ClickException(f"no data in period {period}")
    return max(start, bounds[0]), min(end, bounds[1])


@cli.command()
@click.option("--period", required=True, help="2026-10, 2026Q4, 2026H2 or 2026.")
@click.option("--level", type=click.Choice(LEVELS), default="outlet", show_default=True)
@click.option("--unit", default="HO", show_default=True, help="Only units inside this one.")
@click.option("--department", type=click.Choice(["online", "retail"]), default=None)
@click.option("--metrics", default=TABLE_METRICS, show_default=True, help="Comma-separated metric names.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="File to write (needed for xlsx).")
@click.pass_obj
def table(engine, period: str, level: str, unit: str, department: str | None, metrics: str, fmt: str, out: Path | None) -> None:  # noqa: ANN001
    """Metrics of every unit at a level, for a period, as CSV or Excel.

    Example: python -m kpi table --period 2026-10 --level outlet --unit ZJ01 --format csv
    """
    names = [m.strip() for m in metrics.split(",") if m.strip()]
    for name in names:
        get_metric(name)  # an unknown metric fails before any work
    start, end = _window(engine, period)
    rows = pages.level_rollups(engine, scope=pages.Scope("HO"), level=level, under=unit, start=start, end=end)
    if rows.empty:
        raise click.ClickException(f"no {level} rows under {unit} in {period}")
    values = bulletin.level_metrics(rows, metrics=names, start=start, end=end) if department is None else \
        _department_metrics(rows, names, start, end, department)
    if fmt == "xlsx":
        if out is None:
            raise click.UsageError("--format xlsx needs --out FILE.xlsx")
        out.write_bytes(to_xlsx({f"{level} {period}": values}))
        click.echo(f"wrote {len(values)} rows to {out}")
    elif out is not None:
        out.write_text(to_csv(values), encoding="utf-8")
    else:
        sys.stdout.write(to_csv(values))


def _department_metrics(rows: pd.DataFrame, names: list[str], start: date, end: date, department: str) -> pd.DataFrame:
    from kpi.metrics import compute_metrics

    values = compute_metrics(rows, metrics=names, period_start=start, period_end=end, by=["unit_code"], department=department)
    labels = rows[["unit_code", "name", "name_en"]].drop_duplicates("unit_code")
    return labels.merge(values, on="unit_code").sort_values("unit_code").reset_index(drop=True)


@cli.command(name="bulletin")
@click.option("--period", required=True, help="The target period: 2026-10, 2026Q4, …")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="FILE.xlsx")
@click.option("--unit", default="HO", show_default=True, help="Only units inside this one.")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
@click.pass_obj
def bulletin_command(engine, period: str, out: Path, unit: str, lang: str) -> None:  # noqa: ANN001
    """Write the weekly ranking bulletin (通报): attainment, red list, rankings per level.

    Example: python -m kpi bulletin --period 2026Q4 --out bulletin.xlsx
    """
    from kpi.bulletin_book import build_bulletin

    start, end = _window(engine, period)
    rollups = {lvl: pages.level_rollups(engine, scope=pages.Scope("HO"), level=lvl, under=unit, start=start, end=end)
               for lvl in LEVELS}
    targets = read_targets(engine, period=period, unit_codes=pages.subtree_codes(engine, root=unit, day=end))
    sheets = build_bulletin(rollups=rollups, targets=targets, period=period, start=start, end=end, lang=lang)
    out.write_bytes(to_xlsx(sheets))
    click.echo(f"wrote {out}: " + ", ".join(f"{name} ({len(frame)} rows)" for name, frame in sheets.items()))


if __name__ == "__main__":
    cli(prog_name="python -m kpi")
