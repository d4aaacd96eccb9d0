"""Deadline policy: Beijing time, year boundaries, kinds, overrides, grace."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.policy import DeadlinePolicy
from ground.errors import ConfigError

BJ = ZoneInfo("Asia/Shanghai")


def test_department_deadline_is_end_of_31_january_beijing() -> None:
    d = DeadlinePolicy().deadline(year=2024, kind="部门")
    assert d.astimezone(BJ).date().isoformat() == "2025-01-31"
    policy = DeadlinePolicy()
    on_time = datetime(2025, 1, 31, 23, 30, tzinfo=BJ)
    late = datetime(2025, 2, 1, 0, 10, tzinfo=BJ)
    assert policy.status(deadline=d, published_at=on_time, found=True, now=late) == "on_time"
    assert policy.status(deadline=d, published_at=late, found=True, now=late) == "late"


def test_utc_timestamps_are_judged_in_beijing_time() -> None:
    d = DeadlinePolicy().deadline(year=2024, kind="部门")
    # 2025-01-31 16:30 UTC is 2025-02-01 00:30 in Beijing: late
    assert DeadlinePolicy().status(deadline=d, published_at=datetime(2025, 1, 31, 16, 30, tzinfo=timezone.utc),
                                   found=True, now=d) == "late"
    assert DeadlinePolicy().status(deadline=d, published_at=datetime(2025, 1, 31, 15, 30, tzinfo=timezone.utc),
                                   found=True, now=d) == "on_time"


def test_government_report_is_due_31_march_and_pre_2019_reports_too() -> None:
    assert DeadlinePolicy().deadline(year=2024, kind="本级政府").astimezone(BJ).date().isoformat() == "2025-03-31"
    assert DeadlinePolicy().deadline(year=2017, kind="部门").astimezone(BJ).date().isoformat() == "2018-03-31"


def test_missing_only_after_the_deadline() -> None:
    policy = DeadlinePolicy()
    d = policy.deadline(year=2024, kind="乡镇街道")
    assert policy.status(deadline=d, published_at=None, found=False, now=datetime(2025, 1, 20, tzinfo=BJ)) == "pending"
    assert policy.status(deadline=d, published_at=None, found=False, now=datetime(2025, 2, 1, tzinfo=BJ)) == "missing"


def test_region_agency_override_and_grace() -> None:
    policy = DeadlinePolicy(by_region={"某市": {"乡镇街道": "02-20"}}, grace_days=2)
    d = policy.deadline(year=2024, kind="乡镇街道", region="某市")
    assert d.astimezone(BJ).date().isoformat() == "2025-02-22"
    d2 = policy.deadline(year=2024, kind="部门", agency_override="03-15")
    assert d2.astimezone(BJ).date().isoformat() == "2025-03-17"


def test_bad_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        DeadlinePolicy(by_kind={"部门": "13-01"})


def test_year_boundaries_and_grace_across_month_end() -> None:
    policy = DeadlinePolicy(grace_days=1)
    d = policy.deadline(year=2024, kind="部门")
    # grace moves 31 January 23:59:59 to 1 February 23:59:59, Beijing time
    assert d.astimezone(BJ).isoformat(timespec="seconds") == "2025-02-01T23:59:59+08:00"
    # a report published on New Year's Eve of the report year itself is on time
    assert policy.status(deadline=d, published_at=datetime(2024, 12, 31, 23, 59, tzinfo=BJ), found=True,
                         now=datetime(2025, 3, 1, tzinfo=BJ)) == "on_time"
    # the 2018 report (pre-2019 rule) is due 31 March 2019 whatever the kind
    assert DeadlinePolicy().deadline(year=2018, kind="乡镇街道").astimezone(BJ).date().isoformat() == "2019-03-31"


def test_most_specific_deadline_wins() -> None:
    policy = DeadlinePolicy(by_region={"某县": {"部门": "02-10"}}, by_agency={"某县开发区管委会": "02-20"})
    assert policy.deadline(year=2024, kind="部门", region="某县").astimezone(BJ).day == 10
    assert policy.deadline(year=2024, kind="部门", region="某县",
                           agency="某县开发区管委会").astimezone(BJ).day == 20
    assert policy.deadline(year=2024, kind="部门", region="某县", agency="某县开发区管委会",
                           agency_override="02-25").astimezone(BJ).day == 25
    # an unknown kind falls back to the department date
    assert policy.deadline(year=2024, kind="其他").astimezone(BJ).date().isoformat() == "2025-01-31"


def test_29_february_override_in_common_and_leap_years() -> None:
    policy = DeadlinePolicy(by_kind={"乡镇街道": "02-29"})
    assert policy.deadline(year=2024, kind="乡镇街道").astimezone(BJ).date().isoformat() == "2025-02-28"
    assert policy.deadline(year=2027, kind="乡镇街道").astimezone(BJ).date().isoformat() == "2028-02-29"
