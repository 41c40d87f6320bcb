"""The one typed settings object of Cascade.

Everything configurable comes from the environment (or a `.env` file), read once per
process by `get_settings()`. Reading settings never connects to anything. A combination
that would be unsafe (trusting a sign-in header nobody vouches for) fails here, at start,
with the reason, instead of running open.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/cascade.db",
        description="SQLAlchemy URL of the store: SQLite (embedded) or postgresql+psycopg://.",
    )
    inbox_dir: Path = Field(default=Path("data/inbox"), description="Where extracts are dropped.")
    auth_mode: Literal["demo", "local", "proxy", "oidc"] = Field(
        default="demo",
        description="How people sign in: demo (no sign-in, persona picker), local (accounts with "
        "passwords in app_user), proxy (a trusted reverse proxy names the user in a header), "
        "oidc (OpenID Connect through st.login, the email claim mapped to app_user). See docs/access.md.",
    )
    default_language: Literal["zh-CN", "en"] = "zh-CN"
    sql_echo: bool = False
    max_failed_logins: int = Field(
        default=5, ge=1, description="Consecutive wrong passwords after which a local account is locked."
    )
    lockout_minutes: int = Field(default=15, ge=1, description="How long a locked local account stays locked.")
    proxy_header: str = Field(
        default="X-Forwarded-User",
        min_length=1,
        description="The request header in which the reverse proxy puts the signed-in login (auth_mode proxy).",
    )
    proxy_enabled: bool = Field(
        default=False,
        description="Trust proxy_header. Only true when Cascade is reachable through that proxy alone: "
        "anyone who reaches the app directly can send the header.",
    )
    oidc_email_claim: str = Field(
        default="email",
        min_length=1,
        description="The OpenID Connect claim (st.user key) holding the email matched to app_user.email.",
    )

    @model_validator(mode="after")
    def _proxy_needs_enabling(self) -> Settings:
        if self.auth_mode == "proxy" and not self.proxy_enabled:
            raise ValueError(
                f"AUTH_MODE=proxy trusts the {self.proxy_header} header, which any client can send "
                "unless a reverse proxy in front of Cascade sets it; set PROXY_ENABLED=true only when "
                "Cascade is reachable through that proxy alone (see docs/access.md)"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
