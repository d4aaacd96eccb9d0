"""The deadline policy, as data: when each agency's report for year Y is due.

Defaults follow articles 49 and 50 of the 条例: every body's own report by 31 January of
Y+1; the 本级政府 report of a province, city or county by 31 March. 乡镇/街道 dates are set
locally, so overrides exist per region and per agency. Reports before 2019 were all due
by 31 March. A deadline is the last instant of its day in Beijing time; "…前" is read as
"on or before", and no weekend or holiday moves it.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ground.errors import ConfigError

BEIJING = ZoneInfo("Asia/Shanghai")

#: agency kind → "MM-DD" of year Y+1
DEFAULT_DEADLINES: dict[str, str] = {
    "本级政府": "03-31",
    "部门": "01-31",
    "乡镇街道": "01-31",
}
PRE_2019_DEADLINE = "03-31"
#: the first report year with a national table layout (国办公开办函〔2019〕60号): earlier
#: reports are audited for publication only, their tables are neither parsed nor checked
FIRST_TABLE_YEAR = 2019


def tables_audited(year: int | None) -> bool:
    """Whether the tables of a report for ``year`` are parsed and checked (unknown: yes)."""
    return year is None or year >= FIRST_TABLE_YEAR


def _check_mmdd(value: str, where: str) -> str:
    try:
        datetime.strptime(f"2024-{value}", "%Y-%m-%d")  # a leap year accepts 02-29
    except ValueError as exc:
        raise ConfigError(f"{where}: deadline must be MM-DD, got {value!r}") from exc
    return value


def end_of_day(mmdd: str, year: int) -> datetime:
    """The last instant of ``mmdd`` in ``year``, Beijing time (aware)."""
    month, day = (int(x) for x in mmdd.split("-"))
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28  # "by 29 February" in a common year means its last day of February
    return datetime(year, month, day, tzinfo=BEIJING) + timedelta(days=1, microseconds=-1)


@dataclass(frozen=True)
class DeadlinePolicy:
    """Deadlines by agency kind, overridable by region and by agency, plus a grace period."""

    by_kind: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    by_region: dict[str, dict[str, str]] = field(default_factory=dict)  # region → kind → MM-DD
    grace_days: int = 0
    by_agency: dict[str, str] = field(default_factory=dict)  # agency name → MM-DD

    def __post_init__(self) -> None:
        for kind, mmdd in self.by_kind.items():
            _check_mmdd(mmdd, f"deadline for {kind}")
        for region, kinds in self.by_region.items():
            for kind, mmdd in kinds.items():
                _check_mmdd(mmdd, f"deadline for {kind} in {region}")
        for name, mmdd in self.by_agency.items():
            _check_mmdd(mmdd, f"deadline for {name}")
        if self.grace_days < 0:
            raise ConfigError("grace_days must not be negative")

    def deadline(self, *, year: int, kind: str, region: str = "",
                 agency_override: str | None = None, agency: str = "") -> datetime:
        """The last instant (Beijing time, aware) at which the report for ``year`` is on time.

        Most specific first: the agency's own override (its row, then the policy's
        ``by_agency``), then the region's date for the kind, then the kind's default.
        """
        agency_override = agency_override or self.by_agency.get(agency)
        if agency_override:
            mmdd = _check_mmdd(agency_override, "agency deadline override")
        elif year < 2019:
            mmdd = PRE_2019_DEADLINE
        else:
            mmdd = self.by_region.get(region, {}).get(kind) or self.by_kind.get(kind) \
                or self.by_kind.get("部门", "01-31")
        return end_of_day(mmdd, year + 1) + timedelta(days=self.grace_days)

    def dates(self) -> frozenset[str]:
        """Every MM-DD a report can be due on under this policy (the crawl seasons are
        built around these)."""
        return frozenset({PRE_2019_DEADLINE, *self.by_kind.values(), *self.by_agency.values(),
                          *(mmdd for kinds in self.by_region.values() for mmdd in kinds.values())})

    def status(self, *, deadline: datetime, published_at: datetime | None, found: bool,
               now: datetime) -> str:
        """``on_time`` / ``late`` / ``missing`` / ``pending`` for one agency-year."""
        if found:
            if published_at is None:
                return "on_time" if now <= deadline else "late"
            return "on_time" if published_at <= deadline else "late"
        return "missing" if now > deadline else "pending"
