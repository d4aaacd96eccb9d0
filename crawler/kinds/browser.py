"""Columns drawn in the browser by JavaScript (single-page apps, script-only pagination).

Opt-in per portal (``render = "browser"``): list pages are rendered by Debian's Chromium
through scrapy-playwright; detail pages and attachments are still fetched by Scrapy's own
downloader.  After the page settles, a small script walks the column's script-only
pagination (a 下一页 control without a real link), keeping the rows of every page it
saw, so the rendered answer holds all of them; it is then read like a plain HTML list.

The browser fetches sub-resources itself, so the same-host rule is enforced there too
(``PLAYWRIGHT_ABORT_REQUEST``: anything off the allowed hosts, and images, media and
fonts, is aborted). The navigation itself goes through Scrapy's middlewares (robots.txt,
the off-host gate). Its own budget: ``browser = {concurrency, timeout, budget, pages}``.
"""
from __future__ import annotations

import importlib.util
import shutil
from typing import Any, Mapping

from crawler.kinds.base import ListInput, PortalKind
from crawler.listing import ListPage, parse_list_page
from crawler.rules import LinkRules, host_allowed
from ground.errors import ConfigError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")
DEFAULTS: dict[str, int] = {"concurrency": 1, "timeout": 30, "budget": 300, "pages": 20}
ABORTED_RESOURCES = frozenset({"image", "media", "font"})

#: Collects the rows of the current page, clicks a script-only "next" control, waits for
#: the rows to change, and repeats; finally appends every row seen to the document.
WALK_PAGES_JS = r"""
async (maxPages) => {
  const NEXT = ["下一页", "下页", "后页", ">", ">>", "»", "›", "next"];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const rows = new Map();
  const signature = () => Array.from(document.querySelectorAll("a[href]"))
      .map((a) => a.getAttribute("href")).join("|");
  const grab = () => {
    for (const a of document.querySelectorAll("a[href]")) {
      const row = a.closest("li, tr, dd, p") || a;
      rows.set(row.outerHTML, true);
    }
  };
  const realLink = (el) => {
    const h = (el.getAttribute && el.getAttribute("href")) || "";
    return h && !h.startsWith("#") && !h.toLowerCase().startsWith("javascript:");
  };
  const nextControl = () => {
    for (const el of document.querySelectorAll("a, button, span, li, div, input")) {
      const text = (el.innerText || el.value || "").trim().toLowerCase();
      if (!NEXT.includes(text) || realLink(el)) continue;
      if (el.disabled || /disabled/.test(el.className || "")) continue;
      if (el.children.length > 0) continue;  // the innermost element: a click bubbles up
      return el;
    }
    return null;
  };
  grab();
  for (let i = 1; i < maxPages; i++) {
    const ctl = nextControl();
    if (!ctl) break;
    const before = signature();
    ctl.click();
    let changed = false;
    for (let t = 0; t < 50 && !changed; t++) { await sleep(100); changed = signature() !== before; }
    if (!changed) break;
    grab();
  }
  const box = document.createElement("div");
  box.id = "gkwatch-rendered-pages";
  box.innerHTML = "<ul>" + Array.from(rows.keys()).join("") + "</ul>";
  document.body.appendChild(box);
  return rows.size;
}
"""


def options(spec: Any) -> dict[str, int]:
    return {**DEFAULTS, **dict(getattr(spec, "browser", None) or {})}


def chromium_path() -> str | None:
    return CHROMIUM if shutil.which(CHROMIUM) else shutil.which("chromium")


class BrowserKind(PortalKind):
    kind = "browser"
    spec_key = "browser"
    summary = "rendered by Chromium (render = \"browser\"), script-only pagination walked"

    def check(self, raw: Mapping[str, Any]) -> None:
        b = raw.get("browser") or {}
        if not isinstance(b, Mapping):
            raise ConfigError("portal spec: browser must be a table {concurrency, timeout, budget, pages}")
        for key, v in b.items():
            if key not in DEFAULTS:
                raise ConfigError(f"portal spec: browser.{key}: unknown (known: {', '.join(DEFAULTS)})")
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"portal spec: browser.{key} must be an integer >= 1")

    def request_meta(self, spec: Any) -> dict[str, Any]:
        # lazy: scrapy-playwright is an optional extra, loaded only by a browser crawl
        from scrapy_playwright.page import PageMethod

        opts = options(spec)
        return {"playwright": True, "playwright_context": "gkwatch",
                "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
                "playwright_page_methods": [PageMethod("evaluate", WALK_PAGES_JS, opts["pages"])]}

    def settings(self, spec: Any) -> dict[str, Any]:
        """Checked when a crawl starts, not when the portal is imported: the machine that
        edits portals.toml need not be the one that crawls."""
        if importlib.util.find_spec("scrapy_playwright") is None:
            raise ConfigError("render = \"browser\" needs scrapy-playwright (pip install 'gkwatch[browser]')")
        if chromium_path() is None:
            raise ConfigError(f"render = \"browser\": no chromium at {CHROMIUM} (apt-get install chromium)")
        opts = options(spec)
        hosts = list(spec.allowed_hosts)

        def abort(request: Any) -> bool:
            # the browser's own fetches: nothing off the allowed hosts, no heavy media
            return request.resource_type in ABORTED_RESOURCES or not host_allowed(request.url, hosts)

        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        return {
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium_path() or CHROMIUM,
                                          "headless": True, "args": list(CHROMIUM_ARGS),
                                          "timeout": opts["timeout"] * 1000},
            "PLAYWRIGHT_MAX_CONTEXTS": 1,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": opts["concurrency"],
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": opts["timeout"] * 1000,
            "PLAYWRIGHT_ABORT_REQUEST": abort,
        }

    def read(self, page: ListInput, rules: LinkRules, spec: Any) -> ListPage:
        return parse_list_page(page.body, page.url, rules, page.encoding, trs_pager=True)
