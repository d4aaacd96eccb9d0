"""The dashboard as an attacker meets it (issue 14): cross-origin writes and DNS
rebinding in ``--insecure-local`` mode, cross-origin and repeated logins, weak tokens,
the security headers and cookie flags, and delivery targets hidden from the read role.

Everything runs in-process (TestClient) or on a uvicorn bound to 127.0.0.1; the "evil"
names below are only ever sent as header values, never resolved or connected to.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from gkwatch.web.headers import CSP  # noqa: E402
from tests.support.web import (  # noqa: E402
    LiveServer,
    build_sample,
    every_route,  # noqa: E402
    make_settings,
)

ADMIN, READ = "admin-token-for-security-tests", "read-token-for-security-tests"
LOCAL = "http://127.0.0.1:8000"  # what a browser on the operator's machine uses
EVIL = "http://evil.example"
BOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=bot-secret-key-123"
APPRISE = "tgram://123456789:AAHsecretbottoken/987654"


def client(app: Any, **kw: Any) -> Any:
    from fastapi.testclient import TestClient

    kw.setdefault("base_url", LOCAL)
    kw.setdefault("client", ("127.0.0.1", 50000))
    return TestClient(app, follow_redirects=False, **kw)


@pytest.fixture
def local(tmp_path: Path) -> Any:
    """``gkwatch web --insecure-local`` over the sample database."""
    from gkwatch.web import create_app

    settings = make_settings(tmp_path)
    build_sample(settings)
    return create_app(settings, insecure_local=True)


@pytest.fixture
def tokens(tmp_path: Path) -> Any:
    from gkwatch.web import create_app

    settings = make_settings(tmp_path, web_admin_tokens=[ADMIN], web_read_tokens=[READ])
    build_sample(settings)
    return create_app(settings)


def silence_count(app: Any) -> int:
    from models.db import session_scope

    with session_scope(app.state.settings.effective_database_url) as s:
        return len(app.state.silences.list(s))


def page_csrf(c: Any, path: str = "/silences") -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', c.get(path).text)
    assert found, "the page has no form token"
    return found.group(1)


# --- 1. insecure-local: CSRF and Host -----------------------------------------------------

def test_local_mode_refuses_a_cross_origin_form_that_adds_a_silence(local: Any) -> None:
    c = client(local)
    form = {"kind": "P-MISSING", "hours": "24"}
    # what a hostile page's auto-submitted form makes the operator's browser send
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site", "Origin": EVIL},
                    {"Referer": EVIL + "/page.html"}, {"Sec-Fetch-Site": "same-site"}):
        r = c.post("/silences", data=form, headers=headers)
        assert r.status_code == 403, (headers, r.status_code)
        r = c.post("/api/v1/silences", json={"matchers": {"kind": "P-MISSING"}, "hours": 1}, headers=headers)
        assert r.status_code == 403, (headers, r.status_code)
    assert silence_count(local) == 0
    # a hostile form on the same machine that sends no Origin at all still lacks the token
    assert c.post("/silences", data=form).status_code == 403
    assert c.post("/api/v1/silences", json={"matchers": {"kind": "x"}, "hours": 1}).status_code == 403
    assert silence_count(local) == 0
    # the dashboard's own form works: its token, or the browser's same-origin headers
    assert c.post("/silences", data={**form, "csrf": page_csrf(c)}).status_code == 303
    assert c.post("/silences", data=form, headers={"Origin": LOCAL}).status_code == 303
    assert c.post("/silences", data=form, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 303
    r = c.post("/api/v1/silences", json={"matchers": {"kind": "P-LATE"}, "hours": 1},
               headers={"X-CSRF-Token": page_csrf(c)})
    assert r.status_code == 201, r.text
    assert silence_count(local) == 4


def test_local_mode_every_state_changing_route_needs_the_token_or_same_origin(local: Any) -> None:
    """Walks every route: a write added later without a CSRF check fails here."""
    c = client(local)
    unsafe = [(m, p) for m, p in every_route(local) if m not in ("GET", "HEAD", "OPTIONS") and p != "/login"]
    assert ("POST", "/silences") in unsafe and ("POST", "/api/v1/silences/1/expire") in unsafe
    for method, path in unsafe:
        kw: dict[str, Any] = ({"json": {"matchers": {"kind": "x"}, "hours": 1}} if path.startswith("/api/")
                              else {"data": {"kind": "x"}})
        assert c.request(method, path, **kw).status_code == 403, (method, path)
        assert c.request(method, path, headers={"Origin": EVIL}, **kw).status_code == 403, (method, path)
    assert silence_count(local) == 0


def test_local_mode_answers_only_loopback_and_configured_host_names(local: Any, tmp_path: Path) -> None:
    from gkwatch.web import create_app

    # DNS rebinding: the attacker's name now points at 127.0.0.1, the browser sends it as Host
    for host in ("evil.example:8000", "rebind.127.0.0.1.nip.example:8000", "evil.example",
                 "127.0.0.1:9999", "localhost:8001", "localhost"):  # the server listens on 8000
        r = client(local).get("/api/v1/statuses", headers={"Host": host})
        assert r.status_code == 421, (host, r.status_code)
        assert "示例县" not in r.text
        assert client(local).get("/", headers={"Accept": "text/html", "Host": host}).status_code == 421
    for base in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://LOCALHOST.:8000"):
        r = client(local, base_url=base).get("/api/v1/statuses")
        assert r.status_code == 200 and "示例县" in r.text, base
    # a malformed Host is refused as well
    r = client(local).get("/api/v1/statuses", headers={"Host": "127.0.0.1:8000@evil.example"})
    assert r.status_code == 421
    # names the operator lists are answered
    settings = local.state.settings.model_copy(update={"web_allowed_hosts": ["gkwatch.lan", "dash.lan:8443"]})
    named = create_app(settings, insecure_local=True)
    assert client(named, base_url="http://gkwatch.lan:8000").get("/api/v1/me").status_code == 200
    assert client(named, base_url="http://dash.lan:8443").get("/api/v1/me").status_code == 200
    assert client(named, base_url="http://dash.lan:8000").get("/api/v1/me").status_code == 421


def test_local_mode_host_check_on_a_real_server(tmp_path: Path) -> None:
    import httpx

    from gkwatch.web import create_app

    settings = make_settings(tmp_path)
    build_sample(settings)
    with LiveServer(create_app(settings, insecure_local=True)) as server:
        with httpx.Client(timeout=10) as http:
            ok = http.get(f"{server.url}/api/v1/statuses")
            assert ok.status_code == 200 and "示例县" in ok.text
            for host in ("evil.example", f"evil.example:{server.port}", f"localhost:{server.port + 1}"):
                r = http.get(f"{server.url}/api/v1/statuses", headers={"Host": host})
                assert r.status_code == 421 and "示例县" not in r.text, host
            assert http.get(f"{server.url}/api/v1/me", headers={"Host": f"localhost:{server.port}"}).status_code == 200


def test_token_mode_checks_host_only_when_names_are_configured(tokens: Any) -> None:
    from gkwatch.web import create_app

    auth = {"Authorization": f"Bearer {READ}"}
    assert client(tokens, base_url="http://anything.example").get("/api/v1/me", headers=auth).status_code == 200
    settings = tokens.state.settings.model_copy(update={"web_allowed_hosts": ["gkwatch.example.gov.cn"]})
    app = create_app(settings)
    assert client(app, base_url="https://gkwatch.example.gov.cn").get("/api/v1/me", headers=auth).status_code == 200
    assert client(app, base_url="http://anything.example").get("/api/v1/me", headers=auth).status_code == 421


def test_cross_origin_writes_are_refused_with_tokens_too(tokens: Any) -> None:
    c = client(tokens)
    admin = c.post("/login", data={"token": ADMIN}).cookies["gkwatch_session"]
    c.cookies.set("gkwatch_session", admin)
    csrf = page_csrf(c)  # even with the right token: the browser says another site sent it
    r = c.post("/silences", data={"kind": "P-LATE", "csrf": csrf}, headers={"Origin": EVIL})
    assert r.status_code == 403
    assert silence_count(tokens) == 0
    # behind a proxy that rewrites Host, an Origin naming a configured public name is this site
    from gkwatch.web import create_app

    settings = tokens.state.settings.model_copy(update={"web_allowed_hosts": ["gkwatch.example.gov.cn"]})
    app = create_app(settings)
    c2 = client(app)
    cookie = c2.post("/login", data={"token": ADMIN}, headers={"Origin": "https://gkwatch.example.gov.cn"})
    assert cookie.status_code == 303


# --- 2. login: origin, rate limit, token length -------------------------------------------

def test_login_refuses_cross_origin_posts(tokens: Any) -> None:
    c = client(tokens)
    for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Referer": EVIL + "/"}, {"Origin": "null"}):
        r = c.post("/login", data={"token": READ}, headers=headers)
        assert r.status_code == 403 and "gkwatch_session" not in r.cookies, headers
    r = c.post("/login", data={"token": READ}, headers={"Origin": LOCAL, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303 and "gkwatch_session" in r.cookies


def test_login_is_rate_limited_per_client_address(tokens: Any) -> None:
    from gkwatch.web.ratelimit import LoginLimiter

    now = [1000.0]
    tokens.state.login_limiter = LoginLimiter(5, clock=lambda: now[0])
    attacker = client(tokens, client=("192.0.2.10", 4000))
    for _ in range(5):
        assert attacker.post("/login", data={"token": "guess"}).status_code == 401
    r = attacker.post("/login", data={"token": READ})  # even the right token waits
    assert r.status_code == 429 and "gkwatch_session" not in r.cookies
    assert r.headers["retry-after"] == "60"
    assert "登录尝试过多" in r.text and "too many login attempts" in r.text
    # another address is not held back by this one
    assert client(tokens, client=("192.0.2.11", 4000)).post("/login", data={"token": READ}).status_code == 303
    now[0] += 30
    r = attacker.post("/login", data={"token": READ})
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    now[0] += 30.5  # the first attempts have left the 60 s window
    assert attacker.post("/login", data={"token": READ}).status_code == 303


def test_login_limit_comes_from_the_settings(tmp_path: Path) -> None:
    from gkwatch.web import create_app

    settings = make_settings(tmp_path, web_read_tokens=[READ], web_login_attempts_per_minute=2)
    c = client(create_app(settings))
    assert [c.post("/login", data={"token": "x"}).status_code for _ in range(3)] == [401, 401, 429]


def test_limiter_forgets_old_addresses() -> None:
    from gkwatch.web.ratelimit import LoginLimiter

    limiter = LoginLimiter(1, clock=lambda: 0.0, max_clients=3)
    for n in range(10):
        assert limiter.hit(f"10.0.0.{n}") == 0
    assert limiter.hit("10.0.0.9") > 0 and limiter.hit("10.0.0.0") == 0  # .0 was forgotten
    assert len(limiter._seen) <= 3


def test_short_and_example_tokens_are_refused_at_start(tmp_path: Path) -> None:
    from gkwatch.cli_web import check_start
    from gkwatch.web.auth import MIN_TOKEN_LENGTH

    good = "x" * MIN_TOKEN_LENGTH
    assert check_start(host="127.0.0.1", has_tokens=True, insecure_local=False, admin_tokens=[good]) is None
    short = check_start(host="127.0.0.1", has_tokens=True, insecure_local=False, admin_tokens=[good],
                        read_tokens=[good, "reader"])
    assert short and short.startswith("GKWATCH_WEB_READ_TOKENS 的第 2 个令牌太短") and "reader" not in short
    example = check_start(host="127.0.0.1", has_tokens=True, insecure_local=False,
                          admin_tokens=["change-me-admin-token-please-now"])
    assert example and "change-me" in example and "示例值" in example
    env = {"PATH": "/usr/bin:/bin", "GKWATCH_DATA_DIR": str(tmp_path / "var"), "HOME": str(tmp_path),
           "GKWATCH_WEB_ADMIN_TOKENS": '["too-short-token"]'}
    for argv in (["web", "--port", "1"], ["serve", "--web-port", "1"]):
        proc = subprocess.run([sys.executable, "-m", "gkwatch", *argv], capture_output=True, text=True,
                              timeout=60, env=env, cwd=tmp_path)
        assert proc.returncode == 2 and "令牌太短" in proc.stderr and "too-short-token" not in proc.stderr, argv


# --- 3. headers and cookie ------------------------------------------------------------------

def test_pages_carry_a_strict_content_security_policy(tokens: Any) -> None:
    c = client(tokens)
    auth = {"Authorization": f"Bearer {ADMIN}"}
    for path in ("/", "/alerts", "/silences", "/login", "/api/v1/statuses"):
        r = c.get(path, headers=auth)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'", path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    # the refusals carry them too
    assert "frame-ancestors 'none'" in c.get("/api/v1/statuses").headers["content-security-policy"]
    # snapshots keep their own, stricter policy
    snap = c.get("/api/v1/versions/1/snapshot", headers=auth)
    assert snap.status_code in (200, 404)
    if snap.status_code == 200:
        assert snap.headers["content-security-policy"] == "sandbox"


def test_templates_need_no_inline_script_or_style() -> None:
    """What the policy forbids is not in the pages (the browser test renders them)."""
    templates = Path(__file__).resolve().parents[2] / "gkwatch" / "web" / "templates"
    for path in templates.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text, re.I), path


def test_api_reference_needs_no_cdn_and_no_inline_script(tokens: Any) -> None:
    """/docs is rendered here from the OpenAPI description (issue 17: the Swagger bundle came
    from a CDN and left a blank page offline): the pages' own policy, no script at all."""
    r = client(tokens).get("/docs", headers={"Authorization": f"Bearer {READ}"})
    assert r.status_code == 200 and 'id="api-ops"' in r.text and "/api/v1/statuses" in r.text
    assert r.headers["content-security-policy"] == CSP
    assert "<script" not in r.text and "cdn" not in r.text.lower() and "https://" not in r.text
    assert client(tokens).get("/docs").status_code == 401  # still authenticated


def test_session_cookie_is_secure_httponly_and_samesite_by_default(tokens: Any, tmp_path: Path) -> None:
    from gkwatch.web import create_app

    r = client(tokens).post("/login", data={"token": READ})
    flags = [f.strip().lower() for f in r.headers["set-cookie"].split(";")]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    # the setting turns Secure off for plain http on localhost, and so does --insecure-local
    plain = tokens.state.settings.model_copy(update={"web_cookie_secure": False})
    for app in (create_app(plain), create_app(tokens.state.settings, insecure_local=True)):
        r = client(app).post("/login", data={"token": READ})
        flags = [f.strip().lower() for f in r.headers["set-cookie"].split(";")]
        assert "secure" not in flags and "httponly" in flags and "samesite=lax" in flags


# --- 4. delivery targets and the read role -----------------------------------------------

@pytest.fixture
def with_secret_targets(tokens: Any) -> Any:
    from sqlmodel import select

    from models import Alert, Delivery
    from models.db import session_scope

    with session_scope(tokens.state.settings.effective_database_url) as s:
        alert = s.exec(select(Alert)).first()
        assert alert is not None
        for channel, target, error in (
                ("webhook", BOT_URL, f"POST {BOT_URL} answered 500"),
                ("apprise", APPRISE, f"could not send to {APPRISE}"),
                ("email", "chief.officer@example.gov.cn, deputy@example.gov.cn",
                 "550 mailbox chief.officer@example.gov.cn unavailable")):
            s.add(Delivery(alert_id=alert.id, event="firing", channel=channel, target=target,  # type: ignore[arg-type]
                           message_id=f"msg_secret_{channel}", state="dead", attempts=3, last_error=error))
    return tokens


SECRETS = ("bot-secret-key-123", "AAHsecretbottoken", "123456789", "chief.officer", "deputy@", "office@",
           "/cgi-bin/webhook", "127.0.0.1:9/hook")


def test_read_role_sees_delivery_targets_masked(with_secret_targets: Any) -> None:
    c = client(with_secret_targets)
    read = {"Authorization": f"Bearer {READ}"}
    api = c.get("/api/v1/alerts", headers=read)
    page = c.get("/alerts", headers=read)
    assert api.status_code == 200 and page.status_code == 200
    for text in (api.text, page.text):
        for secret in SECRETS:
            assert secret not in text, secret
    targets = {d["channel"] + ":" + d["target"] for a in api.json() for d in a["deliveries"]}
    assert {"webhook:https://qyapi.weixin.qq.com/…", "apprise:tgram://…",
            "email:c***@example.gov.cn, d***@example.gov.cn", "email:o***@example.invalid",
            "webhook:http://127.0.0.1:9/…"} <= targets
    errors = [d["last_error"] for a in api.json() for d in a["deliveries"] if d["last_error"]]
    assert "POST https://qyapi.weixin.qq.com/… answered 500" in errors
    # the admin role sees them as stored
    admin = {"Authorization": f"Bearer {ADMIN}"}
    full = c.get("/api/v1/alerts", headers=admin).text + c.get("/alerts", headers=admin).text
    for secret in ("bot-secret-key-123", "AAHsecretbottoken", "chief.officer@example.gov.cn", "office@example.invalid"):
        assert secret in full, secret


def test_read_login_cookie_sees_targets_masked_too(with_secret_targets: Any) -> None:
    c = client(with_secret_targets)
    c.cookies.set("gkwatch_session", c.post("/login", data={"token": READ}).cookies["gkwatch_session"])
    text = c.get("/alerts").text + c.get("/api/v1/alerts").text
    assert "P-MISSING" in text
    for secret in SECRETS:
        assert secret not in text, secret


def test_mask_target_shapes() -> None:
    from gkwatch.web.masking import mask_target, mask_text

    assert mask_target("https://user:pw@hooks.example.gov.cn:8443/x/y?key=1") == "https://hooks.example.gov.cn:8443/…"
    assert mask_target("http://[2001:db8::1]/hook") == "http://[2001:db8::1]/…"
    assert mask_target("dingtalk://token@secret/13800000000") == "dingtalk://…"
    assert mask_target("mailto://user:app-password@qq.com") == "mailto://…"
    assert mask_target("a@example.gov.cn") == "a***@example.gov.cn"
    assert mask_target("not a target") == "***" and mask_target("") == ""
    assert mask_text(None) is None
    assert mask_text("to x.y@z.cn via https://h.cn/p?k=s failed") == "to x***@z.cn via https://h.cn/… failed"


# --- in a real browser: the policy breaks nothing, and its own forms pass the checks ----------

@pytest.mark.slow
@pytest.mark.parametrize("mode", ["tokens", "insecure-local"])
def test_browser_pages_and_forms_work_under_the_policy(tmp_path: Path, mode: str) -> None:
    import shutil

    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from gkwatch.web import create_app

    settings = make_settings(tmp_path, web_admin_tokens=[ADMIN])
    build_sample(settings)
    app = create_app(settings, insecure_local=mode == "insecure-local")
    violations: list[str] = []
    with LiveServer(app) as server, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            if mode == "tokens":  # the Secure cookie comes back over http://127.0.0.1 (a secure context)
                page.goto(server.url + "/login?next=/silences")
                page.fill("input[name=token]", ADMIN)
                page.click("button[type=submit]")
            else:
                page.goto(server.url + "/silences")
            page.wait_for_selector("#silences")
            page.fill("input[name=kind]", "P-LATE")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("#silences tbody tr.active")
            assert "P-LATE" in page.locator("#silences").inner_text()
            for path in ("/", "/alerts"):
                page.goto(server.url + path)
                colour = page.locator("header.top").evaluate("el => getComputedStyle(el).backgroundColor")
                assert colour == "rgb(32, 48, 74)", colour  # the stylesheet applied
        finally:
            browser.close()
    assert violations == []
    assert silence_count(app) == 1
