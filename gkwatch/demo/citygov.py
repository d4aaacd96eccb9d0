"""A fictional city government of 30 bodies spread over every portal kind (issue 16).

青岚市 and its bodies are invented.  The city's portal (host ``www``) has a 政府信息公开
directory listing every body; each body's 信息公开 page links its 政府信息公开年报 column,
which lives on one of five hosts, each a different CMS family:

=========  =============================================================================
www        the portal: static HTML columns (``index_N.html`` + 下一页) and TRS WCM columns
jcms       Hanweb JCMS: ``<datastore>`` data island + ``dataproxy.jsp`` (GET or POST)
xxgk       a 信息公开目录 platform: ``/gkmlpt/index#<col>`` and a JSON list API
app        a single-page app: the list is drawn by script, pagination by a script button
gbk        an old bureau site whose pages are GBK-encoded
=========  =============================================================================

:func:`build_city` returns the :class:`City` (what was planted, the truth the tests
compare with); :mod:`gkwatch.demo.citygov_pages` draws its pages and
:mod:`gkwatch.demo.cityserve` serves them on several loopback addresses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gkwatch.demo.reports import rng_for

CITY = "青岚市"
CITY_GOVERNMENT = "青岚市人民政府"
SITE_NAME = "青岚市人民政府门户网站"
HOSTS = ("www", "jcms", "xxgk", "app", "gbk")
PORTAL_KINDS = ("static", "trs", "hanweb", "jsonapi", "browser")
YEARS = (2022, 2023, 2024)

#: (name, agency kind, portal kind, host, prefix, nav text of the annual-report column)
_ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("青岚市人民政府", "本级政府", "trs", "www", "szf", "政府信息公开年报"),
    ("青岚市发展和改革委员会", "部门", "static", "www", "fgw", "政府信息公开年报"),
    ("青岚市教育局", "部门", "static", "www", "jyj", "政府信息公开年度报告"),
    ("青岚市科学技术局", "部门", "static", "www", "kjj", "年度报告"),
    ("青岚市工业和信息化局", "部门", "static", "www", "gxj", "政府信息公开年报"),
    ("青岚市公安局", "部门", "static", "www", "gaj", "信息公开年报"),
    ("青岚市民政局", "部门", "trs", "www", "mzj", "政府信息公开年报"),
    ("青岚市司法局", "部门", "trs", "www", "sfj", "政府信息公开年度报告"),
    ("青岚市财政局", "部门", "trs", "www", "czj", "政府信息公开年报"),
    ("青岚市人力资源和社会保障局", "部门", "trs", "www", "rsj", "政府信息公开年报"),
    ("青岚市自然资源和规划局", "部门", "hanweb", "jcms", "zrzyj", "政府信息公开年报"),
    ("青岚市生态环境局", "部门", "hanweb", "jcms", "sthjj", "政府信息公开年度报告"),
    ("青岚市住房和城乡建设局", "部门", "hanweb", "jcms", "zjj", "政府信息公开年报"),
    ("青岚市交通运输局", "部门", "hanweb", "jcms", "jtysj", "年报"),
    ("青岚市水利局", "部门", "hanweb", "jcms", "slj", "政府信息公开年报"),
    ("青岚市农业农村局", "部门", "hanweb", "jcms", "nyncj", "政府信息公开年报"),
    ("青岚市市场监督管理局", "部门", "static", "gbk", "scjgj", "政府信息公开年报"),
    ("青岚市卫生健康委员会", "部门", "browser", "app", "wjw", "政府信息公开年报"),
    ("青岚市城关街道办事处", "乡镇街道", "jsonapi", "xxgk", "cgjd", "政府信息公开年报"),
    ("青岚市东湖街道办事处", "乡镇街道", "jsonapi", "xxgk", "dhjd", "政府信息公开年报"),
    ("青岚市西山街道办事处", "乡镇街道", "jsonapi", "xxgk", "xsjd", "政府信息公开年度报告"),
    ("青岚市南桥镇人民政府", "乡镇街道", "jsonapi", "xxgk", "nqz", "政府信息公开年报"),
    ("青岚市北塘镇人民政府", "乡镇街道", "jsonapi", "xxgk", "btz", "政府信息公开年报"),
    ("青岚市石门镇人民政府", "乡镇街道", "jsonapi", "xxgk", "smz", "政府信息公开年报"),
    ("青岚市柳溪镇人民政府", "乡镇街道", "browser", "app", "lxz", "政府信息公开年报"),
    ("青岚市白沙镇人民政府", "乡镇街道", "browser", "app", "bsz", "政府信息公开年报"),
    ("青岚市云台乡人民政府", "乡镇街道", "static", "www", "ytx", "政府信息公开年报"),
    ("青岚市桃源乡人民政府", "乡镇街道", "static", "www", "tyx", "政府信息公开年度报告"),
    ("青岚市龙泉镇人民政府", "乡镇街道", "static", "www", "lqz", "政府信息公开年报"),
    ("青岚市清水镇人民政府", "乡镇街道", "trs", "www", "qsz", "政府信息公开年报"),
)


@dataclass
class CityItem:
    """One entry of a column: a report (``year`` set) or a notice."""

    title: str
    year: int | None
    published: datetime            # Beijing time, naive
    doc_id: int
    path: str = ""                 # the detail page (or, when ``direct``, the file itself)
    attachments: list[tuple[str, str]] = field(default_factory=list)   # (path, format)
    direct: str | None = None      # "pdf": the list links the file itself
    viewer: bool = False           # the page shows its PDF in a viewer (viewer.html?file=…)


@dataclass
class Body:
    name: str
    kind: str                      # 本级政府 / 部门 / 乡镇街道
    portal: str                    # one of PORTAL_KINDS
    host: str                      # one of HOSTS
    prefix: str
    nav_text: str
    col_id: int
    items: list[CityItem] = field(default_factory=list)
    column_path: str = ""          # the column's URL path on its host (fragment kept)
    xxgk_path: str = ""            # the body's 信息公开 page

    @property
    def reports(self) -> list[CityItem]:
        return [i for i in self.items if i.year is not None]


@dataclass
class City:
    bodies: list[Body]
    seed: int

    def body(self, name: str) -> Body:
        return next(b for b in self.bodies if b.name == name)


def report_title(body: Body, year: int) -> str:
    return f"{body.name}{year}年政府信息公开工作年度报告"


def _paths(body: Body) -> None:
    p = body.prefix
    body.xxgk_path = "/zwgk/szf/index.html" if body.kind == "本级政府" else f"/{p}/xxgk/index.html"
    body.column_path = {
        "static": f"/{p}/xxgk/ndbg/index.html",
        "trs": f"/{p}/zfxxgk/zfxxgknb/index.html",
        "hanweb": f"/col/col{body.col_id}/index.html",
        "jsonapi": f"/{p}/gkmlpt/index#{body.col_id}",
        "browser": f"/{p}/xxgk/nb.html",
    }[body.portal]


def _item_paths(body: Body, it: CityItem) -> None:
    d, p = it.published, body.prefix
    if body.portal == "trs":
        base = body.column_path.rsplit("/", 1)[0]
        it.path = f"{base}/{d:%Y%m}/t{d:%Y%m%d}_{it.doc_id}.html"
        att = f"{base}/{d:%Y%m}/P0{d:%Y%m%d}{it.doc_id}"
    elif body.portal == "hanweb":
        it.path = f"/art/{d.year}/{d.month}/{d.day}/art_{body.col_id}_{it.doc_id}.html"
        att = f"/picture/0/{d:%y%m%d}{it.doc_id}"
    elif body.portal == "jsonapi":
        it.path = f"/{p}/gkmlpt/content/0/{it.doc_id // 1000}/post_{it.doc_id}.html"
        att = f"/{p}/attachment/0/{it.doc_id}"
    else:
        it.path = f"/{p}/xxgk/ndbg/{d:%Y%m}/content_{it.doc_id}.html" if body.portal == "static" \
            else f"/{p}/xxgk/article/{it.doc_id}.html"
        att = f"/{p}/uploadfile/{d:%Y%m%d}/{it.doc_id}"
    for n, (_, fmt) in enumerate(it.attachments):
        it.attachments[n] = (f"{att}_{n}.{fmt}", fmt)
    if it.direct:
        it.path = f"/{p}/uploadfile/{d:%Y%m%d}/{it.doc_id}.{it.direct}"


def _items(body: Body, index: int, seed: int) -> list[CityItem]:
    rng = rng_for(seed, body.name, "items")
    out: list[CityItem] = []
    for year in YEARS:
        month = 3 if body.kind == "本级政府" else 1
        day = datetime(year + 1, month, rng.randint(8, 28), rng.randint(8, 17), rng.choice((0, 15, 30, 45)))
        out.append(CityItem(report_title(body, year), year, day, 0))
    # notices a crawler must not take for reports, and more rows, so every kind paginates
    out.append(CityItem(f"关于报送{YEARS[-1]}年度政府信息公开工作年度报告的通知", None,
                        datetime(YEARS[-1] + 1, 1, rng.randint(2, 6), 9), 0))
    out.append(CityItem(f"{YEARS[-1] + 1}年政务公开工作要点", None,
                        datetime(YEARS[-1] + 1, 3, rng.randint(1, 9), 10, 30), 0))
    out.append(CityItem(f"{YEARS[-2]}年度政府信息公开工作年度报告解读", None,
                        datetime(YEARS[-2] + 1, 2, rng.randint(1, 27), 15), 0))
    out.sort(key=lambda i: i.published, reverse=True)
    # some reports publish their tables as files: every fifth body a PDF, every seventh a
    # DOCX, and two link the PDF straight from the list
    for it in out:
        if it.year == YEARS[-1] and body.portal != "jsonapi" and index % 5 == 1:
            it.attachments.append(("", "pdf"))
        if it.year == YEARS[-2] and index % 7 == 3:
            it.attachments.append(("", "docx"))
        if it.year == YEARS[0] and body.portal == "static" and index in (2, 27):
            it.direct = "pdf"
        if it.year == YEARS[-2] and index == 8:      # a ZIP holding the report
            it.attachments.append(("", "zip"))
        if it.year == YEARS[-1] and index == 13:     # the PDF only inside a viewer page
            it.attachments.append(("", "pdf"))
            it.viewer = True
    return out


def build_city(seed: int = 16) -> City:
    """The city's bodies, their columns and every item, deterministic for a seed."""
    bodies: list[Body] = []
    doc_id = 7000
    for index, (name, kind, portal, host, prefix, nav) in enumerate(_ROWS):
        body = Body(name, kind, portal, host, prefix, nav, col_id=1229000000 + 1000 + index * 7
                    if portal == "hanweb" else 2300 + index)
        _paths(body)
        body.items = _items(body, index, seed)
        for it in body.items:
            doc_id += 1
            it.doc_id = doc_id * 10 + index % 10
            _item_paths(body, it)
        bodies.append(body)
    return City(bodies, seed)
