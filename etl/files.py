"""Reading source files: routing by name, encoding detection, tables with line numbers.

Banks deliver UTF-8, UTF-8 with a BOM, or GB18030. We detect which, and refuse anything else
with a message naming the file: guessing silently produces mojibake that nobody notices
until a branch name is wrong on the executive's screen.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

BOM = b"\xef\xbb\xbf"
GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz", "big5"}


class SourceError(Exception):
    """A whole file cannot be loaded. The message names the file and the cause."""

    def __init__(self, path: Path | str, cause: str) -> None:
        super().__init__(f"{Path(path).name}: {cause}")
        self.path = Path(path)
        self.cause = cause


@dataclass(frozen=True)
class Route:
    source: str
    pattern: re.Pattern[str]


ROUTES = [
    Route("org_units", re.compile(r"^org_units_(\d{8})\.(csv|xlsx)$")),
    Route("staff_roster", re.compile(r"^staff_roster_(\d{8})\.(csv|xlsx)$")),
    Route("contacts", re.compile(r"^contacts_(\d{8})\.(csv|xlsx)$")),
    Route("conversions", re.compile(r"^conversions_(\d{8})\.(csv|xlsx)$")),
    Route("tasks", re.compile(r"^tasks_(\d{6}|\d{8})\.(csv|xlsx)$")),
    Route("interceptions", re.compile(r"^interceptions_(\d{8})\.(csv|xlsx)$")),
    Route("targets", re.compile(r"^targets_([0-9A-Za-z-]+)\.(csv|xlsx)$")),
    Route("wecom_behavior", re.compile(r"^wecom_behavior_(\d{8})\.jsonl$")),
    Route("wecom_groupchat", re.compile(r"^wecom_groupchat_(\d{8})\.jsonl$")),
    Route("wecom_directory", re.compile(r"^wecom_directory_(\d{8})\.jsonl$")),
]

# Load order: dimensions before the facts conformed against them.
SOURCE_ORDER = [route.source for route in ROUTES]


def route(path: Path) -> str | None:
    """The source a file belongs to, by its name; None for files we do not load."""
    for candidate in ROUTES:
        if candidate.pattern.match(path.name):
            return candidate.source
    return None


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(path: Path, raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030; refuse anything else."""
    if raw.startswith(BOM):
        try:
            return raw[len(BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(path, f"has a UTF-8 BOM but invalid UTF-8 at byte {exc.start}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    guess = best.encoding if best is not None else "unknown"
    if guess.replace("_", "").lower() in GB_FAMILY or guess.startswith("gb"):
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise SourceError(path, f"invalid GB18030 at byte {exc.start}")
    raise SourceError(path, f"cannot decode: neither UTF-8 nor GB18030 (best guess: {guess})")


def read_table(path: Path, *, columns: list[str]) -> pd.DataFrame:
    """A CSV or .xlsx extract as strings, with the file's `line` number of every row.

    Extra columns are ignored; a missing one fails the whole file.
    """
    if path.suffix.lower() == ".xlsx":
        frame = _read_xlsx(path)
    else:
        text = decode(path, path.read_bytes())
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise SourceError(path, f"not a readable CSV ({exc})".replace("\n", " "))
    frame.columns = [str(name).strip() for name in frame.columns]
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise SourceError(path, f"missing column(s): {', '.join(missing)}")
    frame = frame[columns].copy()
    for name in columns:
        frame[name] = frame[name].astype(str).str.strip()
    frame.insert(0, "line", range(2, len(frame) + 2))
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise SourceError(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})")
    return frame


def day_of_name(path: Path) -> date | None:
    """The delivery day in a file name like conversions_20260903.csv, if any."""
    match = re.search(r"_(\d{8})\.", path.name)
    if not match:
        return None
    return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
