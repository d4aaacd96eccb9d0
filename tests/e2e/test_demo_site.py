"""The demo portal generator: plan coverage, round trip through the real parser, defects."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from gkwatch.demo.reports import failed_checks, make_history, plant_balance_error, rng_for
from gkwatch.demo.site import apply_edit, build_site, expected_report
from workers.parse import parse_path

YEAR, SEED = 2025, 7
KEYS = ("agency", "year", "format_version", "sections", "table2", "table3", "table4")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("demo") / "site"
    return out, build_site(out, report_year=YEAR, seed=SEED)


def _file(out: Path, url_path: str) -> Path:
    return out / url_path.lstrip("/")


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_plan_covers_every_scenario(site) -> None:  # type: ignore[no-untyped-def]
    out, plan = site
    data = json.loads(json.dumps(plan.to_dict(), ensure_ascii=False))
    assert data == json.loads((out / "plan.json").read_text(encoding="utf-8"))
    agencies = plan.agencies
    assert len(agencies) >= 10
    assert {a.kind for a in agencies} == {"本级政府", "部门", "乡镇街道"}
    assert len({a.style for a in agencies}) >= 3
    assert {a.format for a in agencies if a.format} == {"html", "pdf", "docx"}
    by_status = {s: [a for a in agencies if a.status == s] for s in ("on_time", "late", "missing")}
    assert len([a for a in by_status["on_time"] if not a.inconsistent and not a.changed]) >= 5
    for a in agencies:
        assert a.list_paths and all(_file(out, p).is_file() for p in a.list_paths)
        assert a.region == plan.region and (a.parent is None) == (a.kind == "本级政府")
        if a.status == "missing":
            assert a.document_path is None and a.published_at is None
            continue
        assert _file(out, a.document_path).is_file()
        published, deadline = datetime.fromisoformat(a.published_at), datetime.fromisoformat(a.deadline)
        assert (published > deadline) == (a.status == "late"), a.name
    late = by_status["late"]
    assert late and all(a.kind == "部门" and a.published_at > f"{YEAR + 1}-01-31T23:59:59+08:00" for a in late)
    gov = next(a for a in agencies if a.kind == "本级政府")
    assert gov.status == "on_time" and gov.published_at > f"{YEAR + 1}-02"   # relies on the 31 March rule
    missing = by_status["missing"]
    assert missing and all(d.year < YEAR for a in missing for d in a.documents)
    bad = [a for a in agencies if a.inconsistent]
    assert len(bad) == 1 and bad[0].rules_failed == ["T3-BALANCE"]
    assert [a.name for a in agencies if a.changed] == [plan.edit_agency]
    assert all(a.rules_failed == [] for a in agencies if not a.inconsistent)


def test_columns_mix_reports_notices_and_pagination(site) -> None:  # type: ignore[no-untyped-def]
    out, plan = site
    paginated = False
    for a in plan.agencies:
        first = _file(out, a.list_paths[0])
        pages = [first, *sorted(first.parent.glob("index_*.html"))]
        paginated |= len(pages) > 1
        enc = "gbk" if a.style == "art" else "utf-8"
        text = "".join(p.read_bytes().decode(enc) for p in pages)
        assert f"{YEAR - 1}年政府信息公开工作年度报告" in text          # the prior-year report
        assert f"关于报送{YEAR}年度政府信息公开工作年度报告的通知" in text  # a notice to ignore
        assert (f"{YEAR}年政府信息公开工作年度报告" in text) == (a.status != "missing")
    assert paginated


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_every_report_document_parses_back_exactly(site, fmt: str) -> None:  # type: ignore[no-untyped-def]
    out, plan = site
    seen = 0
    for a in plan.agencies:
        for doc in a.documents:
            if doc.format != fmt:
                continue
            got = parse_path(_file(out, doc.path))
            want = expected_report(a.name, doc.year, report_year=YEAR, seed=SEED)
            assert {k: got.get(k) for k in KEYS} == {k: want[k] for k in KEYS}, (a.name, doc.year)
            seen += 1
    assert seen >= 2


def test_pdf_text_layer_is_readable_chinese(site) -> None:  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    out, plan = site
    a = next(a for a in plan.agencies if a.format == "pdf")
    pdf = pdfium.PdfDocument(_file(out, a.document_path).read_bytes())
    try:
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    for phrase in (a.name, "一、本年新收政府信息公开申请数量", "结转下年度继续办理", "信息处理费"):
        assert phrase in text


def test_planted_error_is_a_real_imbalance(site) -> None:  # type: ignore[no-untyped-def]
    out, plan = site
    a = next(a for a in plan.agencies if a.inconsistent)
    t3 = parse_path(_file(out, a.document_path))["table3"]
    off = [c for c in range(7) if t3["1"][c] + t3["2"][c] != t3["3.7"][c] + t3["4"][c]]
    assert off and 6 in off
    assert failed_checks(parse_path(_file(out, a.document_path))) == ["T3-BALANCE"]
    for other in plan.agencies:
        for doc in other.documents:
            if doc.path != a.document_path:
                assert failed_checks(expected_report(other.name, doc.year, report_year=YEAR, seed=SEED)) == []


def test_generator_consistency_over_many_seeds() -> None:
    for seed in range(30):
        history = make_history(f"测试机关{seed}", ("本级政府", "部门", "乡镇街道")[seed % 3], range(2021, 2026), seed=seed)
        for y, r in history.items():
            assert failed_checks(r) == []
            if y > 2021:  # X-CARRY and X-STOCK hold along the chain
                prev = history[y - 1]
                assert r["table3"]["2"] == prev["table3"]["4"]
                nd, pd = r["table2"]["normative_documents"], prev["table2"]["normative_documents"]
                assert nd["in_force"] == pd["in_force"] + nd["issued"] - nd["repealed"]
        bad, col = plant_balance_error(history[2025], rng_for(seed, "x"))
        assert failed_checks(bad) == ["T3-BALANCE"] and bad["table3"]["2"] == history[2025]["table3"]["2"]


def test_apply_edit_changes_exactly_the_planned_report(tmp_path: Path) -> None:
    out = tmp_path / "site"
    plan = build_site(out, report_year=YEAR, seed=SEED)
    before = _snapshot(out)
    a = plan.agency(plan.edit_agency)
    old = parse_path(_file(out, a.document_path))
    apply_edit(out, plan.to_dict())
    after = _snapshot(out)
    changed = [k for k in before if before[k] != after.get(k)]
    assert changed == [a.document_path.lstrip("/")] and set(after) == set(before)
    new = parse_path(_file(out, a.document_path))
    assert (new["table2"], new["table3"]) != (old["table2"], old["table3"])
    assert failed_checks(new) == []
    want = expected_report(a.name, YEAR, report_year=YEAR, seed=SEED, edited=True)
    assert {k: new.get(k) for k in KEYS} == {k: want[k] for k in KEYS}
    if a.format == "html":
        page = after[a.document_path.lstrip("/")].decode("utf-8")
        assert "修改日期" in page and a.published_at[:10] in page


def test_same_seed_same_bytes(site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, plan = site
    again = tmp_path / "again"
    assert build_site(again, report_year=YEAR, seed=SEED).to_dict() == plan.to_dict()
    assert _snapshot(again) == _snapshot(out)
    other = build_site(tmp_path / "other", report_year=YEAR, seed=SEED + 1)
    assert other.to_dict() != plan.to_dict()
