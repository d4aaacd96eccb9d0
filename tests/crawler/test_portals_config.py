"""Portal configuration: TOML → validated entries → database, errors that name the entry."""
from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import select

from ground.errors import ConfigError
from gkwatch.portals import import_portals, load_portals
from models import Agency, Portal

GOOD = """
[[agency]]
name = "某县人民政府"
kind = "本级政府"
region = "某县"
list_urls = ["http://127.0.0.1:8000/zfxxgk/zfxxgknb/"]

[[agency]]
name = "某县教育局"
parent = "某县人民政府"
region = "某县"
deadline = "02-20"
list_urls = ["http://127.0.0.1:8000/jyj/nb/index.html"]
allowed_hosts = ["127.0.0.1"]
"""


def test_import_creates_agencies_with_parents_and_portals(tmp_path, session) -> None:
    f = tmp_path / "portals.toml"
    f.write_text(GOOD, encoding="utf-8")
    assert import_portals(session, entries=load_portals(f)) == 2
    assert import_portals(session, entries=load_portals(f)) == 2  # importing again updates, not duplicates
    agencies = {a.name: a for a in session.exec(select(Agency)).all()}
    assert agencies["某县教育局"].parent_id == agencies["某县人民政府"].id
    assert agencies["某县教育局"].deadline_override == "02-20"
    portals = session.exec(select(Portal)).all()
    assert len(portals) == 2
    assert {tuple(p.allowed_hosts) for p in portals} == {("127.0.0.1",)}


@pytest.mark.parametrize("bad, word", [
    ('[[agency]]\nname = "x"\nkind = "街道"\nlist_urls = ["http://a/"]\n', "kind"),
    ('[[agency]]\nname = "x"\nlist_urls = ["ftp://a/"]\n', "list_urls"),
    ('[[agency]]\nname = "x"\nlist_urls = []\n', "list_urls"),
    ('[[agency]\n', "portals.toml"),
])
def test_bad_files_say_which_entry_and_field(tmp_path, bad: str, word: str) -> None:
    f = tmp_path / "portals.toml"
    f.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError, match=word):
        load_portals(f)


def test_cli_import_reports_errors_without_traceback(tmp_path) -> None:
    f = tmp_path / "portals.toml"
    f.write_text('[[agency]]\nname = "x"\nkind = "nope"\nlist_urls = ["http://a/"]\n', encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "gkwatch", "portals", "import", str(f)], capture_output=True,
                       text=True, env={"GKWATCH_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"})
    assert p.returncode == 2 and "kind" in p.stderr and "Traceback" not in p.stderr
