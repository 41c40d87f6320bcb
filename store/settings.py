"""The one typed settings object of Cascade.

Everything configurable comes from the environment (or a `.env` file), read once per
process by `get_settings()`. Reading settings never connects to anything.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/cascade.db",
        description="SQLAlchemy URL of the store: SQLite (embedded) or postgresql+psycopg://.",
    )
    inbox_dir: Path = Field(default=Path("data/inbox"), description="Where extracts are dropped.")
    auth_mode: Literal["demo", "local", "proxy", "oidc"] = "demo"
    default_language: Literal["zh-CN", "en"] = "zh-CN"
    sql_echo: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
