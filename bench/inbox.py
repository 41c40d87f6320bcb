"""Demo banks for the benchmark: generated once per scale, seed and length, then reused.

A bank is written by `python -m etl demo` (etl.demo.generate) in a child process, so that the
generator's memory (gigabytes for the large bank) is given back before anything is measured.
It is complete once its demo_manifest.json exists (the generator writes it last); a folder
without one is the remains of an interrupted generation and is written again.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.loads import ChildRun, run_child
from etl import files

# Sources delivered once per day (one file per day, named by that day); every other source
# (org units, roster, directory, tasks, targets) is a dimension or a period file.
DAILY_SOURCES = ("contacts", "conversions", "interceptions", "wecom_behavior", "wecom_groupchat")


@dataclass(frozen=True)
class Bank:
    """A generated demo bank: its inbox, manifest, and how its generation went (None: reused)."""

    inbox: Path
    manifest: dict
    generation: ChildRun | None

    @property
    def end(self) -> date:
        return date.fromisoformat(self.manifest["end"])

    def split_last_day(self) -> tuple[list[Path], list[Path]]:
        """(every file but the last day's daily files, the last day's daily files).

        Loading the first list and then the second is the bank's full load delivered as it is
        in production: the history, then one day's files into a store that holds it."""
        stamp = self.end.strftime("%Y%m%d")
        history, day = [], []
        for path in sorted(self.inbox.iterdir()):
            source = files.route(path)
            if source is None:
                continue
            is_last_day = source in DAILY_SOURCES and path.stem.endswith(stamp)
            (day if is_last_day else history).append(path)
        return history, day

    def dimension_files(self) -> list[Path]:
        """The files that are not one day's delivery: org, roster, directory, tasks, targets."""
        return [p for p in sorted(self.inbox.iterdir()) if files.route(p) not in (None, *DAILY_SOURCES)]


def demo_bank(root: Path, *, scale: str, seed: int, days: int, log_dir: Path) -> Bank:
    """The bank of `scale`, `seed` and `days` under `root`, generated now if not cached."""
    inbox = root / f"{scale}-{seed}-{days}d" / "inbox"
    manifest = inbox / "demo_manifest.json"
    if manifest.exists():
        return Bank(inbox, json.loads(manifest.read_text(encoding="utf-8")), None)
    if inbox.exists():  # an interrupted generation: its files may be half written
        shutil.rmtree(inbox)
    command = [sys.executable, "-m", "etl", "demo", "--scale", scale, "--seed", str(seed),
               "--days", str(days), "--out", str(inbox)]
    generation = run_child(command, timeout=None, log=log_dir / f"generate-{scale}-{seed}-{days}d.log")
    if generation.exit_code != 0 or not manifest.exists():
        raise RuntimeError(f"generating the {scale} bank failed (exit {generation.exit_code}); "
                           f"see {generation.log}:\n{generation.tail}")
    return Bank(inbox, json.loads(manifest.read_text(encoding="utf-8")), generation)
