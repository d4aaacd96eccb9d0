"""The ground floor: what every layer may use and what imports nothing of gkwatch.

``errors`` (the one error tree), ``settings`` (the typed settings object), ``telemetry``
(logging, Sentry), ``clock`` (the service's one clock), ``procs`` (child processes bound
to their work). Nothing here imports models, crawler, workers, alerts or gkwatch; the
import contract in pyproject.toml (``lint-imports``) keeps it so.
"""
