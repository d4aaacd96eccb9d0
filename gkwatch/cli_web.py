"""``gkwatch web``: the dashboard and JSON API.

Handlers import what they run when they run (lazy on purpose): ``gkwatch parse`` must
start without SQLAlchemy, FastAPI, Celery or Scrapy (see ``gkwatch/cli.py``).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ground.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def check_start(*, host: str, has_tokens: bool, insecure_local: bool, admin_tokens: Sequence[str] = (),
                read_tokens: Sequence[str] = ()) -> str | None:
    """Why the web app must not start with these options, or None when it may.

    Tokens too short to withstand guessing are refused here, at start, rather than when
    someone logs in: a weak token in the settings is an operator's mistake to fix now."""
    from gkwatch.web.auth import weak_token_reason

    if insecure_local and host not in LOOPBACK_HOSTS:
        return f"--insecure-local serves without authentication and binds to 127.0.0.1 only, not {host}"
    if not has_tokens and not insecure_local:
        return ("no web token configured: set GKWATCH_WEB_ADMIN_TOKENS and/or GKWATCH_WEB_READ_TOKENS "
                "(JSON lists), or pass --insecure-local to serve on 127.0.0.1 without authentication")
    return weak_token_reason(list(admin_tokens), list(read_tokens))


def check_settings(settings: Settings, *, host: str, insecure_local: bool) -> str | None:
    """:func:`check_start` on the tokens of ``settings`` (``gkwatch web`` and ``serve --web-port``)."""
    from gkwatch.web.guard import HostPolicy

    try:
        HostPolicy(settings.web_allowed_hosts)
    except ValueError as exc:
        return str(exc)
    return check_start(host=host, has_tokens=bool(settings.web_admin_tokens or settings.web_read_tokens),
                       insecure_local=insecure_local, admin_tokens=settings.web_admin_tokens,
                       read_tokens=settings.web_read_tokens)


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the dashboard and API with uvicorn until interrupted."""
    import uvicorn

    from gkwatch.web import create_app
    from ground.settings import get_settings
    from models.db import upgrade

    settings = get_settings()
    if args.data_dir:
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    host = args.host or "127.0.0.1"
    problem = check_settings(settings, host=host, insecure_local=args.insecure_local)
    if problem:
        print(f"gkwatch web: {problem}", file=sys.stderr)
        return 2
    upgrade(settings.effective_database_url)
    app = create_app(settings, insecure_local=args.insecure_local)
    shown = f"[{host}]" if ":" in host else host
    print(f"gkwatch dashboard on http://{shown}:{args.port}/ (database {settings.effective_database_url.split('@')[-1]})",
          file=sys.stderr, flush=True)
    if args.insecure_local:
        print("  insecure local mode: no authentication, loopback only (Host checked, writes need "
              "the page's CSRF token or a same-origin Origin)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=args.port, log_level="info" if args.verbose else "warning",
                proxy_headers=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("web", help="serve the dashboard and JSON API (needs a token unless --insecure-local)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", help="the data directory holding gkwatch.sqlite3 and snapshots/")
    p.add_argument("--insecure-local", action="store_true",
                   help="no authentication: every loopback caller is admin; binds to 127.0.0.1 only, "
                        "answers only Host 127.0.0.1/localhost/[::1] (and GKWATCH_WEB_ALLOWED_HOSTS), "
                        "writes need the page's CSRF token or a same-origin Origin")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_web)
