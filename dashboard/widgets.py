"""Small UI pieces every page uses: the empty state and the Excel export of a table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.state import t
from store.exports import to_xlsx


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
