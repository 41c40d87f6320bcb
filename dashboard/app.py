"""Cascade dashboard entrypoint: `streamlit run dashboard/app.py`."""

import streamlit as st

from dashboard import data, state

st.set_page_config(page_title="Cascade", page_icon=":material/monitoring:", layout="wide")
bounds = data.data_period()
st.session_state["period"] = state.sidebar(*(bounds or (None, None)))
navigation = st.navigation(
    [st.Page("app_pages/overview.py", title=state.t("nav.overview"), icon=":material/account_tree:", default=True)]
)
navigation.run()
