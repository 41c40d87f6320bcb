"""Who is using the dashboard, per `settings.auth_mode` (docs/access.md):

- demo: nobody signs in; a banner says so and a persona picker chooses whose view to show;
- local: a sign-in form against app_user (argon2 hashes, lockout after repeated failures);
- proxy: a trusted reverse proxy names the login in a header (only with PROXY_ENABLED);
- oidc: OpenID Connect through st.login; the email claim is mapped to an app_user account.

The signed-in user is re-read from app_user on every run, so disabling an account takes effect
at the user's next click, not at the end of their session.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard import data
from dashboard.state import t
from store.settings import get_settings
from store.sign_in import trusted_sign_in, verify_login
from store.users import AuthError, User, get_user

SIGNED_IN = "signed_in_login"
PERSONA = "persona"
CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_PERSONA = "hr_ops"  # the demo opens on the governance pages too
PERSONAS = ("executive", "department_head", "branch_leader", "hr_ops", "admin")


def demo_personas(day: date | None) -> dict[str, User]:
    """The demo's personas: one per role; the branch leader leads the bank's first branch."""
    first_branch = data.first_unit_at("branch", day) if day else None
    return {
        "executive": User("demo-executive", t("persona.executive"), None, "executive", "HO", None),
        "department_head": User("demo-retail-head", t("persona.department_head"), None, "department_head", "HO", "retail"),
        "branch_leader": User("demo-branch-leader", t("persona.branch_leader"), None, "branch_leader",
                              first_branch or "HO", None),
        "hr_ops": User("demo-hr", t("persona.hr_ops"), None, "hr_ops", "HO", None),
        "admin": User("demo-admin", t("persona.admin"), None, "admin", "HO", None),
    }


def signed_in_user(day: date | None) -> User:
    """The user of this session; shows the sign-in and stops the run when there is none."""
    mode = get_settings().auth_mode
    user = {"demo": _demo, "local": _local, "proxy": _proxy, "oidc": _oidc}[mode](day)
    if user is None:
        st.stop()
    return user


def _demo(day: date | None) -> User:
    personas = demo_personas(day)
    with st.sidebar:
        st.info(t("sidebar.demo_banner"), icon=":material/science:")
        labels = {p: personas[p].display_name for p in PERSONAS}
        st.session_state.setdefault(PERSONA, DEFAULT_PERSONA)  # a test or a link may have chosen one
        chosen = st.selectbox(t("persona.picker"), PERSONAS, key=PERSONA, format_func=labels.__getitem__)
    return personas[chosen or DEFAULT_PERSONA]


def _local(day: date | None) -> User | None:
    login = st.session_state.get(SIGNED_IN)
    user = get_user(data.engine(), login=login) if login else None  # disabled meanwhile → signed out
    if user is not None:
        _signed_in_box(user, on_sign_out=lambda: st.session_state.pop(SIGNED_IN, None))
        return user
    st.session_state.pop(SIGNED_IN, None)
    _sign_in_form()
    return None


def _sign_in_form() -> None:
    st.title(t("auth.title"))
    with st.form("sign-in"):
        login = st.text_input(t("auth.login"), key="sign-in-login")
        password = st.text_input(t("auth.password"), type="password", key="sign-in-password")
        if not st.form_submit_button(t("auth.sign_in"), type="primary", key="sign-in-button"):
            return
    try:
        user = verify_login(data.engine(), login=login, password=password)
    except AuthError as refused:
        st.error(_refusal(refused), icon=":material/lock:")
        return
    st.session_state[SIGNED_IN] = user.login
    st.rerun()


def _refusal(refused: AuthError) -> str:
    if refused.reason == "locked" and refused.locked_until is not None:
        until = refused.locked_until.astimezone(CHINA)
        return t("auth.locked", until=f"{until:%Y-%m-%d %H:%M}")
    return t(f"auth.refused.{refused.reason}") if refused.reason in ("disabled", "no_account") else t("auth.refused.bad_credentials")


def _proxy(day: date | None) -> User | None:
    login = st.context.headers.get(get_settings().proxy_header)
    user = _trusted(identity=login, via="proxy", refused_key="auth.proxy_refused")
    if user is not None:
        _signed_in_box(user, on_sign_out=None)
    return user


def _oidc(day: date | None) -> User | None:
    if not st.user.is_logged_in:
        st.title(t("auth.title"))
        st.button(t("auth.sign_in_sso"), on_click=st.login, type="primary", icon=":material/login:")
        return None
    user = _trusted(identity=st.user.get(get_settings().oidc_email_claim), via="oidc", refused_key="auth.oidc_refused")
    if user is None:
        st.button(t("auth.sign_out"), on_click=st.logout)
        return None
    _signed_in_box(user, on_sign_out=st.logout)
    return user


def _trusted(*, identity: str | None, via: str, refused_key: str) -> User | None:
    """The account a proxy or identity provider names. The first run of a session signs in
    (audited); later runs of the same identity re-read the account, so a click is not a
    sign-in and a disabled account still stops at the next click."""
    remembered = st.session_state.get(SIGNED_IN)
    if identity and remembered and remembered[0] == identity:
        user = get_user(data.engine(), login=remembered[1])
        if user is not None:
            return user
    st.session_state.pop(SIGNED_IN, None)
    key = {"login": identity} if via == "proxy" else {"email": identity}
    try:
        user = trusted_sign_in(data.engine(), via=via, **key)
    except AuthError as refused:
        st.error(t(refused_key, header=get_settings().proxy_header, reason=_refusal(refused)), icon=":material/lock:")
        return None
    st.session_state[SIGNED_IN] = (identity, user.login)
    return user


def _signed_in_box(user: User, *, on_sign_out) -> None:  # noqa: ANN001 - a callback or None
    with st.sidebar:
        st.caption(t("auth.signed_in_as", name=user.display_name, role=t(f"persona.{user.role}"), scope=user.scope_code))
        if on_sign_out is not None:
            st.button(t("auth.sign_out"), on_click=on_sign_out, key="sign-out", icon=":material/logout:")
