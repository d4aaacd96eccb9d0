"""Layout features of the parser, on small documents built here."""
from __future__ import annotations

import pytest

from ground.errors import ConfigError, ParseError
from tests.support.reports import T3_LABELS, sample_values, text_report  # noqa: F401
from workers.parse import parse_bytes
from workers.parse.layouts import layouts, load_layouts


def test_layouts_load_and_are_checked(tmp_path) -> None:
    L = layouts()
    assert L.t3_keys("2019")[-3:] == ["3.6", "3.7", "4"]
    assert "3.6.3" in L.t3_keys("2021")
    bad = (L.__class__.__module__ and
           open(__import__("workers.parse.layouts", fromlist=["_PATH"])._PATH, encoding="utf-8").read())
    dup = bad.replace('key = "2"\n', 'key = "1"\n', 1)
    p = tmp_path / "layouts.toml"
    p.write_text(dup, encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate row key"):
        load_layouts(p)
    p.write_text(bad.replace('rules = ["issued"', 'rules = ["bogus"', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown or repeated fields"):
        load_layouts(p)


def test_tab_separated_report() -> None:
    r = parse_bytes(text_report().encode(), filename="r.txt")
    assert r["schema"] == "gkwatch.report/1"
    assert r["agency"] == "示范街道办事处" and r["year"] == 2024 and r["format_version"] == "2021"
    assert r["sections"] == ["1", "2", "3", "4", "5", "6"]
    assert r["table3"] == sample_values()
    assert r["table4"]["review"] == [1, 0, 0, 0, 1]
    assert r["table4"]["litigation_after_review"] == [0, 0, 0, 1, 1]
    assert r["table2"]["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 9}
    assert r["table2"]["fees"] == {"amount": 1.5}
    assert "统计期限" in r["preamble"]
    assert "未收取信息处理费" in r["section_text"]["6"]
    assert r["source"]["format"] == "text"


def test_pipe_table_report() -> None:
    md = "\n".join(("| " + line.replace("\t", " | ") + " |") if "\t" in line else line
                   for line in text_report().splitlines())
    r = parse_bytes(md.encode(), filename="r.md")
    assert r["table3"] == sample_values()
    assert r["table2"]["licensing"] == {"decisions": 12}


def test_one_cell_per_line() -> None:
    out = []
    for line in text_report().splitlines():
        if "\t" in line:
            out += ["\t" + c for c in line.split("\t")] + [""]
        else:
            out.append(line)
    r = parse_bytes("\n".join(out).encode(), filename="r.txt")
    assert r["table3"] == sample_values()


def test_blank_cells_stay_null() -> None:
    txt = text_report().replace("（一）予以公开\t2\t1\t0", "（一）予以公开\t2\t1\t")
    r = parse_bytes(txt.encode(), filename="r.md")
    assert r["table3"]["3.1"][:4] == [2, 1, None, 0]


def test_fused_report_reads_back_with_readings() -> None:
    flat = text_report().replace("\n", "").replace("\t", "")
    r = parse_bytes(flat.encode(), filename="dump.txt")
    assert r["table3"] == sample_values()
    assert r["table4"]["review"] == [1, 0, 0, 0, 1]
    assert r["table2"]["licensing"] == {"decisions": 12}
    # every cell says how it was read; "2100003" (3.1) has 7 digits for 7 cells: forced
    assert [c["how"] for c in r["reading"]["table3"]["3.1"]] == ["split_forced"] * 7
    assert all(c["certain"] for row in r["reading"]["table3"].values() for c in row)


def test_ambiguous_split_is_marked_uncertain() -> None:
    flat = text_report().replace("\n", "").replace("\t", "")
    flat = flat.replace("（一）予以公开2100003", "（一）予以公开220000022")
    flat = flat.replace("（七）总计4100005", "")  # without 总计 no identity can settle it
    r = parse_bytes(flat.encode(), filename="dump.txt")
    assert any("3.1" in w for w in r["warnings"])
    first = r["reading"]["table3"]["3.1"]
    # 22|0|…|22 and 2|20|…|22 both print as 220000022 and both add up (220|0|… does not,
    # but is offered to the reviewer too: it is what the digits allow)
    assert not first[0]["certain"] and sorted(first[0]["candidates"]) == [2, 22, 220]
    assert first[6]["certain"] and r["table3"]["3.1"][6] == 22


def test_typo_label_and_collapsed_row() -> None:
    txt = text_report().replace("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
    lines = [ln for ln in txt.splitlines() if not ln.startswith(("1.申请人", "2.申请人", "3.其他"))]
    i = next(n for n, ln in enumerate(lines) if ln.startswith("（七）"))
    lines.insert(i, "（六）其他处理\t0\t0\t0\t0\t0\t0\t0")
    r = parse_bytes("\n".join(lines).encode(), filename="r.txt")
    assert r["table3"]["3.3.2"] == [0] * 7
    assert r["table3"]["3.6"] == [0] * 7 and "3.6.1" not in r["table3"]


def test_no_tables_is_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_bytes("只是一段文字，没有表格。\n".encode(), filename="x.txt")
