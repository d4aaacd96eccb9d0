"""Apprise URLs (企业微信 wecombot://, 钉钉 dingtalk://, 飞书 feishu:// …): optional.

One digest per receiver, like email. Retries stay in gkwatch's own outbox: Apprise is
asked once per attempt, and any service that did not succeed is a :class:`DeliveryError`.
Needs ``pip install apprise`` (2.x: ``notify`` returns a result object, true on success).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from alerts.channels import netguard
from alerts.channels.base import Channel, Message, register
from ground.errors import ConfigError, DeliveryError

#: Apprise schemes whose URL names the server Apprise will connect to (generic webhooks,
#: self-hosted services, SMTP): that server is checked like a webhook target. Other
#: schemes (wecombot://, dingtalk://, tgram:// …) reach their service's fixed public API
#: and carry tokens, not hosts, in the URL.
CUSTOM_HOST_SCHEMES = frozenset({
    "json", "jsons", "xml", "xmls", "form", "forms", "gotify", "gotifys", "ntfy", "ntfys",
    "mmost", "mmosts", "rocket", "rockets", "matrix", "matrixs", "ncloud", "nclouds",
    "apprise", "apprises", "mailto", "mailtos", "mqtt", "mqtts", "kodi", "kodis", "xbmc", "xbmcs",
    "signal", "signals", "synology", "synologys", "bark", "barks", "gotify", "mastodon", "mastodons",
})


def check_apprise_target(url: str, *, allow_private: bool) -> None:
    """Refuse an Apprise URL whose own server resolves to a private or reserved address."""
    scheme = url.partition("://")[0].lower()
    if scheme not in CUSTOM_HOST_SCHEMES:
        return
    host = urlsplit(url.replace(scheme + "://", "https://", 1)).hostname
    if not host:
        raise ConfigError(f"Apprise URL names no server: {_redact(url)}")
    netguard.check_host(host, allow_private=allow_private, channel="apprise")


def _redact(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…{rest[-4:]}" if rest else url


@register
class AppriseChannel(Channel):
    kind = "apprise"
    digest = True

    def send(self, message: Message) -> None:
        try:  # lazy: an optional extra (pip install gkwatch[apprise]), loaded by its channel only
            import apprise
        except ImportError as exc:
            raise ConfigError("the apprise channel needs the apprise package (pip install apprise)") from exc
        check_apprise_target(message.target, allow_private=self.settings.webhook_allow_private)
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
