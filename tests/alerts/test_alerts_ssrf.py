"""Notifications reach only the addresses that were checked, checked at the resolver.

A test resolver (``netguard.RESOLVER``) maps invented names to private, shared, reserved
and multicast addresses: each is refused before any connection is tried, so nothing is
sent anywhere. A name mapped to 127.0.0.1 (private addresses allowed, as tests run) is
resolved exactly once and the request reaches the checked address with the original
name as its Host: there is no second lookup to rebind.
"""
from __future__ import annotations

import pytest

from alerts.channels import netguard
from alerts.channels.apprise import check_apprise_target
from alerts.channels.base import Message, get_channel
from gkwatch.sinks import WebhookSink
from ground.errors import ConfigError

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
REFUSED = ["10.0.0.5", "172.16.3.4", "192.168.1.1", "100.64.0.7", "169.254.169.254", "127.0.0.1",
           "0.0.0.0", "198.18.0.1", "192.0.2.10", "224.0.0.251", "239.255.255.250", "255.255.255.255",
           "::1", "fc00::5", "fe80::1", "::ffff:10.0.0.1", "2001:db8::1", "ff02::1"]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError(f"test resolver knows no {host}")
        return table[host]

    monkeypatch.setattr(netguard, "RESOLVER", resolve)
    table["__calls__"] = calls  # type: ignore[assignment]
    return table


def _message(url: str) -> Message:
    return Message(target=url, message_id="msg_1", subject="测试", text="测试",
                   events=[{"event": "firing", "kind": "P-MISSING"}])


@pytest.mark.parametrize("address", REFUSED)
def test_webhook_to_a_name_resolving_to_a_refused_address(resolver, settings, address: str) -> None:
    resolver["hooks.example.net"] = [address]
    strict = settings.model_copy(update={"webhook_allow_private": False, "webhook_secret": SECRET})
    with pytest.raises(ConfigError, match=r"private or reserved"):
        get_channel("webhook", strict).send(_message("https://hooks.example.net/gkwatch"))


def test_one_refused_address_among_public_ones_refuses_the_target(resolver, settings) -> None:
    resolver["mixed.example.net"] = ["93.184.216.34", "10.1.2.3"]
    strict = settings.model_copy(update={"webhook_allow_private": False})
    with pytest.raises(ConfigError):
        netguard.pin("https://mixed.example.net/x", allow_private=False, channel="webhook")
    assert resolver["__calls__"] == ["mixed.example.net"]
    with pytest.raises(ConfigError):
        get_channel("webhook", strict).send(_message("https://mixed.example.net/x"))


def test_connection_goes_to_the_checked_address_with_the_original_host(resolver, settings) -> None:
    with WebhookSink(secret=SECRET) as sink:
        port = sink.url.split(":")[2].split("/")[0]
        resolver["receiver.example.net"] = ["127.0.0.1"]
        allowed = settings.model_copy(update={"webhook_allow_private": True, "webhook_secret": SECRET})
        get_channel("webhook", allowed).send(_message(f"http://receiver.example.net:{port}/hooks/gkwatch"))
    assert resolver["__calls__"] == ["receiver.example.net"]  # resolved once, never again
    (got,) = sink.received
    assert got["headers"]["host"] == f"receiver.example.net:{port}"
    assert got["signature_ok"] is True  # verified by the standardwebhooks library


def test_apprise_targets_naming_their_server_are_checked(resolver) -> None:
    resolver["notify.internal.example"] = ["10.9.8.7"]
    with pytest.raises(ConfigError):
        check_apprise_target("json://notify.internal.example/hook", allow_private=False)
    with pytest.raises(ConfigError):
        check_apprise_target("mailtos://user:pw@notify.internal.example", allow_private=False)
    # a service with a fixed public API carries a token where a host would be: not resolved
    check_apprise_target("wecombot://0123456789abcdef", allow_private=False)
    assert resolver["__calls__"] == ["notify.internal.example", "notify.internal.example"]
