"""SQLModel tables and database access (SQLite by default, PostgreSQL in production)."""
from models.tables import (Agency, AgencyCreate, AgencyPublic, AgencyYear, Alert, CrawlRun,
                           Delivery, Document, DocumentVersion, Finding, Portal, Report, utcnow)
from models.alerting import DisabledEndpoint, Notification, NotificationFiring, NotificationLog, Silence
from models.review import FindingDecision, FollowUp

__all__ = ["Agency", "AgencyCreate", "AgencyPublic", "AgencyYear", "Alert", "CrawlRun", "Delivery",
           "DisabledEndpoint", "Document", "DocumentVersion", "Finding", "FindingDecision", "FollowUp",
           "Notification", "NotificationFiring", "NotificationLog", "Portal", "Report", "Silence", "utcnow"]
