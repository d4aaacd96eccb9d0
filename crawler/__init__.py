"""gkwatch's crawler: finds annual reports (政府信息公开工作年度报告) on portal columns.

Kept light on import (no Scrapy here).  Entry points:

- :func:`crawler.discover.discover` — crawl one column once, return the reports it lists.
- :func:`crawler.run.run_crawl` — crawl a portal spec in a child process, return the
  JSON-lines items (``python -m crawler.run --spec … --out … --snapshots …``).
- :mod:`crawler.rules`, :mod:`crawler.dates`, :mod:`crawler.listing` — pure functions.
"""
