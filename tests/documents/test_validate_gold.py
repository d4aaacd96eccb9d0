"""The validator over every gold report of the shared corpus (and consecutive years)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.support.goldfiles import GOLD, GOLD_FILES, load_gold
from workers.validate import validate, validate_pair

pytestmark = pytest.mark.skipif(not GOLD_FILES, reason="shared gold corpus not present")

#: Rules the gold JSON alone decides (text rules need the parser's text keys).
TABLE_RULES = ("T3-", "T4-", "T2-", "S-TABLES", "S-FORMAT")


def load(stem: str) -> dict:
    return load_gold(GOLD / f"{stem}.json")


def _where_key(rule: str, where: str) -> tuple:
    """Gold 'where' strings ("table3 col 0", "table4 review") as comparable keys."""
    parts = where.split()
    if rule.startswith("T3-") and "col" in parts:
        return (rule, int(parts[parts.index("col") + 1]))
    if rule.startswith("T4-"):
        return (rule, parts[1])
    return (rule,)


def _finding_key(f: dict) -> tuple:
    if f["rule"].startswith("T3-"):
        return (f["rule"], f["where"].get("column"))
    if f["rule"].startswith("T4-"):
        return (f["rule"], f["where"].get("row"))
    return (f["rule"],)


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_table_rules_exact(path: Path) -> None:
    gold = load_gold(path)
    expected = Counter(_where_key(e["rule"], e["where"]) for e in gold["_expected_failures"]
                       if e["rule"].startswith(TABLE_RULES))
    got = Counter(_finding_key(f) for f in validate(gold)
                  if f["status"] == "fail" and f["rule"].startswith(TABLE_RULES))
    assert got == expected


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_no_false_errors(path: Path) -> None:
    gold = load_gold(path)
    expected = {e["rule"] for e in gold["_expected_failures"]}
    for f in validate(gold):
        assert f["message_zh"] and f["message_en"]
        if f["status"] == "fail":
            assert f["rule"] in expected, f
        if f["status"] == "fail" and f["severity"] == "error":
            assert f["rule"] in expected


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_text_rules_need_text(path: Path) -> None:
    """Gold files carry no narrative: the text rules say so instead of failing."""
    findings = validate(load_gold(path))
    for rule in ("N-APPLICATIONS", "N-LITIGATION", "S-PROBLEMS"):
        (f,) = [x for x in findings if x["rule"] == rule]
        assert f["status"] == "not_assessable" and "section_text" in f["message_zh"]


PINGTAN = ["008_pingtan_2019", "009_pingtan_2020", "010_pingtan_2021", "011_pingtan_2022",
           "012_pingtan_2023", "013_pingtan_2024", "014_pingtan_2025"]
PAIRS = list(zip(PINGTAN[1:], PINGTAN[:-1])) + [("002_huaian_hongzequ_2024", "001_huaian_hongzequ_2023")]

#: X-STOCK facts of the gold README: (current, row) -> (expected, printed) for the failing pairs.
STOCK_FAILS = {
    ("009_pingtan_2020", "rules"): (0, 7),
    ("012_pingtan_2023", "normative_documents"): (643, 470),
    ("013_pingtan_2024", "normative_documents"): (499, 440),
    ("014_pingtan_2025", "normative_documents"): (453, 546),
}


@pytest.mark.parametrize("cur, prev", PAIRS)
def test_x_carry_passes_for_consecutive_years(cur: str, prev: str) -> None:
    findings = validate_pair(load(cur), load(prev))
    assert [f for f in findings if f["rule"] == "X-CARRY"] == []


@pytest.mark.parametrize("cur, prev", PAIRS)
def test_x_stock_as_the_gold_readme_says(cur: str, prev: str) -> None:
    findings = validate_pair(load(cur), load(prev))
    got = {(cur, f["where"]["row"]): (f["expected"], f["actual"])
           for f in findings if f["rule"] == "X-STOCK" and f["status"] == "fail"}
    assert got == {k: v for k, v in STOCK_FAILS.items() if k[0] == cur}
    assert all(f["severity"] == "warning" for f in findings if f["rule"] == "X-STOCK")
    if cur == "010_pingtan_2021":  # 2019 layout -> 2021 layout: not comparable
        assert {f["status"] for f in findings if f["rule"] == "X-STOCK"} == {"not_assessable"}


def test_x_stock_passes_where_the_readme_says_it_does() -> None:
    for cur, prev, row in [("002_huaian_hongzequ_2024", "001_huaian_hongzequ_2023", "normative_documents"),
                           ("011_pingtan_2022", "010_pingtan_2021", "normative_documents"),
                           ("009_pingtan_2020", "008_pingtan_2019", "normative_documents")]:
        assert not [f for f in validate_pair(load(cur), load(prev))
                    if f["rule"] == "X-STOCK" and f["where"].get("row") == row]


def test_x_copy_needs_text() -> None:
    findings = validate_pair(load("011_pingtan_2022"), load("010_pingtan_2021"))
    assert {f["status"] for f in findings if f["rule"] == "X-COPY"} == {"not_assessable"}
