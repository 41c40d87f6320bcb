"""Data health (admin): runs, rejects, freshness, coverage."""

import streamlit as st

from dashboard.state import t

st.title(t("health.title"))
