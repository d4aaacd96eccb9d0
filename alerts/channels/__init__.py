"""Notification channels: small classes with a ``kind``, found in one registry.

A new channel is one module (its class registered with :func:`register`, and its own
settings section when it has options), its import line below, and its test.
"""
from __future__ import annotations

from alerts.channels.base import CHANNELS, Channel, ChannelSettings, Message, channel_settings, get_channel, register
from alerts.channels import apprise as _apprise, email as _email, webhook as _webhook  # noqa: F401  (registration)

__all__ = ["CHANNELS", "Channel", "ChannelSettings", "Message", "channel_settings", "get_channel", "register"]
