"""Every error gkwatch raises on purpose, in one tree.

Third-party exceptions (lxml, pypdfium2, python-docx, Scrapy, SMTP, HTTP, SQLAlchemy) are
translated into these at the boundary where they happen, so callers catch one family and
every error carries the context a person needs to act on it::

    GkwatchError
    ├── ConfigError              bad settings, portal, route or channel configuration
    ├── DocumentError            a document could not be turned into a report  (.source)
    │   ├── UnsupportedFormat    no extractor for this kind of file
    │   ├── ExtractionError      the file is corrupt, encrypted, empty, too large, or image-only
    │   │   └── OcrUnavailable   image-only document and no OCR engine installed
    │   └── ParseError           text was extracted but the three tables were not found
    ├── CrawlError               a portal or page could not be fetched   (.url)
    │   └── OffHostRedirect      a redirect pointed outside the agency's allowed hosts
    ├── DeliveryError            a notification could not be delivered   (.channel, .retry_after)
    │   └── EndpointGone         the receiver answered 410 Gone: disable it
    ├── StateError               the database holds something that should not be possible
    └── TimeLimitExceeded        a unit of work ran past its time limit and was stopped (.limit)
"""
from __future__ import annotations


class GkwatchError(Exception):
    """Base of every gkwatch error."""


class ConfigError(GkwatchError):
    """The configuration is invalid; the message says which key and why."""


class DocumentError(GkwatchError):
    """A document could not be turned into a report.

    ``source`` names the file or URL, so the message can be shown as it is.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class UnsupportedFormat(DocumentError):
    """No extractor handles this file type."""


class ExtractionError(DocumentError):
    """The file is corrupt, encrypted, empty, too large or has no text layer."""


class EncryptedDocument(ExtractionError):
    """The document needs a password: no converter will read it, so none is tried after."""


class OcrUnavailable(ExtractionError):
    """The document is image-only and no OCR engine (tesseract + chi_sim) is installed."""


class ParseError(DocumentError):
    """Text was extracted, but the report's tables could not be recognised."""


class CrawlError(GkwatchError):
    """A page could not be fetched or understood; ``url`` says which."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(f"{url}: {message}" if url else message)


class OffHostRedirect(CrawlError):
    """A redirect pointed to a host outside the agency's allowed hosts."""


class DeliveryError(GkwatchError):
    """A notification could not be delivered; it stays in the outbox for a retry."""

    def __init__(self, message: str, *, channel: str | None = None,
                 retry_after: float | None = None) -> None:
        self.channel = channel
        self.retry_after = retry_after
        super().__init__(f"{channel}: {message}" if channel else message)


class EndpointGone(DeliveryError):
    """The receiver answered 410 Gone; the endpoint must be disabled, not retried."""


class StateError(GkwatchError):
    """The database holds a state that the code does not expect."""


class TimeLimitExceeded(GkwatchError):
    """A unit of work ran longer than its limit and was stopped (it is retried, then given up)."""

    def __init__(self, message: str, *, limit: float) -> None:
        self.limit = limit
        super().__init__(message)
