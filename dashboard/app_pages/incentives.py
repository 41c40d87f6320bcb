"""Incentives what-if (HR/ops)."""

import streamlit as st

from dashboard.state import t

st.title(t("incentives.title"))
