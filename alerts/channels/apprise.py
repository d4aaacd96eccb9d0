"""Apprise URLs (企业微信 wecombot://, 钉钉 dingtalk://, 飞书 feishu:// …): optional.

One digest per receiver, like email. Retries stay in gkwatch's own outbox: Apprise is
asked once per attempt, and any service that did not succeed is a :class:`DeliveryError`.
Needs ``pip install apprise`` (2.x: ``notify`` returns a result object, true on success).
"""
from __future__ import annotations

from alerts.channels.base import Channel, Message, register
from gkwatch.errors import ConfigError, DeliveryError


def _redact(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…{rest[-4:]}" if rest else url


@register
class AppriseChannel(Channel):
    kind = "apprise"
    digest = True

    def send(self, message: Message) -> None:
        try:
            import apprise
        except ImportError as exc:
            raise ConfigError("the apprise channel needs the apprise package (pip install apprise)") from exc
        ap = apprise.Apprise()
        if not ap.add(message.target):
            raise ConfigError(f"not an Apprise URL Apprise can use: {_redact(message.target)}")
        failing = any(e.get("event") == "firing" for e in message.events)
        try:
            result = ap.notify(body=message.text, title=message.subject,
                               notify_type=apprise.NotifyType.WARNING if failing else apprise.NotifyType.SUCCESS,
                               timeout=30)
        except Exception as exc:  # a plugin's own error: retry later like any failed send
            raise DeliveryError(f"{_redact(message.target)}: {type(exc).__name__}: {exc}",
                                channel=self.kind) from exc
        if not result:
            raise DeliveryError(f"{_redact(message.target)}: Apprise reported a failure", channel=self.kind)
