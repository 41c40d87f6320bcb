"""The catalogs: every key in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.i18n import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parents[2] / "dashboard"


def test_both_languages_have_exactly_the_same_keys() -> None:
    zh, en = (set(catalog(language)) for language in LANGUAGES)
    assert zh - en == set(), "keys missing in en"
    assert en - zh == set(), "keys missing in zh-CN"


def test_every_literal_key_used_in_the_dashboard_exists() -> None:
    used = set()
    for path in ROOT.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "found no t('…') calls"
    assert used - set(catalog("zh-CN")) == set()


def test_placeholders_match_between_languages() -> None:
    zh, en = catalog("zh-CN"), catalog("en")
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key
