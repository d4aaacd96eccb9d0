"""Page templates of three CMS families, modelled on real portal columns (no copied text).

* ``trs``  — TRS WCM: column ``…/zfxxgknb/index.html`` (+ ``index_1.html``), items at
  ``./YYYYMM/tYYYYMMDD_<id>.html``, national metadata (``<meta name="PubDate">``…) and a
  byline; pagination drawn by ``createPageHTML`` plus plain links.
* ``art``  — Hanweb-like: items at ``/art/YYYY/M/D/art_<col>_<id>.html`` with a 索引号 /
  发布机构 / 发布日期 header table and no metadata; pages are GBK-encoded.
* ``col``  — column at ``/col/colNNN/index.html``, items ``/content/post_<id>.html`` whose
  only date is the byline "发布时间：…"; article bodies pasted from Word.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

STYLES = ("trs", "art", "col")
#: how each style encodes its pages
ENCODING = {"trs": "utf-8", "art": "gbk", "col": "utf-8"}
#: items per list page (older items spill over to index_1.html)
PAGE_SIZE = {"trs": 4, "art": 20, "col": 20}


@dataclass
class Item:
    """One entry of a column: a report or a notice, its page and attachments."""

    title: str
    path: str                       # absolute URL path of the detail page
    published: datetime             # Beijing time, naive
    body_html: str
    doc_id: int
    attachments: list[tuple[str, str]] = field(default_factory=list)   # (path, label)
    modified: datetime | None = None


@dataclass(frozen=True)
class Column:
    """Where a column lives and whose it is."""

    site_name: str                  # the county portal
    agency: str
    style: str
    list_dir: str                   # e.g. "/fgj/zfxxgknb/" or "/jyj/col/col1234/"
    col_id: int


def _dt(d: datetime, with_time: bool = True) -> str:
    return d.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _shell(col: Column, title: str, main: str, *, metas: dict[str, str] | None = None,
           crumbs: str = "") -> str:
    charset = ENCODING[col.style]
    meta = "".join(f'<meta name="{escape(k)}" content="{escape(v)}">\n' for k, v in (metas or {}).items())
    head_charset = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                    if charset != "utf-8" else '<meta charset="utf-8">')
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{head_charset}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
{meta}<title>{escape(title)}_{escape(col.site_name)}</title>
<link rel="stylesheet" href="/static/css/common.css">
<script src="/static/js/jquery.min.js"></script>
</head>
<body>
<div class="top-bar"><span>{escape(col.site_name)}</span> <a href="/">网站首页</a> <a href="javascript:void(0)" onclick="addFav()">加入收藏</a> <a href="/wza/">无障碍浏览</a></div>
<div class="header"><h2 class="site-name">{escape(col.site_name)}</h2>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; {escape(col.agency)} &gt; 政府信息公开年报{crumbs}</div>
<div class="main">
{main}
</div>
<div class="footer"><p>主办：{escape(col.site_name.replace("门户网站", ""))}办公室　承办：县大数据服务中心</p>
<p>网站标识码：0000000000（演示）　本站为演示站点，所列机关与数据均为虚构</p></div>
</body>
</html>
"""


# --- list pages --------------------------------------------------------------------------


def list_page(col: Column, items: list[Item], page_no: int, n_pages: int) -> str:
    """One page of a column, in the column's style."""
    if col.style == "trs":
        return _trs_list(col, items, page_no, n_pages)
    rows = []
    for it in items:
        if col.style == "art":
            rows.append(f'<tr><td class="t"><a href="{it.path}" target="_blank" title="{escape(it.title)}">'
                        f'{escape(it.title)}</a></td><td class="d">{_dt(it.published, False)}</td></tr>')
        else:
            rows.append(f'<li><a href="{it.path}" target="_blank">{escape(it.title)}</a>'
                        f'<span class="date">[{it.published:%Y-%m-%d}]</span></li>')
    if col.style == "art":
        listing = ('<table class="xxgk-list"><tr><th>名称</th><th>发布日期</th></tr>'
                   + "".join(rows) + "</table>")
    else:
        listing = f'<div class="default_pgContainer"><ul class="list">{"".join(rows)}</ul></div>'
    side = ('<div class="left-menu"><h3>信息公开目录</h3><ul><li><a href="/zwgk/zcwj/">政策文件</a></li>'
            '<li class="on"><a href="index.html">政府信息公开年报</a></li>'
            '<li><a href="/zwgk/ysqgk/">依申请公开</a></li></ul></div>')
    return _shell(col, "政府信息公开年报", f'{side}<div class="right-list"><h3 class="col-title">政府信息公开年报</h3>'
                  f"{listing}</div>")


def _trs_list(col: Column, items: list[Item], page_no: int, n_pages: int) -> str:
    rows = []
    for it in items:
        rel = "./" + it.path[len(col.list_dir):]
        rows.append(f'<li><a href="{rel}" target="_blank" title="{escape(it.title)}">{escape(it.title)}</a>'
                    f'<span>{_dt(it.published, False)}</span></li>')
    name = lambda n: "index.html" if n == 0 else f"index_{n}.html"  # noqa: E731
    pager = [f'<a href="{name(0)}">首页</a>']
    if page_no > 0:
        pager.append(f'<a href="{name(page_no - 1)}">上一页</a>')
    if page_no + 1 < n_pages:
        pager.append(f'<a href="{name(page_no + 1)}">下一页</a>')
    pager.append(f'<a href="{name(n_pages - 1)}">尾页</a>')
    script = (f'<script type="text/javascript">var currentPage = {page_no}; var countPage = {n_pages};'
              f' createPageHTML({n_pages}, {page_no}, "index", "html");</script>')
    main = (f'<div class="list-title"><span>政府信息公开年报</span></div><ul class="list_news">{"".join(rows)}</ul>'
            f'<div class="page">{script}{" ".join(pager)}</div>')
    metas = {"SiteName": col.site_name, "ColumnName": "政府信息公开年报", "ColumnType": "政府信息公开年报"}
    return _shell(col, "政府信息公开年报", main, metas=metas)


# --- detail pages ------------------------------------------------------------------------


def _attachments(item: Item) -> str:
    if not item.attachments:
        return ""
    links = "".join(f'<li><a href="{p}" target="_blank">{escape(label)}</a></li>' for p, label in item.attachments)
    return f'<div class="fujian"><span>附件：</span><ul>{links}</ul></div>'


def _modified_note(item: Item) -> str:
    if not item.modified:
        return ""
    return f'<span class="modified">修改日期：{_dt(item.modified)}</span>'


def detail_page(col: Column, item: Item, index_no: str) -> str:
    """The article page of ``item`` in the column's style."""
    title_h = f'<h1 class="article-title">{escape(item.title)}</h1>'
    body = f'<div class="article-content" id="zoom">{item.body_html}</div>{_attachments(item)}'
    share = '<div class="article-tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>'
    if col.style == "trs":
        metas = {"SiteName": col.site_name, "ColumnName": "政府信息公开年报", "ArticleTitle": item.title,
                 "PubDate": _dt(item.published), "ContentSource": col.agency, "DocId": str(item.doc_id)}
        info = (f'<div class="article-info"><span>发布时间：{_dt(item.published)}</span> '
                f'<span>来源：{escape(col.agency)}</span> {_modified_note(item)}</div>')
        return _shell(col, item.title, title_h + info + body + share, metas=metas)
    if col.style == "art":
        header = (
            '<table class="xxgk-head">'
            f"<tr><td>索引号：</td><td>{index_no}</td><td>主题分类：</td><td>其他</td></tr>"
            f"<tr><td>发布机构：</td><td>{escape(col.agency)}</td><td>发布日期：</td><td>{_dt(item.published)}</td></tr>"
            f"<tr><td>文号：</td><td></td><td>公开方式：</td><td>主动公开</td></tr>"
            f"<tr><td>名称：</td><td colspan=\"3\">{escape(item.title)}</td></tr></table>")
        return _shell(col, item.title, header + title_h + body + (
            f'<div class="article-info">{_modified_note(item)}</div>' if item.modified else "") + share)
    info = (f'<div class="bt_time"><span>发布时间：{_dt(item.published)}</span> <span>信息来源：{escape(col.agency)}</span>'
            f' <span>浏览次数：<script>document.write(hits)</script></span> {_modified_note(item)}</div>')
    return _shell(col, item.title, title_h + info + body + share)


def portal_home(site_name: str, columns: list[tuple[str, str]]) -> str:
    """The county portal's entry page: one link per agency's annual-report column."""
    links = "".join(f'<li><a href="{p}">{escape(n)}　政府信息公开年报</a></li>' for n, p in columns)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(site_name)}</title></head>
<body><h1>{escape(site_name)}</h1><p>本站为演示站点，所列机关与数据均为虚构。</p>
<h2>政府信息公开年报</h2><ul>{links}</ul></body></html>
"""
