"""The load's peak memory is the peak of its processes together: two children that hold
their memory one after the other are not counted as if they held it at once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.loads import run_child

MB = 2**20
# A parent that starts two children, each holding `size` MB for a moment, `together` or not.
SCRIPT = """
import subprocess, sys
hold = "import time; block = bytearray({size} * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.6)"
children = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range({together})]
for child in children:
    child.wait()
for _ in range(2 - {together}):
    subprocess.run([sys.executable, "-c", hold], check=True)
"""


def peak_of(tmp_path: Path, *, size: int, together: int) -> float:
    script = SCRIPT.format(size=size, together=together)
    run = run_child([sys.executable, "-c", script], timeout=60, log=tmp_path / f"peak-{together}.log")
    assert run.exit_code == 0, run.tail
    return run.peak_rss_mb


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc/<pid>/clear_refs")
def test_children_that_peak_one_after_the_other_are_not_summed(tmp_path: Path) -> None:
    size = 300
    apart = peak_of(tmp_path, size=size, together=0)
    at_once = peak_of(tmp_path, size=size, together=2)
    assert at_once >= 2 * size, at_once  # both blocks resident at the same moment are both counted
    assert size <= apart < 1.5 * size, apart  # one block at a time: one block, plus interpreters
