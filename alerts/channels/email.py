"""Email over SMTP: one digest per recipient, plain text and HTML, Chinese subject.

A channel keeps its connection open between sends (the outbox makes one channel per
delivery sweep and closes it after): a sweep's digests share one TCP and TLS handshake and
one login instead of paying for them each."""
from __future__ import annotations

import html
import smtplib
import ssl
from email.message import EmailMessage
import re

from alerts.channels.base import Channel, Message, register
from ground.errors import DeliveryError


def message_id_header(message_id: str) -> str:
    """``<id@gkwatch>``, derived from the notification's stable id alone."""
    return f"<{re.sub(r'[^A-Za-z0-9._-]', '-', message_id)}@gkwatch>"


@register
class EmailChannel(Channel):
    kind = "email"
    digest = True
    _client: smtplib.SMTP | None = None  # the connection kept open between sends
    _sent = 0  # messages sent over ``_client``

    def build(self, message: Message) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = message.subject
        msg["From"] = self.settings.mail_from
        msg["To"] = message.target
        # the same on every retry of this notification: a receiver (or a mail client) that
        # got it before a crash sees the repeat as the same message, as webhook-id does
        msg["Message-ID"] = message_id_header(message.message_id)
        msg["X-Gkwatch-Message-Id"] = message.message_id
        msg.set_content(message.text)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        else:
            rows = "".join(f"<li>{html.escape(line)}</li>" for line in message.text.splitlines() if line.strip())
            msg.add_alternative(f"<html><body><h3>{html.escape(message.subject)}</h3><ul>{rows}</ul>"
                                "</body></html>", subtype="html")
        return msg

    def _tls(self) -> ssl.SSLContext:
        ca = getattr(self.settings, "smtp_ca_file", None)
        return ssl.create_default_context(cafile=str(ca) if ca else None)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30,
                                                    context=self._tls())
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        try:
            if s.smtp_starttls and not s.smtp_ssl:
                client.starttls(context=self._tls())
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password)
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: Message) -> None:
        """Send over the connection of earlier sends of this channel, if it is open and
        has room (``smtp_messages_per_connection``), else over a new one. A server that
        closed a reused connection (idle) or answers 421 on it is not a failure: the message
        goes once more over a new connection. Any error closes the connection (the next
        send opens one)."""
        s = self.settings
        msg = self.build(message)
        try:
            reused = self._client is not None
            try:
                self._connection().send_message(msg)
            except (smtplib.SMTPServerDisconnected, ConnectionError, smtplib.SMTPResponseException) as exc:
                # the server ended the kept connection (idle timeout, restart) or is ending
                # it (421: too many messages on it): the message was not taken, or at worst
                # is taken twice with the same Message-ID, as after a worker's crash
                ending = not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code == 421
                if not (reused and ending):
                    raise
                self._drop()
                self._connection().send_message(msg)
            self._sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}", channel=self.kind) from exc
        if self._sent >= s.smtp_messages_per_connection:
            self.close()

    def _connection(self) -> smtplib.SMTP:
        if self._client is None:
            self._client, self._sent = self._connect(), 0
        return self._client

    def _drop(self) -> None:
        """Forget the connection without a word to the server (it failed, or went away)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def close(self) -> None:
        """QUIT the open connection, if any (a server that is gone already is no error)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
