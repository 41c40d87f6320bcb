"""How fast this machine is at the loader's kinds of work, timed once at the start of a run.

Why: the budgets are seconds on "2 cores", but the machine under the benchmark changes between
sessions. On 3 December 2026 one national day loaded in 25.9 s on an Intel Xeon in the
morning and in 50–60 s on an AMD EPYC in the afternoon, code unchanged. A run's figures can only
be compared with another's when the machines were alike, so every run records these
reference times beside its figures: the same fixed work, whatever the code of the day.

The work stands for the loader's three kinds of cost: Python parsing JSON lines (the WeCom
logs), pandas grouping a frame (the rollups) and SQLite inserting rows into a keyed table (the
facts). Each is run `repeats` times and its fastest time kept (the least disturbed).

Example: python -m bench.calibrate
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

LINES = 100_000
GROUPED_ROWS = 2_000_000
INSERTED_ROWS = 300_000


def _json_lines() -> Callable[[], object]:
    line = json.dumps({"api": "externalcontact/get_user_behavior_data", "request": {"userid": ["AH01001001"]},
                       "response": {"errcode": 0, "behavior_data": [{"stat_time": 1793376000, "chat_cnt": 3,
                                                                      "message_cnt": 12, "reply_percentage": 75}]}})
    lines = [line] * LINES
    return lambda: [json.loads(text) for text in lines]


def _grouping() -> Callable[[], object]:
    generator = np.random.default_rng(7)
    frame = pd.DataFrame({"unit": generator.integers(0, 5_000, GROUPED_ROWS),
                          "kind": generator.integers(0, 4, GROUPED_ROWS),
                          "value": generator.random(GROUPED_ROWS)})
    return lambda: frame.groupby(["unit", "kind"])["value"].sum()


def _inserting() -> Callable[[], object]:
    rows = [(f"S{n:08d}", n % 365, n * 0.5) for n in range(INSERTED_ROWS)]

    def insert() -> None:
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE t (staff_id TEXT, day INTEGER, value REAL, PRIMARY KEY (day, staff_id))")
        with connection:
            connection.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        connection.close()

    return insert


WORK = {"json_lines_s": _json_lines, "pandas_groupby_s": _grouping, "sqlite_insert_s": _inserting}


def reference(*, repeats: int = 3) -> dict[str, float]:
    """Seconds of each reference work on this machine (fastest of `repeats`), and their total."""
    out: dict[str, float] = {}
    for name, prepare in WORK.items():
        work = prepare()  # building the inputs is not timed
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        out[name] = round(min(times), 3)
    out["total_s"] = round(sum(out.values()), 3)
    return out


if __name__ == "__main__":
    print(json.dumps(reference(), indent=2))
