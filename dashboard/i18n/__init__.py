"""UI text catalogs: zh-CN (default) and en. Every label on screen comes from here."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"


@cache
def catalog(language: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath(f"{language}.json").read_text(encoding="utf-8")
    return json.loads(text)


def translate(key: str, language: str, **values: object) -> str:
    """The text for `key` in `language`; a missing key is a bug, so it fails loudly."""
    return catalog(language)[key].format(**values)
