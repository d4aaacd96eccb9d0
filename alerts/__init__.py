"""Deadlines, alerts and notifications.

``policy`` (deadlines as data) → ``evaluate`` (verdict per agency-year, desired alerts,
reminders, backfill, P-UNREACHABLE) → ``lifecycle`` (fingerprints, firing/resolved,
outbox rows in the same transaction) → ``notify`` (grouping, timers, notification log,
``mute``: silences and inhibition) → ``outbox`` (send, retry, 410) via ``channels``
(email, webhook, apprise). ``config`` loads all of it from ``GKWATCH_ALERTS_CONFIG``
(see ``deploy/alerts.example.toml``); ``queries`` serves the CLI and the web app.
"""
