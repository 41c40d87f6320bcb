"""Targets & reconciliation (HR/ops, department heads)."""

import streamlit as st

from dashboard.state import t

st.title(t("targets.title"))
