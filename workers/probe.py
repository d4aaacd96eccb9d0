"""The container health check: ``python -m workers.probe [--url URL]`` exits 0 when
``/healthz`` answers 200 (images need no curl).

It runs every few seconds in each container, so it loads only the standard library and
the settings, not the service (SQLAlchemy, Celery, Redis) it probes.
"""
from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request

from ground.settings import get_settings


def probe(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """GET ``url``; healthy when it answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - operator-given URL
            return resp.status == 200, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return False, exc.read().decode("utf-8", "replace")
    except OSError as exc:
        return False, str(exc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workers.probe", description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="default http://127.0.0.1:$GKWATCH_HEALTH_PORT/healthz")
    ap.add_argument("--timeout", type=float, default=5.0)
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    url = args.url
    if not url:
        port = get_settings().health_port
        if not port:
            print("probe: GKWATCH_HEALTH_PORT is not set and no --url given", file=sys.stderr)
            return 2
        url = f"http://127.0.0.1:{port}/healthz"
    ok, body = probe(url, timeout=args.timeout)
    print(body.strip()[:500])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
