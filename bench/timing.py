"""Timing helpers: a page view's calls step by step, and the runs of a measurement."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


class Recorder:
    """Calls a function and adds its wall time to the step named after it."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = defaultdict(float)

    def __call__(self, function: Callable, *args: object, step: str | None = None) -> object:
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.steps[step or function.__name__] += time.perf_counter() - started


@dataclass
class Timing:
    """Milliseconds of each measured run (after one unmeasured warm-up run)."""

    runs_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def p95_ms(self) -> float:
        return float(np.percentile(self.runs_ms, 95))
