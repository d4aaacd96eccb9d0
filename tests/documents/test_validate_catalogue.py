"""The rule catalogue is data, checked when loaded."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ground.errors import ConfigError
from workers.validate import RULES
from workers.validate.catalogue import CATALOGUE_PATH, load_catalogue
from workers.validate.registry import REGISTRY

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "rules.md"

DOCUMENT_RULES = {"S-TABLES", "S-SECTIONS", "S-FORMAT", "S-YEAR", "S-PROBLEMS", "S-FEE", "T3-BALANCE",
                  "T3-RESULTS", "T3-TOTALS", "T3-VALUES", "T4-TOTALS", "T4-VALUES", "T2-VALUES", "T2-POWER",
                  "N-APPLICATIONS", "N-LITIGATION"}


def test_catalogue_scopes_and_functions() -> None:
    assert {r for r, x in RULES.items() if x.scope == "document"} == DOCUMENT_RULES
    assert {r for r, x in RULES.items() if x.scope == "cross_year"} == {"X-CARRY", "X-STOCK", "X-COPY"}
    assert {r for r, x in RULES.items() if x.scope == "publication"} == {
        "P-MISSING", "P-LATE", "P-CHANGED", "P-DATES", "P-UNREACHABLE", "P-UNPARSED"}
    for rule in RULES.values():
        assert (rule.check is None) == (rule.scope == "publication")


@pytest.mark.skipif(not SPEC.exists(), reason="shared spec not present")
def test_catalogue_matches_spec() -> None:
    rows = re.findall(r"^\| ([A-Z0-9]+-[A-Z0-9]+) \|.*\| (error|warning|info) \|$", SPEC.read_text(encoding="utf-8"), re.M)
    assert rows and {rid: sev for rid, sev in rows} == {rid: r.severity for rid, r in RULES.items()}


def _text() -> str:
    return CATALOGUE_PATH.read_text(encoding="utf-8")


def test_loads_from_text() -> None:
    assert set(load_catalogue(REGISTRY, text=_text())) == set(RULES)


@pytest.mark.parametrize("mutate, error", [
    (lambda t: t.replace('id = "S-SECTIONS"', 'id = "S-TABLES"'), "duplicate"),
    (lambda t: t.replace('severity = "info"', 'severity = "fatal"', 1), "severity"),
    (lambda t: t.replace('scope = "cross_year"', 'scope = "yearly"', 1), "scope"),
    (lambda t: t.replace('function = "checks_tables.t3_totals"\n', ""), "no check function"),
    (lambda t: t.replace('function = "checks_tables.t3_totals"', 'function = "checks_tables.t3_nothing"'), "registered"),
    (lambda t: t.replace('zh = "表三“{col_zh}”列：', 'zh = "表三“{column_zh}”列：'), "placeholders"),
])
def test_bad_catalogue_is_refused(mutate, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        load_catalogue(REGISTRY, text=mutate(_text()))


def test_registered_function_without_entry_is_refused() -> None:
    text = re.sub(r'\[\[rule\]\]\nid = "X-COPY".*?(?=\n# ---)', "", _text(), flags=re.S)
    with pytest.raises(ConfigError, match="without a catalogue entry"):
        load_catalogue(REGISTRY, text=text)


def test_import_is_light() -> None:
    import subprocess
    import sys
    code = ("import sys, workers.validate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlmodel','celery','scrapy','sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_publication_rules_take_severity_and_texts_from_the_catalogue() -> None:
    from ground.catalogue import CATALOGUE, publication_finding

    used = {"P-MISSING": {"alert"}, "P-LATE": {"alert"}, "P-UNREACHABLE": {"alert"},
            "P-CHANGED": {"numbers", "redated", "alert"}, "P-DATES": {"fail"},
            "P-UNPARSED": {"fail", "given_up", "alert"}}
    for rid, variants in used.items():
        assert variants <= set(CATALOGUE[rid].messages), rid
    text = _text().replace('id = "P-DATES"\nseverity = "info"', 'id = "P-DATES"\nseverity = "warning"')
    assert load_catalogue(REGISTRY, text=text)["P-DATES"].severity == "warning"
    f = publication_finding("P-DATES", "fail", where={"url": "u"}, actual=["a", "b"], shown="meta 2025-01-02")
    assert f["severity"] == CATALOGUE["P-DATES"].severity and f["status"] == "fail"
    assert f["message_zh"].endswith("meta 2025-01-02") and f["message_en"].endswith("meta 2025-01-02")
    with pytest.raises(ConfigError, match="no message"):
        publication_finding("P-DATES", "nonesuch", where={})
