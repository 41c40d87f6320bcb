"""Small UI pieces every page uses: the empty state and the Excel export of a table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.periods import Period
from dashboard.state import t
from store.exports import to_xlsx
from store.pages import OutOfScope, Scope


MARKDOWN_SPECIALS = set("\\`*_{}[]<>()#+-.!|~$:/'\"&=")


def plain(text: object) -> str:
    """Org or staff names are data: in Markdown (labels, captions) every character that could
    start markup, a link or an autolink is written as a numeric character reference, which
    renders as the character itself. (Streamlit still shows " -- " as a dash: cosmetic.)"""
    return "".join(f"&#{ord(c)};" if c in MARKDOWN_SPECIALS else c for c in str(text))


def breadcrumb(path: pd.DataFrame, *, code: str, name_column: str) -> None:
    """The path from the scope root to the unit in view; each level above drills back up."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        for step, unit in enumerate(path.to_dict("records")):
            if step:
                st.markdown("›", width="content")
            if unit["code"] == code:
                st.markdown(f"**{plain(unit[name_column])}**", width="content")
            else:
                st.button(plain(unit[name_column]), key=f"crumb-{unit['code']}", type="tertiary",
                          on_click=state.drill_to, args=(unit["code"],))


def flash(message: str) -> None:
    """Keep a confirmation for the next run (a write is followed by a rerun that reads afresh)."""
    st.session_state["flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message, icon=":material/check_circle:")


def empty_state() -> None:
    st.info(f"**{t('empty.title')}**  \n{t('empty.body')}", icon=":material/inbox:")


def table_with_export(frame: pd.DataFrame, *, name: str, key: str) -> None:
    """Show a table and offer it as an Excel file (cells that could run as formulas are
    neutralised by store.exports)."""
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        t("common.export_xlsx"),
        data=to_xlsx({name: frame}),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"export-{key}",
        icon=":material/download:",
    )


def unit_in_view(scope: Scope, period: Period, *, also_drop: tuple[str, ...] = ()) -> tuple[str, pd.DataFrame]:
    """The unit in the URL and its path from the scope root, if the caller may see it.

    Otherwise (another branch's unit, an unknown code, a tampered link) the page says so, the
    URL names the root instead, the parameters that depend on the unit leave it, and the view
    starts at the root."""
    code = state.unit(scope.unit_code)
    try:
        return code, data.lineage(scope, code, period.end)
    except OutOfScope:
        st.warning(t("error.out_of_scope", code=code))
        state.drill_to(scope.unit_code)
        for key in also_drop:
            st.query_params.pop(key, None)
        return scope.unit_code, data.lineage(scope, scope.unit_code, period.end)
