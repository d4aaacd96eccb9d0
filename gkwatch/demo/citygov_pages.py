"""The pages of the city of :mod:`gkwatch.demo.citygov`, one drawing function per page
kind.  Shapes follow the CMS families as public portals show them (no copied text)."""
from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from gkwatch.demo.citygov import CITY, CITY_GOVERNMENT, SITE_NAME, Body, City, CityItem

PAGE_SIZE = 2           # rows per list page: every column has three pages
HANWEB_PER_PAGE = 1     # Hanweb: one row a page, three pages a group (one dataproxy call)
ENCODING = {"gbk": "gbk"}
#: stands for the address of a site outside the city (the server fills it in): every page
#: links it, and no crawl may ever fetch from it
EXTERNAL = "http://__EXTERNAL__"


def _doc(title: str, body: str, *, charset: str = "utf-8", head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta http-equiv="Content-Type" '
            f'content="text/html; charset={charset}"><title>{escape(title)}</title>{head}</head>'
            f'<body><div class="top"><a href="/">首页</a> <a href="/wza/">无障碍</a> '
            f'<a href="javascript:void(0)">加入收藏</a></div>{body}'
            f'<div class="footer"><a href="{EXTERNAL}/">中国政府网</a> <a href="{EXTERNAL}/zwgk/nb.pdf">'
            f'国务院2024年政府信息公开工作年度报告</a> 本站为测试站点，{CITY}及所列机关均为虚构</div></body></html>')


def _day(d: datetime, with_time: bool = False) -> str:
    return d.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def charset(host: str) -> str:
    return ENCODING.get(host, "utf-8")


# --- the portal and its directory ------------------------------------------------------


def home(city: City, urls: dict[str, str]) -> str:
    news = "".join(f'<li><a href="/xwzx/{n}.html">{CITY}召开第{n}次常务会议</a></li>' for n in (31, 32))
    nav = ('<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/index.html">政府信息公开</a></li>'
           '<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul>')
    return _doc(SITE_NAME, f"<h1>{SITE_NAME}</h1>{nav}<h2>要闻</h2><ul>{news}</ul>")


def _body_link(body: Body, urls: dict[str, str]) -> str:
    return f'<li><a href="{urls[body.host]}{body.xxgk_path}" target="_blank">{escape(body.name)}</a></li>'


def directory(city: City, urls: dict[str, str]) -> str:
    """政府信息公开 directory: 本级政府 and 部门 here, 乡镇（街道） on a page of its own."""
    gov = [b for b in city.bodies if b.kind == "本级政府"]
    depts = [b for b in city.bodies if b.kind == "部门"]
    side = ('<ul class="side"><li><a href="/zwgk/xxgkzn.html">政府信息公开指南</a></li>'
            '<li><a href="/zwgk/xxgkzd.html">政府信息公开制度</a></li>'
            '<li><a href="/zwgk/ysqgk.html">依申请公开</a></li></ul>')
    main = (f"<h2>本级政府</h2><ul>{''.join(_body_link(b, urls) for b in gov)}</ul>"
            f"<h2>市政府部门</h2><ul class='bm'>{''.join(_body_link(b, urls) for b in depts)}</ul>"
            '<h2>乡镇（街道）</h2><p><a href="/zwgk/xzjd.html">乡镇（街道）信息公开</a></p>')
    return _doc(f"政府信息公开_{SITE_NAME}", f"<h1>政府信息公开</h1>{side}{main}")


def directory_towns(city: City, urls: dict[str, str]) -> str:
    towns = [b for b in city.bodies if b.kind == "乡镇街道"]
    return _doc(f"乡镇（街道）信息公开_{SITE_NAME}",
                f"<h1>乡镇（街道）信息公开</h1><ul>{''.join(_body_link(b, urls) for b in towns)}</ul>"
                '<p><a href="/zwgk/index.html">返回政府信息公开</a></p>')


def body_page(body: Body) -> str:
    """The body's own 信息公开 page: its catalogue, one entry of which is the report column."""
    entries = [("机构职能", "jgzn.html"), ("政府信息公开指南", "xxgkzn.html"),
               ("政府信息公开制度", "xxgkzd.html"), ("法定主动公开内容", "fdzdgknr.html"),
               (body.nav_text, body.column_path), ("依申请公开", "ysqgk.html")]
    links = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for text, href in entries)
    return _doc(f"{body.name}信息公开", f"<h1>{escape(body.name)}信息公开</h1><ul class='xxgk-nav'>{links}</ul>",
                charset=charset(body.host))


# --- column pages ----------------------------------------------------------------------


def _row(body: Body, it: CityItem, rel: bool = False) -> str:
    href = it.path
    if rel:  # TRS writes links relative to the column
        href = "./" + it.path[len(body.column_path.rsplit("/", 1)[0]) + 1:]
    return (f'<li><a href="{href}" target="_blank" title="{escape(it.title)}">{escape(it.title)}</a>'
            f'<span class="date">{_day(it.published)}</span></li>')


def list_pages(body: Body) -> dict[str, str]:
    """Static and TRS columns: path → page."""
    pages = [body.items[i:i + PAGE_SIZE] for i in range(0, len(body.items), PAGE_SIZE)]
    base = body.column_path.rsplit("/", 1)[0]
    out = {}
    for n, rows in enumerate(pages):
        name = "index.html" if n == 0 else f"index_{n}.html"
        listing = "<ul class='list'>" + "".join(_row(body, it, body.portal == "trs") for it in rows) + "</ul>"
        if body.portal == "trs":  # pages only through the script, as TRS templates do
            pager = f'<script type="text/javascript">createPageHTML({len(pages)}, {n}, "index", "html");</script>'
        else:
            pager = "".join([f'<a href="index{"" if n == 1 else f"_{n - 1}"}.html">上一页</a>' if n else "",
                             f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(pages) else ""])
        out[f"{base}/{name}"] = _doc(f"{body.nav_text}_{body.name}",
                                     f"<h2>{escape(body.nav_text)}</h2>{listing}<div class='page'>{pager}</div>",
                                     charset=charset(body.host))
    return out


def hanweb_record(body: Body, it: CityItem) -> str:
    return (f"<record><![CDATA[<li><a href='{it.path}' title='{escape(it.title)}' target=\"_blank\">"
            f"{escape(it.title)}</a><span>{_day(it.published)}</span></li>]]></record>")


def hanweb_unit(body: Body) -> int:
    return 80000 + body.col_id % 1000


def hanweb_column(body: Body) -> str:
    unit, group = hanweb_unit(body), HANWEB_PER_PAGE * 3
    proxy = (f"/module/web/jpage/dataproxy.jsp?page=1&amp;appid=1&amp;webid=3&amp;path=/&amp;columnid={body.col_id}"
             f"&amp;unitid={unit}&amp;webname={quote(body.name)}&amp;permissiontype=0")
    records = "".join(hanweb_record(body, it) for it in body.items[:group])
    island = (f'<div id="{unit}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}"></a>]]>'
              f"</nextgroup><recordset>{records}</recordset></datastore></script></div>")
    pager = (f"<script>$('#{unit}').jpage({{dataStore: dataStore, totalRecord: {len(body.items)}, "
             f"perPage: {HANWEB_PER_PAGE}, proxyUrl: '/module/web/jpage/dataproxy.jsp', groupSize: 3}});</script>")
    head = '<script src="/module/web/jpage/jquery.jpage.js"></script>'
    return _doc(f"{body.nav_text}_{body.name}", f"<h2>{escape(body.nav_text)}</h2>{island}{pager}", head=head)


def hanweb_proxy_answer(body: Body, start: int, end: int) -> str:
    rows = body.items[max(start, 1) - 1:end]
    total = len(body.items)
    pages = -(-total // HANWEB_PER_PAGE)
    return (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
            f"<totalpage>{pages}</totalpage><recordset>{''.join(hanweb_record(body, it) for it in rows)}"
            "</recordset></datastore>")


def gkmlpt_sid(body: Body) -> str:
    return str(200000 + body.col_id)


def gkmlpt_index(body: Body) -> str:
    config = {"SID": gkmlpt_sid(body), "SITE_NAME": body.name}
    return _doc(f"政府信息公开目录_{body.name}",
                f"<div id='app'></div><script>window._CONFIG = {json.dumps(config, ensure_ascii=False)};</script>"
                f"<script src='/{body.prefix}/gkmlpt/gkml/pc/js/app.js'></script>")


def gkmlpt_answer(body: Body, base_url: str, page: int) -> str:
    rows = body.items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    arts = [{"id": it.doc_id, "title": it.title, "url": base_url + it.path,
             "created_at": it.published.strftime("%Y-%m-%d %H:%M:%S"),
             "first_publish_time": int((it.published - datetime(1970, 1, 1)).total_seconds()) - 8 * 3600}
            for it in rows]
    return json.dumps({"total": len(body.items), "articles": arts,
                       "classify": {"id": body.col_id, "post_count": len(body.items)}}, ensure_ascii=False)


def spa_shell(body: Body) -> str:
    return _doc(f"{body.nav_text}_{body.name}",
                f'<div id="app" data-col="{body.prefix}"><p class="loading">加载中……</p></div>'
                '<script src="/static/xxgk-list.js"></script>')


#: the single-page app: draws the list from its API and pages by a script-only button
SPA_JS = """
(function () {
  var app = document.getElementById("app");
  var col = app.getAttribute("data-col");
  function show(page) {
    fetch("/api/" + col + "/list?page=" + page).then(function (r) { return r.json(); }).then(function (res) {
      var rows = res.data.rows.map(function (x) {
        return '<li><a href="' + x.u + '" target="_blank">' + x.t + '</a><span>' + x.d + '</span></li>';
      }).join("");
      var last = page * res.data.size >= res.data.total;
      app.innerHTML = '<ul class="list">' + rows + '</ul><div class="pager"><span class="btn' +
        (last ? ' disabled' : '') + '" id="next">下一页</span></div>';
      if (!last) { document.getElementById("next").onclick = function () { show(page + 1); }; }
    });
  }
  show(1);
})();
"""


def spa_answer(body: Body, page: int) -> str:
    rows = body.items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return json.dumps({"code": 0, "data": {"total": len(body.items), "size": PAGE_SIZE, "rows": [
        {"t": it.title, "u": it.path, "d": _day(it.published)} for it in rows]}}, ensure_ascii=False)


# --- detail pages ----------------------------------------------------------------------


def detail(body: Body, it: CityItem, article: str) -> str:
    head = (f'<meta name="ArticleTitle" content="{escape(it.title)}">'
            f'<meta name="PubDate" content="{_day(it.published, True)}">')
    if it.viewer:  # no link to the file: a viewer page shows it
        atts = "".join(f'<iframe src="/pdfjs/web/viewer.html?file={quote(p, safe="")}"></iframe>'
                       for p, _ in it.attachments)
    else:
        atts = "".join(f'<li><a href="{p}">{escape(it.title)}.{fmt}</a></li>' for p, fmt in it.attachments)
    main = (f"<h1>{escape(it.title)}</h1><div class='info'>发布时间：{_day(it.published, True)}　"
            f"来源：{escape(body.name)}</div><div id='zoom'>{article}</div>"
            + (f"<div class='fujian'>附件：<ul>{atts}</ul></div>" if atts else ""))
    return _doc(it.title, main, charset=charset(body.host), head=head)


def notice_text(body: Body, it: CityItem) -> str:
    return f"<p>{escape(body.name)}：{escape(it.title)}，详见正文。</p>"


def robots() -> str:
    return "User-agent: *\nDisallow: /admin/\n"


def gov_name() -> str:
    return CITY_GOVERNMENT


def plan_rows(city: City, urls: dict[str, str]) -> list[dict[str, Any]]:
    """What was planted, as plain data: body, kinds, column URL, reports and their dates
    (a file linked straight from the list has only the day the list prints)."""
    def shown(r: CityItem) -> datetime:
        return r.published.replace(hour=0, minute=0) if r.direct else r.published

    return [{"name": b.name, "kind": b.kind, "portal": b.portal, "host": b.host,
             "column": urls[b.host] + b.column_path,
             "reports": [{"year": r.year, "url": urls[b.host] + r.path,
                          "published": shown(r).strftime("%Y-%m-%dT%H:%M:00+08:00")} for r in b.reports]}
            for b in city.bodies]
