"""Notification channels: small classes with a ``kind``, found in one registry.

A new channel is one class registered with :func:`register` plus one test.
"""
from __future__ import annotations

from alerts.channels.base import CHANNELS, Channel, Message, get_channel, register
from alerts.channels import apprise as _apprise, email as _email, webhook as _webhook  # noqa: F401  (registration)

__all__ = ["CHANNELS", "Channel", "Message", "get_channel", "register"]
