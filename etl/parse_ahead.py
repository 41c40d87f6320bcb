"""Parsing the next files in a second process while the loader writes the current one.

A fact file's load is two halves: parsing (text to validated rows, mostly Python) and writing
(SQLite, one writer at a time). They need not wait for each other: while file N is written,
a worker process parses file N+1, so a load of many files uses both cores. The worker only
reads files; the store is written by the loader alone, in file order, as before.

`etl load` uses it unless told `--no-parse-ahead`, and for big loads only (see `worth_it`):
starting the worker costs about a second, more than a small bank's whole parse. Measured on
this project's 2-core machine (December 2026): the large bank's 34-day history loaded in
205.9 s against 224.7 s without it (its files 96 s against 112 s), the national day in ~40 s
against ~43 s. The worker holds a parsed file of its own: the national day's processes peaked
at ~1.6 GB together (the loader alone ~1.44 GB, in the month tables after the worker ended).
(It was opt-in while the bench added each process's own peak as if all peaked at once:
2,450 MB.) The worker is a fresh process (multiprocessing's forkserver), so it
holds none of the loader's SQLite connections; it is started with the main module hidden, since
multiprocessing would otherwise run the program's main script again in it (a script, or a test
process whose __main__ Streamlit's AppTest replaced with dashboard/app.py). Results cross as protocol-5 pickles, in which pandas' Arrow-backed
columns travel as buffers rather than one Python object per value.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from etl.sources import wecom
from etl.sources.extracts import parse_extract
from etl.sources.wecom_models import Parsed

# Each fact source's parse step (file to rows and rejects), as its writer runs it.
PARSERS: dict[str, Callable[[Path], Parsed]] = {
    "contacts": lambda path: parse_extract(path, "contacts"),
    "conversions": lambda path: parse_extract(path, "conversions"),
    "tasks": lambda path: parse_extract(path, "tasks"),
    "interceptions": lambda path: parse_extract(path, "interceptions"),
    "wecom_behavior": lambda path: wecom.parse_exchanges(path, apis={wecom.BEHAVIOR_API}),
    "wecom_groupchat": lambda path: wecom.parse_exchanges(path, apis={wecom.GROUP_API, wecom.GROUP_BY_DAY_API}),
}
log = logging.getLogger(__name__)
AHEAD = 3  # files parsed ahead of the writer: enough to keep the worker busy, memory bounded
MIN_BYTES = 64 * 2**20  # loads smaller than this parse in the loader's own process


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """sys.modules["__main__"] as an empty module while processes start: multiprocessing's
    spawn preparation then has no main script or module to import in them (the worker needs
    only this module)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def worth_it(files: list[tuple[str | None, Path]]) -> bool:
    parsed = [path for source, path in files if source in PARSERS]
    return len(parsed) > 1 and sum(path.stat().st_size for path in parsed) >= MIN_BYTES


def _parse(source: str, path: str) -> bytes:  # runs in the worker
    return pickle.dumps(PARSERS[source](Path(path)), protocol=5)


class ParseAhead:
    """The parses of `files` (in load order), at most AHEAD of the one the loader asks for."""

    def __init__(self, files: list[tuple[str | None, Path]]) -> None:
        self.queue = [(source, path) for source, path in files if source in PARSERS]
        self.position = {path: i for i, (_, path) in enumerate(self.queue)}
        self.futures: dict[Path, Future] = {}
        # forkserver, not fork: the worker must not inherit the loader's open SQLite connections.
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
        self.broken = False
        # The first file is submitted now, without waiting: the worker starts (in submit, with
        # no __main__ to import) and parses it while the loader reads the store's histories
        # and checks the first checksum (~1 s of a national day's wait). One file only: a
        # reload of files already loaded (skipped by checksum) parses at most this one.
        with _main_module_hidden():
            self._submit(self.queue[:1])

    def _submit(self, files: list[tuple[str, Path]]) -> None:
        for source, path in files:
            if path in self.futures or self.broken:
                continue
            try:
                self.futures[path] = self.pool.submit(_parse, source, str(path))
            except BrokenProcessPool:  # the worker died earlier: the files left parse here
                log.warning("parse worker lost; parsing the remaining files in the loader")
                self.broken = True

    def parser(self, source: str, path: Path) -> Callable[[], Parsed]:
        """What the writer of `path` calls to get its parse (from the worker, or here)."""
        if path not in self.position:
            return lambda: PARSERS[source](path)
        index = self.position[path]
        self._submit(self.queue[index:index + AHEAD + 1])
        future = self.futures.pop(path, None)
        if future is None:
            return lambda: PARSERS[source](path)
        return lambda: self._result(future, source, path)

    @staticmethod
    def _result(future: Future, source: str, path: Path) -> Parsed:
        try:
            return pickle.loads(future.result())
        except BrokenProcessPool:  # the worker died (killed, out of memory): parse here, same result
            log.warning("parse worker lost; parsing %s in the loader", path.name)
            return PARSERS[source](path)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
