"""The channel interface and registry."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

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


class Channel:
    """Base class: ``send`` delivers or raises :class:`ground.errors.DeliveryError`."""

    kind: ClassVar[str] = ""
    #: whether several events for one target are sent as one digest message
    digest: ClassVar[bool] = False

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        raise NotImplementedError


CHANNELS: dict[str, type[Channel]] = {}


def register(cls: type[Channel]) -> type[Channel]:
    if not cls.kind or cls.kind in CHANNELS:
        raise ConfigError(f"channel kind {cls.kind!r} is empty or registered twice")
    CHANNELS[cls.kind] = cls
    return cls


def get_channel(kind: str, settings: Any) -> Channel:
    try:
        return CHANNELS[kind](settings)
    except KeyError:
        raise ConfigError(f"unknown channel {kind!r}; known: {', '.join(sorted(CHANNELS))}") from None
