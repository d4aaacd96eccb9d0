"""A plugin is one module and a registry line: a channel brings its own settings section,
a portal kind checks its own part of a portal spec."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest
from pydantic_settings import SettingsConfigDict

from alerts.channels import CHANNELS, Channel, ChannelSettings, Message, channel_settings, get_channel, register
from alerts.config import parse_config
from crawler.kinds import REGISTRY, PortalKind
from crawler.spec import load_spec
from ground.errors import ConfigError


class DropSettings(ChannelSettings):
    model_config = SettingsConfigDict(env_prefix="GKWATCH_FILEDROP_", extra="ignore")
    directory: Path
    pretty: bool = False


class FileDrop(Channel):
    """A channel that writes each message into a folder (what a new channel module holds)."""

    kind = "filedrop"
    options_class = DropSettings

    def send(self, message: Message) -> None:
        assert isinstance(self.options, DropSettings)
        path = self.options.directory / f"{message.message_id}.json"
        path.write_text(json.dumps({"to": message.target, "subject": message.subject},
                                   ensure_ascii=False, indent=2 if self.options.pretty else None), encoding="utf-8")


@pytest.fixture
def filedrop() -> Iterator[type[Channel]]:
    register(FileDrop)
    try:
        yield FileDrop
    finally:
        CHANNELS.pop(FileDrop.kind, None)


def test_a_channel_reads_its_own_settings_section(filedrop, tmp_path: Path, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GKWATCH_FILEDROP_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("GKWATCH_FILEDROP_PRETTY", "true")
    assert channel_settings()["filedrop"] is DropSettings
    get_channel("filedrop", settings).send(Message(target="办公室", message_id="n-1", subject="逾期未发布", text=""))
    written = (tmp_path / "n-1.json").read_text(encoding="utf-8")
    assert json.loads(written) == {"to": "办公室", "subject": "逾期未发布"} and "\n" in written
    # receivers in the alerts config take the new kind's key without an edit
    config = parse_config({"receivers": [{"name": "office", "filedrop": ["办公室"]}],
                           "routes": [{"name": "all", "receivers": ["office"]}]}, settings)
    assert [(r.channel, r.target) for r in config.routes[0].receivers] == [("filedrop", "办公室")]


def test_a_channel_with_bad_or_missing_settings_is_a_config_error(filedrop, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GKWATCH_FILEDROP_DIRECTORY", raising=False)
    with pytest.raises(ConfigError, match="GKWATCH_FILEDROP_"):
        get_channel("filedrop", settings)


def test_a_channel_settings_section_must_use_its_own_prefix() -> None:
    class Elsewhere(ChannelSettings):
        model_config = SettingsConfigDict(env_prefix="GKWATCH_SMTP_")

    class Squatter(Channel):
        kind = "squatter"
        options_class = Elsewhere

    with pytest.raises(ConfigError, match="GKWATCH_SQUATTER_"):
        register(Squatter)
    assert "squatter" not in CHANNELS


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
