"""Cascade dashboard entrypoint: `streamlit run dashboard/app.py`."""

import streamlit as st

from dashboard import auth, data, state

st.set_page_config(page_title="Cascade", page_icon=":material/monitoring:", layout="wide")
state.restore_shared()
bounds = data.data_period()
# Who is here decides everything below: the pages offered and the scope of every read.
user = st.session_state["user"] = auth.signed_in_user(bounds[1] if bounds else None)
st.session_state["period"] = state.sidebar(*(bounds or (None, None)))
PAGES = {  # keyed by store.users.PAGES: a role's pages are the only ones it is offered
    "overview": st.Page("app_pages/overview.py", title=state.t("nav.overview"), icon=":material/account_tree:",
                        default=True),
    "drilldown": st.Page("app_pages/drilldown.py", title=state.t("nav.drilldown"), icon=":material/lan:",
                         url_path="drilldown"),
    "compare": st.Page("app_pages/compare.py", title=state.t("nav.compare"), icon=":material/leaderboard:",
                       url_path="compare"),
    "workload": st.Page("app_pages/workload.py", title=state.t("nav.workload"), icon=":material/groups:",
                        url_path="workload"),
    "conversion": st.Page("app_pages/conversion.py", title=state.t("nav.conversion"), icon=":material/filter_alt:",
                          url_path="conversion"),
    "targets": st.Page("app_pages/targets.py", title=state.t("nav.targets"), icon=":material/account_balance:",
                       url_path="targets"),
    "incentives": st.Page("app_pages/incentives.py", title=state.t("nav.incentives"), icon=":material/payments:",
                          url_path="incentives"),
    "health": st.Page("app_pages/health.py", title=state.t("nav.health"), icon=":material/monitor_heart:",
                      url_path="health"),
}
st.navigation([PAGES[name] for name in user.pages]).run()
