"""`python -m bench`: a thin command line over bench.run (see bench/__init__.py)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from bench import figures, report
from bench.run import Options, pages_only, run
from etl.demo import SCALES


@click.command()
@click.option("--scale", type=click.Choice(["small", "large"]), default="large", show_default=True,
              help="The demo bank to load and query.")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Days of history (default: the scale's).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--runs", type=click.IntRange(min=5), default=5, show_default=True,
              help="Measured runs of each page (after one warm-up).")
@click.option("--naive-runs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Measured runs of each naive computation (no warm-up: on a year's store a run reads "
                   "22 million relations, 2 minutes and 17 GB).")
@click.option("--load-timeout", type=click.FloatRange(min=1), default=3600, show_default=True,
              help="Seconds after which a load is stopped and reported as exceeded.")
@click.option("--postgres", is_flag=True, help="Also load and query PostgreSQL (CASCADE_BENCH_PG_URL or "
              "postgresql+psycopg://postgres@127.0.0.1:5432/test, in a fresh schema).")
@click.option("--day-scale", type=click.Choice(list(SCALES)), default="national", show_default=True,
              help="The bank whose one day's load is measured (DESIGN §7: one national day).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("data/bench"), show_default=True,
              help="Cache of generated banks, the stores and the loaders' logs.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("bench"), show_default=True,
              help="Where results.md and results.json are written.")
@click.option("--pages-only", "pages_url", metavar="URL", default=None,
              help="Only measure the pages of the store at URL (already loaded); print them, write nothing.")
def main(scale: str, days: int | None, seed: int, runs: int, naive_runs: int, load_timeout: float, postgres: bool,
         day_scale: str, data_dir: Path, out_dir: Path, pages_url: str | None) -> None:
    """Measure the budgets of DESIGN §7 and write results.md and results.json.

    Example: python -m bench --scale small --days 7 --day-scale small

    Pages of a loaded store only: python -m bench --pages-only sqlite:///data/bench/large.db
    """
    options = Options(scale, days or SCALES[scale].days, seed, runs, naive_runs, load_timeout, postgres, day_scale,
                      data_dir)
    started = time.monotonic()
    if pages_url:
        echo = lambda message: click.echo(f"{time.monotonic() - started:7.1f} s · {message}", err=True)  # noqa: E731
        report.print_pages(pages_only(pages_url, options, echo))
        return
    result = run(options, lambda message: click.echo(f"{time.monotonic() - started:7.1f} s · {message}", err=True))
    rows = figures.figures(result)
    report.print_table(result, rows)
    json_path, md_path = report.write(result, rows, out_dir)
    click.echo(f"written: {md_path}, {json_path}")


if __name__ == "__main__":
    main()
