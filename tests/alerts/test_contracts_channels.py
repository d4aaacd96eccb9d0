"""A channel is one module and a registry line: it brings its own settings section, and
the alerts config takes its receivers' key."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from pydantic_settings import SettingsConfigDict

from alerts.channels import (
    CHANNELS,
    Channel,
    ChannelSettings,
    Message,
    channel_settings,
    get_channel,
    register,
)
from alerts.config import parse_config
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
