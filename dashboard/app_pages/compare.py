"""compare: being built (issue 5)."""

import streamlit as st

from dashboard.state import t

st.title(t("nav.compare"))
