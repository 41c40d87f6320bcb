"""UI text catalogs: zh-CN (default) and en. Every label on screen comes from here.

Each language is a folder of JSON files, one per section of the app (common.json, one per
page), merged on load; the same key in two files is an error, so sections cannot collide.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files(__package__).joinpath(language)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        section = json.loads(entry.read_text(encoding="utf-8"))
        clash = merged.keys() & section.keys()
        if clash:
            raise KeyError(f"{language}/{entry.name} repeats keys: {sorted(clash)}")
        merged.update(section)
    return merged


def translate(key: str, language: str, **values: object) -> str:
    """The text for `key` in `language`; a missing key is a bug, so it fails loudly."""
    return catalog(language)[key].format(**values)
