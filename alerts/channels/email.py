"""Email over SMTP: one digest per recipient, plain text and HTML, Chinese subject."""
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

    def send(self, message: Message) -> None:
        s = self.settings
        try:
            if s.smtp_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30,
                                                        context=self._tls())
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
            with client:
                if s.smtp_starttls and not s.smtp_ssl:
                    client.starttls(context=self._tls())
                if s.smtp_user:
                    client.login(s.smtp_user, s.smtp_password)
                client.send_message(self.build(message))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}", channel=self.kind) from exc
