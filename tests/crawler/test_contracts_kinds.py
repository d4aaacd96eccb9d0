"""A portal kind is one module and a registry line: the spec check asks every registered
kind, and each checks its own part of a portal spec."""
from __future__ import annotations

from typing import Any, Mapping

import pytest

from crawler.kinds import REGISTRY, PortalKind
from crawler.spec import load_spec
from ground.errors import ConfigError


class ToyKind(PortalKind):
    kind = "toy"
    spec_key = "toy"

    def check(self, raw: Mapping[str, Any]) -> None:
        if not isinstance(raw.get("toy"), Mapping) or "column" not in raw["toy"]:
            raise ConfigError("portal spec: toy: needs toy.column")


def test_a_new_portal_kind_is_known_to_the_spec_check_through_the_registry(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="list_kind must be one of"):
        load_spec({"list_urls": ["http://a.gov.cn/nb/"], "list_kind": "toy"})
    monkeypatch.setitem(REGISTRY, "toy", ToyKind())
    with pytest.raises(ConfigError, match="toy.column"):
        load_spec({"list_urls": ["http://a.gov.cn/nb/"], "list_kind": "toy"})
    with pytest.raises(ConfigError, match="toy.column"):  # its table is checked whatever the kind
        load_spec({"list_urls": ["http://a.gov.cn/nb/"], "toy": {"page": 1}})
    assert load_spec({"list_urls": ["http://a.gov.cn/nb/"], "list_kind": "toy", "toy": {"column": 1}}).list_kind == "toy"
