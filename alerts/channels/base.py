"""The channel interface and registry.

A channel is one module: a :class:`Channel` subclass registered with :func:`register`
and, when it has options, its own settings section — a :class:`ChannelSettings` subclass
named in the class's ``options``, read from the environment with the prefix
``GKWATCH_<KIND>_`` (and ``.env``). The registry collects the sections
(:func:`channel_settings`), so a new channel touches no shared settings module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ground.errors import ConfigError


@dataclass
class Message:
    """What one send carries: one or more alert events for one target."""

    target: str
    message_id: str
    subject: str
    text: str
    events: list[dict[str, Any]] = field(default_factory=list)
    html: str = ""
    reason: str = ""
    group: dict[str, Any] = field(default_factory=dict)


class ChannelSettings(BaseSettings):
    """Base of a channel's own settings section; a subclass sets
    ``model_config = SettingsConfigDict(env_prefix="GKWATCH_<KIND>_", …)``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class Channel:
    """Base class: ``send`` delivers or raises :class:`ground.errors.DeliveryError`."""

    kind: ClassVar[str] = ""
    #: whether several events for one target are sent as one digest message
    digest: ClassVar[bool] = False
    #: the channel's own settings section, or None (the channel has no options of its own)
    options_class: ClassVar[type[ChannelSettings] | None] = None

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        # read when the channel is made, as the service settings are: the outbox makes
        # its channels for each sweep, so a changed environment takes effect at the next one
        try:
            self.options: ChannelSettings | None = self.options_class() if self.options_class else None
        except ValidationError as exc:
            raise ConfigError(f"channel {self.kind}: bad settings ({env_prefix(self.kind)}…): {exc}") from exc

    def send(self, message: Message) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """End what the channel keeps open between sends (a connection); it is made again
        at the next send. The outbox makes a channel for one sweep and closes it after."""

    def __enter__(self) -> "Channel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


CHANNELS: dict[str, type[Channel]] = {}


def env_prefix(kind: str) -> str:
    """``GKWATCH_<KIND>_``: where a channel's own settings are read from."""
    return f"GKWATCH_{kind.upper()}_"


def register(cls: type[Channel]) -> type[Channel]:
    if not cls.kind or cls.kind in CHANNELS:
        raise ConfigError(f"channel kind {cls.kind!r} is empty or registered twice")
    if cls.options_class is not None:
        prefix = cls.options_class.model_config.get("env_prefix")
        if prefix != env_prefix(cls.kind):
            raise ConfigError(f"channel {cls.kind}: its settings must be read from {env_prefix(cls.kind)}…, "
                              f"not {prefix!r}")
    CHANNELS[cls.kind] = cls
    return cls


def channel_settings() -> dict[str, type[ChannelSettings]]:
    """Every registered channel's own settings section, by kind."""
    return {kind: cls.options_class for kind, cls in sorted(CHANNELS.items()) if cls.options_class is not None}


def get_channel(kind: str, settings: Any) -> Channel:
    try:
        cls = CHANNELS[kind]
    except KeyError:
        raise ConfigError(f"unknown channel {kind!r}; known: {', '.join(sorted(CHANNELS))}") from None
    return cls(settings)
