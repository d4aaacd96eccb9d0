"""The fictional county and its agencies, as data (checked when loaded).

澄岭县 and every body below are invented for the demo.  Each row says which CMS style the
agency's column uses, what happens to its report for the audited year, and in which
format the report's tables are published.
"""
from __future__ import annotations

from dataclasses import dataclass

from gkwatch.demo.pages import STYLES
from ground.errors import ConfigError

REGION = "澄岭县"
SITE_NAME = "澄岭县人民政府门户网站"
COUNTY_GOVERNMENT = "澄岭县人民政府"

KINDS = ("本级政府", "部门", "乡镇街道")
SCENARIOS = ("on_time", "late", "missing", "inconsistent", "changed")
FORMATS = ("html", "pdf", "docx")


@dataclass(frozen=True)
class AgencySpec:
    name: str
    kind: str
    prefix: str          # URL path prefix of the agency's part of the portal
    style: str           # "trs" | "art" | "col"
    scenario: str        # see SCENARIOS
    fmt: str             # format of the current report's tables (ignored when missing)


_ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("澄岭县人民政府", "本级政府", "zf", "trs", "on_time", "html"),
    ("澄岭县发展和改革局", "部门", "fgj", "trs", "on_time", "pdf"),
    ("澄岭县教育局", "部门", "jyj", "art", "on_time", "pdf"),
    ("澄岭县财政局", "部门", "czj", "col", "on_time", "docx"),
    ("澄岭县卫生健康局", "部门", "wjj", "trs", "late", "html"),
    ("澄岭县自然资源局", "部门", "zrzyj", "art", "missing", "html"),
    ("澄岭县市场监督管理局", "部门", "scjgj", "col", "inconsistent", "html"),
    ("澄岭县人力资源和社会保障局", "部门", "rsj", "trs", "changed", "html"),
    ("澄岭县交通运输局", "部门", "jtj", "art", "on_time", "html"),
    ("澄岭县白鹭镇人民政府", "乡镇街道", "blz", "art", "on_time", "html"),
    ("澄岭县石溪镇人民政府", "乡镇街道", "sxz", "col", "on_time", "pdf"),
    ("澄岭县东湖街道办事处", "乡镇街道", "dhjd", "trs", "on_time", "docx"),
)


def load_roster() -> tuple[AgencySpec, ...]:
    """The roster, validated: known kinds/styles/scenarios/formats, unique names and prefixes."""
    specs = tuple(AgencySpec(*row) for row in _ROWS)
    for s in specs:
        if s.kind not in KINDS or s.style not in STYLES or s.scenario not in SCENARIOS or s.fmt not in FORMATS:
            raise ConfigError(f"demo roster: bad row for {s.name}: {s}")
    for attr in ("name", "prefix"):
        values = [getattr(s, attr) for s in specs]
        if len(set(values)) != len(values):
            raise ConfigError(f"demo roster: duplicate {attr}")
    if sum(s.scenario == "changed" for s in specs) != 1:
        raise ConfigError("demo roster: exactly one agency must be edited after publication")
    return specs
