"""Authentication of the dashboard and API: every route but health refuses strangers,
roles are enforced, the login cookie works and forms need their CSRF token."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.web import every_route  # noqa: F401

pytest.importorskip("fastapi")

from tests.support.web import build_sample, make_settings  # noqa: E402

ADMIN, READ = "admin-token-for-tests", "read-token-for-tests"


@pytest.fixture
def app(tmp_path: Path) -> Any:
    from gkwatch.web import create_app

    settings = make_settings(tmp_path, web_admin_tokens=[ADMIN], web_read_tokens=[READ])
    build_sample(settings)
    return create_app(settings)


def client(app: Any, **kw: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app, follow_redirects=False, **kw)




def test_unauthenticated_requests_are_refused_everywhere_but_health(app: Any) -> None:
    c = client(app)
    routes = every_route(app)
    assert ("GET", "/api/v1/statuses") in routes and ("POST", "/silences") in routes and ("GET", "/docs") in routes
    for method, path in routes:
        for headers in ({}, {"Accept": "text/html"}, {"Authorization": "Bearer wrong"}, {"Cookie": "gkwatch_session=forged"}):
            r = c.request(method, path, headers=headers)
            if path in ("/health", "/login"):
                assert r.status_code in (200, 401), (method, path, r.status_code)  # 401: login with no token
                continue
            if path == "/healthz":  # open like /health: status words only (gkwatch/web/ops.py)
                assert r.status_code == 200 and set(r.json()) == {"status", "database", "redis", "role"}
                continue
            assert r.status_code in (401, 303), (method, path, headers, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/login?next="), r.headers["location"]
            assert "示例县" not in r.text
    assert c.get("/health").json() == {"status": "ok", "database": "ok"}
    assert c.get("/static/style.css").status_code == 200


def test_tokens_give_their_roles(app: Any) -> None:
    c = client(app)
    assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {READ}"}).json()["role"] == "read"
    assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {ADMIN}"}).json()["role"] == "admin"
    body = {"matchers": {"kind": "P-LATE"}, "hours": 2}
    r = c.post("/api/v1/silences", json=body, headers={"Authorization": f"Bearer {READ}"})
    assert r.status_code == 403
    r = c.post("/api/v1/silences", json=body, headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 201
    assert c.get("/", headers={"Authorization": f"Bearer {READ}"}).status_code == 200


def test_login_cookie_and_csrf(app: Any) -> None:
    c = client(app)
    r = c.post("/login", data={"token": "nope", "next": "/alerts"})
    assert r.status_code == 401 and "gkwatch_session" not in r.cookies
    r = c.post("/login", data={"token": READ, "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    cookie = r.cookies["gkwatch_session"]
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=lax" in r.headers["set-cookie"].lower()
    page = c.get("/alerts", cookies={"gkwatch_session": cookie})
    assert page.status_code == 200 and "P-MISSING" in page.text
    # a read-only login may not create silences, with or without the form token
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/silences", data={"csrf": csrf, "kind": "P-LATE"}, cookies={"gkwatch_session": cookie})
    assert r.status_code == 403
    # an admin login needs the CSRF token in forms and in JSON writes
    admin = client(app).post("/login", data={"token": ADMIN}).cookies["gkwatch_session"]
    r = c.post("/silences", data={"kind": "P-LATE"}, cookies={"gkwatch_session": admin})
    assert r.status_code == 403
    r = c.post("/api/v1/silences", json={"matchers": {"kind": "x"}, "hours": 1}, cookies={"gkwatch_session": admin})
    assert r.status_code == 403
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', c.get("/silences", cookies={"gkwatch_session": admin}).text)
    r = c.post("/silences", data={"csrf": csrf.group(1), "kind": "P-LATE"},  # type: ignore[union-attr]
               cookies={"gkwatch_session": admin})
    assert r.status_code == 303 and r.headers["location"].startswith("/silences")
    # logging out clears the cookie
    r = c.post("/logout", data={"csrf": csrf.group(1)}, cookies={"gkwatch_session": admin})  # type: ignore[union-attr]
    assert r.status_code == 303 and 'gkwatch_session=""' in r.headers["set-cookie"]


def test_cookie_ends_when_its_token_is_removed(tmp_path: Path) -> None:
    from gkwatch.web.auth import Authenticator

    before = Authenticator(admin_tokens=[ADMIN], read_tokens=[], secret_key="k")
    cookie = before.cookie_for(ADMIN)
    assert cookie and before.from_cookie(cookie) is not None
    after = Authenticator(admin_tokens=["another"], read_tokens=[], secret_key="k")
    assert after.from_cookie(cookie) is None
    assert Authenticator(admin_tokens=[ADMIN], read_tokens=[], secret_key="other").from_cookie(cookie) is None


def test_insecure_local_admits_loopback_only(tmp_path: Path) -> None:
    from gkwatch.web import create_app

    settings = make_settings(tmp_path)
    app = create_app(settings, insecure_local=True)
    # the Host a browser sends for http://127.0.0.1:8000/ (local mode answers loopback names only)
    local = "http://127.0.0.1:8000"
    assert client(app, client=("127.0.0.1", 5000), base_url=local).get("/api/v1/me").json() == {
        "role": "admin", "via": "local"}
    assert client(app, client=("192.0.2.7", 5000), base_url=local).get("/api/v1/me").status_code == 401


def test_web_command_refuses_to_start_without_tokens(tmp_path: Path) -> None:
    import subprocess
    import sys

    from gkwatch.cli_web import check_start

    assert check_start(host="127.0.0.1", has_tokens=False, insecure_local=False)
    assert check_start(host="0.0.0.0", has_tokens=False, insecure_local=True)
    assert check_start(host="127.0.0.1", has_tokens=False, insecure_local=True) is None
    assert check_start(host="0.0.0.0", has_tokens=True, insecure_local=False) is None
    env = {"PATH": "/usr/bin:/bin", "GKWATCH_DATA_DIR": str(tmp_path / "var"), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "gkwatch", "web", "--port", "1"], capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "no web token configured" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "gkwatch", "web", "--insecure-local", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "127.0.0.1 only" in proc.stderr
