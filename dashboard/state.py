"""Page state that lives in the URL: language, period and drill unit.

Keeping it in st.query_params makes every view a shareable link and lets the browser's back
button walk the drill path. Values from the URL are untrusted: each is validated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from store.pages import Scope

LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}


def language() -> str:
    chosen = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values: object) -> str:
    return translate(key, language(), **values)


def scope() -> Scope:
    """The caller's scope. Demo mode sees the whole bank (sign-in comes with access control)."""
    return Scope(unit_code="HO")


@dataclass(frozen=True)
class Period:
    key: str  # YYYY-MM
    start: date
    end: date


def months(first: date, last: date) -> list[Period]:
    """Calendar months overlapping the data, newest first, clipped to the data's days."""
    out, cursor = [], date(first.year, first.month, 1)
    while cursor <= last:
        following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        out.append(Period(cursor.strftime("%Y-%m"), max(cursor, first), min(following - timedelta(days=1), last)))
        cursor = following
    return list(reversed(out))


def period(first: date, last: date) -> Period:
    """The period chosen in the URL, or the latest month; an invalid value is reported."""
    options = months(first, last)
    wanted = st.query_params.get("period")
    for option in options:
        if option.key == wanted:
            return option
    if wanted is not None:
        st.warning(t("error.bad_period", value=wanted))
    return options[0]


def unit(default: str) -> str:
    return st.query_params.get("unit", default)


def drill_to(code: str) -> None:
    st.query_params["unit"] = code


def sidebar(first: date | None, last: date | None) -> Period | None:
    """Language switch, demo banner and period selector; returns the chosen period."""
    with st.sidebar:
        st.radio(
            t("sidebar.language"),
            LANGUAGES,
            index=LANGUAGES.index(language()),
            format_func=LANGUAGE_NAMES.get,
            horizontal=True,
            key="language_choice",
            on_change=lambda: st.query_params.update(lang=st.session_state["language_choice"]),
        )
        st.info(t("sidebar.demo_banner"), icon=":material/science:")
        if first is None or last is None:
            return None
        chosen = period(first, last)
        options = months(first, last)
        st.selectbox(
            t("sidebar.period"),
            [option.key for option in options],
            index=[option.key for option in options].index(chosen.key),
            key="period_choice",
            on_change=lambda: st.query_params.update(period=st.session_state["period_choice"]),
        )
        return chosen
