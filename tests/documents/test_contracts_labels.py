"""Row and column names come from workers/parse/layouts.toml, once: the messages, the
command line, the dashboard and the demo forms all read them from there."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import gkwatch.demo.layout as demo_layout
import gkwatch.plaintext as plaintext
import gkwatch.web.view as view
from ground.errors import ConfigError
from workers.parse.layouts import layouts
from workers.validate import labels

ROOT = Path(__file__).resolve().parents[2]
DATA = tomllib.loads(labels.LAYOUTS_PATH.read_text(encoding="utf-8"))


def test_labels_name_exactly_what_the_layouts_define() -> None:
    L = layouts()
    assert list(labels.T3_ROWS) == [r.key for r in L.t3_rows]
    assert set(labels.T2_ROWS) == set(L.t2_rows)
    assert set(labels.T2_FIELDS) == {f for rows in L.t2_fields.values() for fl in rows.values() for f in fl}
    assert list(labels.T4_GROUPS) == list(L.t4_groups)
    assert {ver: list(rows) for ver, rows in labels.T2_LAYOUT_ROWS.items()} == \
        {ver: list(rows) for ver, rows in L.t2_fields.items()}
    assert set(labels.T3_FIXED_ROWS) | set(labels.T3_OTHER_SPLIT) | {"3.6"} == set(labels.T3_ROWS)


def test_every_label_a_renderer_shows_comes_from_the_layout_data() -> None:
    assert plaintext.T3_COLUMNS == DATA["table3"]["columns"] == list(demo_layout.T3_COLUMNS)
    assert plaintext.T4_COLUMNS == DATA["table4"]["columns"] == list(demo_layout.T4_CELLS)
    groups = DATA["labels"]["table4"]["groups"]
    assert plaintext.T4_GROUPS == {g: zh for g, (zh, _) in groups.items()}
    assert list(demo_layout.T4_GROUPS) == DATA["table4"]["groups"]
    t2 = DATA["labels"]["table2"]
    assert view.T2_ROWS == {k: zh for k, (zh, _) in t2["rows"].items()}
    assert view.T2_FIELDS == {k: zh for k, (zh, _) in t2["fields"].items()}
    report = {"table2": {"rules": {"issued": 1}}, "table3": {"3.1": [1, 0, 0, 0, 0, 0, 1]},
              "table4": {"review": [0, 0, 0, 0, 0]}}
    shown = plaintext.render_report(report)
    for name in [*DATA["table3"]["columns"], *DATA["table4"]["columns"], groups["review"][0],
                 t2["rows"]["rules"][0], t2["fields"]["issued"][0], DATA["labels"]["table3"]["rows"]["3.1"][0]]:
        assert name in shown


def test_no_renderer_retypes_a_label() -> None:
    """The modules that show tables hold no quoted row, field or column name of their own."""
    names = {*DATA["table3"]["columns"][:-1], *DATA["table4"]["columns"][:-1],
             *(zh for zh, _ in DATA["labels"]["table2"]["rows"].values()),
             *(zh for zh, _ in DATA["labels"]["table2"]["fields"].values()),
             *(zh for zh, _ in DATA["labels"]["table4"]["groups"].values())}
    for module in ("gkwatch/plaintext.py", "gkwatch/web/view.py", "workers/validate/labels.py"):
        quoted = set(re.findall(r"[\"']([^\"'\n]+)[\"']", (ROOT / module).read_text(encoding="utf-8")))
        assert not quoted & names, f"{module} retypes {sorted(quoted & names)}"


def test_labels_that_miss_a_row_are_refused(tmp_path: Path) -> None:
    text = labels.LAYOUTS_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "layouts.toml"
    broken.write_text(re.sub(r'^"3\.7" = \[.*\]\n', "", text, flags=re.M), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"labels\.table3\.rows.*3\.7"):
        labels._read(broken)
    broken.write_text(text.replace('columns_en = ["upheld", "corrected", "other outcome", "pending", "total"]',
                                   'columns_en = ["upheld"]'), encoding="utf-8")
    with pytest.raises(ConfigError, match="table4"):
        labels._read(broken)
