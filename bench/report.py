"""The benchmark's outputs: one table on the terminal, results.json and results.md.

results.json keeps one run per scale (a large run and a small run side by side; a new run of a
scale replaces that scale's); results.md shows every run in it, the large bank first.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path

from bench import figures as f

PACKAGES = ("pandas", "numpy", "sqlalchemy", "streamlit", "psycopg", "pyarrow")
SCALE_ORDER = ("national", "large", "small")
METHOD = Path(__file__).with_name("METHOD.md")


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor())
    return {"cpus": os.cpu_count(), "cpu_model": model, "ram_gb": round(total_kb / 2**20, 1),
            "os": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def versions() -> dict:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def title(result: dict) -> str:
    bank = result["bank"]
    note = "" if result["scale"] == "large" else " — budgets are for the large bank: indicative only"
    return (f"{result['scale']} bank: {bank['days']} days to {bank['end']}, {bank['staff']:,} staff, "
            f"{bank['outlets']:,} outlets, seed {result['seed']}{note}")


def print_table(result: dict, rows: list[dict]) -> None:
    """The run's figures as one table (rich when installed, plain text otherwise)."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # rich comes with streamlit today; plain text if it ever does not
        print(title(result))
        for r in rows:
            print(f"{r['group']:<13} {r['figure'][:64]:<64} {r['store']:<10} {r['shown'][:60]:<60} "
                  f"{r['p95']:>8} {r['budget']:>10} {r['status']}")
        print(f.verdict(rows))
        return
    table = Table(title=title(result), caption=f.verdict(rows), show_lines=False)
    for column in ("", "figure", "store", "median / value", "p95", "budget", "status"):
        table.add_column(column, overflow="fold")
    colours = {f.PASS: "green", f.MISS: "bold red", f.INCOMPLETE: "yellow", f.SKIPPED: "yellow"}
    group = None
    for r in rows:
        status = f"[{colours[r['status']]}]{r['status']}[/]" if r["status"] in colours else r["status"]
        table.add_row(r["group"] if r["group"] != group else "", r["figure"], r["store"], r["shown"], r["p95"],
                      r["budget"], status)
        group = r["group"]
    Console(width=200).print(table)


def write(result: dict, rows: list[dict], out_dir: Path) -> tuple[Path, Path]:
    """Merge this run into results.json (by scale) and write results.md from all runs there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "results.json", out_dir / "results.md"
    runs = {}
    if json_path.exists():
        try:
            earlier = json.loads(json_path.read_text(encoding="utf-8")).get("runs", {})
            runs = {run_key(run): run for run in earlier.values()}
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError):
            runs = {}  # an unreadable earlier file is replaced, not merged
    runs[run_key(result)] = {**result, "machine": machine(), "versions": versions(), "figures": rows,
                             "verdict": f.verdict(rows)}
    ordered = dict(sorted(runs.items(), key=lambda item: (_rank(item[1]["scale"]), -item[1]["days"])))
    json_path.write_text(json.dumps({"runs": ordered}, ensure_ascii=False, indent=1, default=str) + "\n",
                         encoding="utf-8")
    md_path.write_text(markdown(ordered), encoding="utf-8")
    return json_path, md_path


def run_key(result: dict) -> str:
    """A run replaces the earlier run of its bank: the same scale and number of days (a year's
    run and a quicker 35-day one of the large bank stand side by side)."""
    return f"{result['scale']}-{result['days']}d"


def _rank(scale: str) -> int:
    return SCALE_ORDER.index(scale) if scale in SCALE_ORDER else len(SCALE_ORDER)


def markdown(runs: dict) -> str:
    lines = ["# Benchmark results (DESIGN §7)", "",
             "Written by `make bench` / `python -m bench`; how each figure is measured is at the end.", ""]
    for result in runs.values():
        lines += _run_section(result)
    lines += [METHOD.read_text(encoding="utf-8") if METHOD.exists() else ""]
    return "\n".join(lines).rstrip() + "\n"


def _run_section(result: dict) -> list[str]:
    m, v = result["machine"], result["versions"]
    lines = [f"## {title(result)}", "",
             f"- run: {result['started_at']} → {result['finished_at']} (UTC), `{result['command']}`",
             f"- machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}",
             _reference(result.get("reference")),
             "- packages: " + ", ".join(f"{k} {val}" for k, val in v.items()),
             "- stores: " + _stores(result["stores"]),
             f"- **{result['verdict']}**", "",
             "| | figure | store | median / value | p95 | budget | status |", "|---|---|---|---|---|---|---|"]
    group = None
    for r in result["figures"]:
        status = f"**{r['status']}**" if r["status"] == f.MISS else r["status"]
        cells = [r["group"] if r["group"] != group else "", r["figure"].strip(), r["store"], r["shown"], r["p95"],
                 r["budget"], status]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        group = r["group"]
    lines += ["", *_slowest_steps(result), ""]
    return lines


def _reference(speed: dict | None) -> str:
    """The machine's reference times (bench.calibrate): compare runs only where they are alike."""
    if not speed:
        return "- reference work: not measured (a run before bench.calibrate)"
    parts = ", ".join(f"{name.removesuffix('_s').replace('_', ' ')} {seconds:.2f} s"
                      for name, seconds in speed.items() if name != "total_s")
    return f"- reference work (bench.calibrate; lower is a faster machine): {speed['total_s']:.2f} s ({parts})"


def _stores(stores: dict) -> str:
    named = ", ".join(f"{backend}: {s.get('server', s.get('skipped', ''))}" for backend, s in stores.items())
    return named + ("" if "postgresql" in stores else " (PostgreSQL not asked for: `--postgres`)")


def _slowest_steps(result: dict) -> list[str]:
    """Where the time of each page over budget goes: its three slowest data calls."""
    lines = []
    for backend, store in result["stores"].items():
        for persona, entry in store.get("pages", {}).items():
            for page, timing in entry["pages"].items():
                if backend == "sqlite" and timing["median_ms"] > f.PAGE_BUDGET_MS:
                    slow = sorted(timing["steps_ms"].items(), key=lambda item: -item[1])[:3]
                    lines.append(f"- {page} · {persona}: " + ", ".join(f"`{k}` {ms:,.0f} ms" for k, ms in slow))
    return ["Pages over budget, their slowest data calls (median ms per view):", "", *lines] if lines else []


def print_pages(measured: dict) -> None:
    """`--pages-only`: each persona's pages with median, p95 and the slowest step."""
    print(f"{'persona':<15}{'scope':<8}{'page':<12}{'median ms':>10}{'p95 ms':>9}  slowest step")
    for persona, entry in measured.items():
        for page, timing in entry["pages"].items():
            steps = sorted(timing["steps_ms"].items(), key=lambda item: -item[1])
            slowest = f"{steps[0][0]} {steps[0][1]:.0f} ms" if steps else ""
            print(f"{persona:<15}{entry['scope']:<8}{page:<12}{timing['median_ms']:>10.0f}{timing['p95_ms']:>9.0f}  "
                  f"{slowest}")
