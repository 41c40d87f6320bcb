"""Page state that lives in the URL: language, period, department and drill unit.

Keeping it in st.query_params makes every view a shareable link and lets the browser's back
button walk the drill path. Values from the URL are untrusted: each is validated here. The
shared ones (language, period, department) are also kept in the session so they survive a
switch between pages.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import periods
from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from dashboard.periods import Period
from store.pages import Scope
from store import users
from store.users import User

LANGUAGE_NAMES = {"zh-CN": "中文", "en": "English"}
DEPARTMENTS = ("online", "retail")
SHARED = ("lang", "period", "dept")


def language() -> str:
    chosen = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values: object) -> str:
    return translate(key, language(), **values)


def name_column() -> str:
    """Which org name to show: Chinese or English."""
    return "name" if language() == "zh-CN" else "name_en"


def user() -> User:
    """The signed-in user of this run (set by app.py through dashboard.auth before any page)."""
    return st.session_state["user"]


def scope() -> Scope:
    """The caller's scope: every read of the read API takes it (row-level security)."""
    return user().scope


def who() -> str:
    """The login that signs every write."""
    return user().login


def can(right: str) -> bool:
    """Whether the caller holds `right` (store.users.RIGHTS; department-bound rights have
    their own functions below)."""
    return users.can(user(), right)


def can_edit_targets(department: str) -> bool:
    """Whether the caller may change targets of `department` (rights in store.users)."""
    return users.can(user(), "edit_targets", department=department)


def can_approve_targets(department: str) -> bool:
    return users.can(user(), "approve_targets", department=department)


def metric_name(metric: str) -> str:
    """A registry metric's name in the UI language (the registry is the authority)."""
    from kpi.registry import METRICS

    found = METRICS.get(metric)
    if found is None:
        return metric
    return found.name_zh if language() == "zh-CN" else found.name_en


def pick(container, param: str, label: str, options: list[str], *, shared: bool = False,  # noqa: ANN001 - a column
         format_func=str) -> str:  # noqa: ANN001 - a label function
    """A select box whose value lives in the URL under `param`; an unknown value falls back
    to the first option (a stale link stays usable). `shared` values survive page switches."""
    wanted = st.query_params.get(param)
    chosen = wanted if wanted in options else options[0]
    key = f"pick-{param}"
    st.session_state[key] = chosen  # the URL wins over a widget state from another page
    labels = {option: format_func(option) for option in options}  # in this run's language
    container.selectbox(label, options, key=key, format_func=labels.__getitem__,
                        on_change=lambda: _set(param, st.session_state[key]) if shared
                        else st.query_params.update({param: st.session_state[key]}))
    return chosen


def department() -> str | None:
    chosen = st.query_params.get("dept")
    return chosen if chosen in DEPARTMENTS else None


def unit(default: str) -> str:
    return st.query_params.get("unit", default)


def drill_to(code: str) -> None:
    st.query_params["unit"] = code


def restore_shared() -> None:
    """Bring the shared choices back into the URL after a page switch dropped them."""
    kept = st.session_state.setdefault("shared_params", {})
    for key in SHARED:
        if key in st.query_params:
            kept[key] = st.query_params[key]
        elif key in kept:
            st.query_params[key] = kept[key]


def _set(key: str, value: str | None) -> None:
    kept = st.session_state.setdefault("shared_params", {})
    if value is None:
        st.query_params.pop(key, None)
        kept.pop(key, None)
    else:
        st.query_params[key] = value
        kept[key] = value


def period(first: date, last: date) -> Period:
    """The period chosen in the URL, or the latest month; an invalid value is reported."""
    wanted = st.query_params.get("period")
    chosen = periods.parse(wanted, first=first, last=last) if wanted else None
    if wanted and chosen is None:
        st.warning(t("error.bad_period", value=wanted))
    return chosen or periods.default(first=first, last=last)


def sidebar(first: date | None, last: date | None) -> Period | None:
    """Language, period and department; returns the chosen period."""
    with st.sidebar:
        st.radio(t("sidebar.language"), LANGUAGES, index=LANGUAGES.index(language()),
                 format_func=LANGUAGE_NAMES.get, horizontal=True, key="language_choice",
                 on_change=lambda: _set("lang", st.session_state["language_choice"]))
        if first is None or last is None:
            return None
        chosen = period(first, last)
        _period_controls(chosen, first, last)
        st.selectbox(t("sidebar.department"), [None, *DEPARTMENTS],
                     index=[None, *DEPARTMENTS].index(department()),
                     format_func=lambda d: t(f"department.{d or 'all'}"), key="department_choice",
                     on_change=lambda: _set("dept", st.session_state["department_choice"]))
        return chosen


def _period_controls(chosen: Period, first: date, last: date) -> None:
    kind = st.segmented_control(t("sidebar.period_kind"), periods.KINDS, default=chosen.kind,
                                format_func=lambda k: t(f"period.{k}"), key="period_kind")
    kind = kind or chosen.kind
    if kind == "custom":
        picked = st.date_input(t("sidebar.period"), value=(chosen.start, chosen.end), min_value=first,
                               max_value=last, key="period_days")
        if isinstance(picked, tuple) and len(picked) == 2 and periods.custom_key(*picked) != chosen.key:
            _set("period", periods.custom_key(*picked))
            st.rerun()
        return
    choices = periods.options(kind, first=first, last=last)
    keys = [p.key for p in choices]
    if chosen.key not in keys:  # the kind changed: take its newest period
        _set("period", keys[0])
        st.rerun()
    st.selectbox(t("sidebar.period"), keys, index=keys.index(chosen.key), key=f"period_{kind}",
                 format_func=lambda k: _period_label(k, first, last),
                 on_change=lambda: _set("period", st.session_state[f"period_{kind}"]))


def _period_label(key: str, first: date, last: date) -> str:
    found = periods.parse(key, first=first, last=last)
    return f"{key}  ({found.start:%m-%d} ~ {found.end:%m-%d})" if found else key
