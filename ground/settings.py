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
    public_url: str = Field("", description=(
        "the dashboard's address as people reach it (https://gkwatch.example.gov.cn); alerts, "
        "emails and the upward report link to its report pages. Empty: no dashboard links"))
    office_name: str = Field("", description=(
        "the office that audits (某某市人民政府办公室政务公开办), printed on the upward report"))

    # crawling
    crawl_download_delay: float = Field(1.0, ge=0)
    crawl_page_budget: int = Field(200, gt=0)
    crawl_byte_budget: int = Field(50_000_000, gt=0)
    crawl_obey_robots: bool = True
    crawl_timeout: float = Field(900, gt=0, description=(
        "hard limit of one crawl child process, killed after it (at least the batch budget + 120 s)"))
    crawl_batch_portals: int = Field(50, gt=0, description=(
        "most due portals one crawl unit claims and crawls in one child process; portals of one "
        "host go one after the other, different hosts in parallel"))
    crawl_batch_concurrency: int = Field(16, gt=0, description=(
        "most portals (so hosts) one crawl child crawls at the same time"))
    crawl_batch_seconds: float = Field(600, gt=0, description=(
        "time budget of one crawl batch: then the running portals are closed (their finds kept) "
        "and those not yet started wait for the next batch"))

    # alerts
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_ca_file: Path | None = Field(
        None, description="PEM file of the CA that signed the SMTP server's certificate (STARTTLS/SSL); "
                          "empty uses the system's trust store")
    smtp_messages_per_connection: int = Field(
        100, ge=1, description="most messages sent over one SMTP connection: a delivery sweep "
                               "keeps its connection open between digests, up to this many")
    mail_from: str = "gkwatch@localhost"
    mail_to: list[str] = Field(default_factory=list, description="default email recipients")
    webhook_url: str = ""
    webhook_secret: str = Field("", description="whsec_… secret for Standard Webhooks signatures")
    webhook_allow_private: bool = Field(False, description="allow webhook targets on private/loopback addresses")
    grace_days: int = Field(0, ge=0)
    alerts_config: Path | None = Field(
        None, description="TOML file with the deadline policy, receivers, routes, timers and "
                          "inhibition rules (see deploy/alerts.example.toml); empty uses the defaults")
    alerts_group_wait: float = Field(
        0.0, ge=0, description="seconds to wait before the first notification of a new group "
                               "(0: the next delivery tick; routes in the alerts config may set their own)")
    alerts_group_interval: float = Field(
        0.0, ge=0, description="seconds between two notifications of the same group about changes")
    alerts_repeat_interval: float = Field(
        4 * 3600.0, gt=0, description="seconds after which alerts still firing are notified again")
    alerts_reminder_days: int = Field(
        7, ge=0, description="remind agencies with no report this many days before the deadline (0: off)")
    alerts_backfill_days: int = Field(
        180, ge=0, description="reports of years before the two under watch, found by a portal's first "
                               "crawl and published more than this many days earlier, raise no "
                               "notification (0: notify everything)")
    alerts_unreachable_after: int = Field(
        3, gt=0, description="consecutive failed crawls of a portal that raise P-UNREACHABLE")
    alerts_retry_hours: float = Field(
        48.0, gt=0, description="how long a notification is retried before it is given up")
    notify_lease_seconds: int = Field(
        60, gt=0, description="a claimed notification whose sender died is sent again after this "
                              "(short: it holds its whole group back meanwhile)")
    notify_retry_base_seconds: float = Field(30.0, gt=0, description="first retry delay of a notification "
                                                                     "(doubles, jittered)")
    notify_retry_max_seconds: float = Field(600.0, gt=0, description="longest delay between two tries of "
                                                                     "a notification")

    # tasks
    task_max_retries: int = Field(5, ge=0)
    lease_seconds: int = Field(900, gt=0)
    retry_base_seconds: float = Field(30.0, gt=0, description="first retry delay of a failed unit (doubles, jittered)")
    retry_max_seconds: float = Field(3600.0, gt=0, description="longest delay between two attempts of a unit")
    retry_countdown_max: float = Field(
        300.0, ge=0, description="retries due sooner go back through the broker; later ones wait in the "
                                 "database for the reconciler (keep far below visibility_timeout)")
    process_time_limit: float = Field(
        300.0, gt=0, description="hard time limit of one process/evaluate task (embedded serve: of reading "
                                 "one document, in a child process)")
    celery_app: str = Field("workers.app", pattern=r"^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?$",
                            description="the Celery app `gkwatch workers` starts (module or module:attribute)")
    visibility_timeout: int = Field(7200, gt=0, description="Redis redelivers unacked messages after this")
    tick_crawl_seconds: float = Field(300.0, gt=0, description="beat: look for due portals")
    tick_deliver_seconds: float = Field(30.0, gt=0, description="beat: deliver due notifications")
    tick_reconcile_seconds: float = Field(120.0, gt=0, description="beat: re-send units with lost messages")
    tick_evaluate_minute: int = Field(5, ge=0, le=59, description="beat: minute of each hour to evaluate deadlines")
    deliver_debounce_seconds: float = Field(
        1.0, ge=0, description="Celery mode: outbox sweeps asked for by evaluations start at most this often")
    reconcile_batch: int = Field(5000, gt=0, description="most units one reconcile tick re-sends per stage")
    log_format: str = Field("text", description="text or json (one JSON object per log line)")

    # web dashboard and API (gkwatch web)
    web_admin_tokens: list[str] = Field(default_factory=list, description=(
        "bearer tokens with the admin role (read everything, create and expire silences); "
        "JSON list in GKWATCH_WEB_ADMIN_TOKENS"))
    web_read_tokens: list[str] = Field(default_factory=list, description=(
        "bearer tokens with the read-only role; JSON list in GKWATCH_WEB_READ_TOKENS"))
    web_secret_key: str = Field("", description=(
        "key that signs the login cookie; empty means a random key per process "
        "(logins then end when the web app restarts)"))
    web_cookie_secure: bool = Field(True, description=(
        "mark the login cookie Secure (sent over HTTPS only); turn off only for plain-http use on "
        "localhost (--insecure-local turns it off by itself)"))
    web_allowed_hosts: list[str] = Field(default_factory=list, description=(
        "Host header values the web app answers besides 127.0.0.1, localhost and [::1] on its own "
        "port (\"name\" for any port, \"name:port\" for one); JSON list. Always checked with "
        "--insecure-local (DNS rebinding), checked with tokens when set; an Origin naming one of "
        "these counts as same-origin behind a proxy that rewrites Host"))
    web_login_attempts_per_minute: int = Field(5, gt=0, description=(
        "most POST /login attempts per client address in any 60 s (then 429 with Retry-After); "
        "counted in memory by each web process"))

    # health and metrics (deploy/, docs/operations.md)
    health_port: int = Field(0, ge=0, le=65535, description=(
        "port of the /healthz and /metrics server that Celery worker and beat processes start "
        "(0: none); give each process on one host its own port"))
    health_host: str = Field("127.0.0.1", description=(
        "address that health server binds; 0.0.0.0 inside a container so that Prometheus can scrape it"))
    metrics_token: str = Field("", description=(
        "bearer token Prometheus sends for /metrics; required on the health servers when set, and "
        "accepted by the web app besides the web tokens"))

    @field_validator("database_url", "redis_url", "sentry_dsn", "webhook_url")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("GKWATCH_PUBLIC_URL must start with http:// or https://")
        return v

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gkwatch.sqlite3').resolve()}"

    @property
    def effective_snapshot_dir(self) -> Path:
        return (self.snapshot_dir or self.data_dir / "snapshots").resolve()

    @property
    def crawl_child_timeout(self) -> float:
        """When a crawl child is killed: past its batch budget, with time to close."""
        return max(self.crawl_timeout, self.crawl_batch_seconds + 120)

    @property
    def uses_celery(self) -> bool:
        return bool(self.redis_url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
