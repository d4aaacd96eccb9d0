"""The pipeline's stages as plain functions over an explicit database session.

crawl (``crawl.py``) → ingest (``ingest.py``) → process: extract, parse, validate
(``process.py``) → evaluate (``alerts.evaluate``) → notify (``alerts.outbox``).
Celery tasks (``workers.tasks``) and the in-process runner (``workers.inline``) only
claim a unit of work, call one of these, and hand on the ids they return.
"""
