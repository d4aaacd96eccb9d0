"""Which level an agency is at, from a given kind or from its name (for T2-POWER).

Only 省级 and 设区的市 governments (and the State Council's departments) make 规章;
乡镇/街道 and county-level bodies and their departments do not. The inference is
deliberately cautious: names it cannot place give ``None`` and the rule stays silent.
"""
from __future__ import annotations

import re

TOWNSHIP = "乡镇街道"
COUNTY = "县级"
CITY = "市级"
PROVINCE = "省级"

#: Given agency kinds -> level (None: a department, the level comes from the name).
_KINDS: dict[str, str | None] = {
    "乡镇街道": TOWNSHIP, "乡镇": TOWNSHIP, "街道": TOWNSHIP, "社区": TOWNSHIP,
    "县级政府": COUNTY, "县级部门": COUNTY, "县级": COUNTY, "区县": COUNTY,
    "市级政府": CITY, "市级部门": CITY, "市级": CITY,
    "省级政府": PROVINCE, "省级部门": PROVINCE, "省级": PROVINCE,
    "部门": None,
}

_TOWNSHIP_RE = re.compile(r"街道|(?<!城)(?:乡|镇)(?:人民政府|政府|办事处)|(?<!城)(?:乡|镇)$|社区(?:管理)?(?:办公室|居委会|居民委员会)?$")
# A county-level unit: 县/旗/区 at the start or right after a 省/市/州/盟 prefix.
_COUNTY_RE = re.compile(r"(?:^|省|市|州|盟)([\u4e00-\u9fff]{1,5}?(?:县|旗|区))")
# "…区" names that are not county-level districts (or are higher).
_NOT_COUNTY = ("社区", "园区", "开发区", "新区", "实验区", "试验区", "示范区", "保税区", "合作区",
               "景区", "地区", "自治区", "片区", "校区", "工业区", "功能区", "高新区", "市区", "城区", "特区")
_COUNTY_SPECIAL = ("平潭综合实验区",)


def infer_level(agency: str | None) -> str | None:
    """The level of an agency from its name, or None when the name does not say."""
    if not agency:
        return None
    name = re.sub(r"\s+", "", agency)
    if any(s in name for s in _COUNTY_SPECIAL):
        return COUNTY
    if _TOWNSHIP_RE.search(name):
        return TOWNSHIP
    for m in _COUNTY_RE.finditer(name):
        unit = m.group(1)
        if not unit.endswith(_NOT_COUNTY):
            return COUNTY
    if "自治区" in name or re.search(r"省(?:人民政府|政府|[^市县区]*(?:厅|局|委员会|委|办公室))", name):
        return PROVINCE
    if "市" in name:
        return CITY
    return None


def agency_level(kind: str | None, agency: str | None) -> tuple[str | None, bool]:
    """(level, inferred): the level from the given kind, else inferred from the name."""
    if kind:
        k = kind.strip()
        if k in _KINDS and _KINDS[k] is not None:
            return _KINDS[k], False
        for key, level in _KINDS.items():
            if level is not None and key in k:
                return level, False
    return infer_level(agency), True


def lacks_rule_power(level: str | None) -> bool:
    return level in (TOWNSHIP, COUNTY)
