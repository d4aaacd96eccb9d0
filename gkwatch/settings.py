"""One typed settings object, read from the environment (prefix ``GKWATCH_``) and ``.env``.

Defaults are embedded so that ``gkwatch demo`` and ``gkwatch serve`` run on one machine
with no Redis and no PostgreSQL: a SQLite file and in-process workers. Setting
``GKWATCH_REDIS_URL`` moves the tasks onto Celery workers; ``GKWATCH_DATABASE_URL``
points at PostgreSQL in production.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of gkwatch, validated at start."""

    model_config = SettingsConfigDict(env_prefix="GKWATCH_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(Path("var"), description="where the SQLite file and snapshots live")
    database_url: str = Field("", description="SQLAlchemy URL; empty means <data_dir>/gkwatch.sqlite3")
    redis_url: str = Field("", description="Celery broker; empty runs tasks in-process")
    snapshot_dir: Path | None = Field(None, description="content-addressed store; default <data_dir>/snapshots")
    sentry_dsn: str = Field("", description="report errors to Sentry when set")
    sentry_environment: str = "production"
    timezone: str = "Asia/Shanghai"

    # crawling
    crawl_download_delay: float = Field(1.0, ge=0)
    crawl_page_budget: int = Field(200, gt=0)
    crawl_byte_budget: int = Field(50_000_000, gt=0)
    crawl_obey_robots: bool = True
    crawl_timeout: float = Field(900, gt=0)

    # alerts
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    mail_from: str = "gkwatch@localhost"
    mail_to: list[str] = Field(default_factory=list, description="default email recipients")
    webhook_url: str = ""
    webhook_secret: str = Field("", description="whsec_… secret for Standard Webhooks signatures")
    webhook_allow_private: bool = Field(False, description="allow webhook targets on private/loopback addresses")
    grace_days: int = Field(0, ge=0)

    # tasks
    task_max_retries: int = Field(5, ge=0)
    lease_seconds: int = Field(900, gt=0)

    @field_validator("database_url", "redis_url", "sentry_dsn", "webhook_url")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gkwatch.sqlite3').resolve()}"

    @property
    def effective_snapshot_dir(self) -> Path:
        return (self.snapshot_dir or self.data_dir / "snapshots").resolve()

    @property
    def uses_celery(self) -> bool:
        return bool(self.redis_url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
