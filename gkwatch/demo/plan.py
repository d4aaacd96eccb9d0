"""What the demo generator planted: the expected outcome per agency (JSON via ``to_dict``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DocumentPlan:
    """One published report document (any year) and where its tables are."""

    year: int
    page_path: str          # the detail page listed in the column
    path: str               # the file holding the tables: the page itself or an attachment
    format: str             # "html" | "pdf" | "docx"
    published_at: str       # ISO 8601, +08:00


@dataclass
class AgencyPlan:
    name: str
    kind: str               # "本级政府" | "部门" | "乡镇街道"
    region: str
    parent: str | None
    list_paths: list[str]
    style: str              # "trs" | "art" | "col"
    deadline: str           # ISO 8601 +08:00 deadline for the report year
    status: str             # "on_time" | "late" | "missing"
    inconsistent: bool
    rules_failed: list[str]
    changed: bool
    published_at: str | None
    document_path: str | None
    format: str | None
    page_path: str | None = None
    documents: list[DocumentPlan] = field(default_factory=list)   # every year, this one included


@dataclass
class DemoPlan:
    region: str
    site_name: str
    report_year: int
    seed: int
    agencies: list[AgencyPlan]
    edit_agency: str        # the agency whose report apply_edit rewrites
    edited_at: str          # the 修改 date written into the page by apply_edit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DemoPlan":
        agencies = [AgencyPlan(**{**a, "documents": [DocumentPlan(**d) for d in a.get("documents", [])]})
                    for a in data["agencies"]]
        return cls(**{**data, "agencies": agencies})

    def agency(self, name: str) -> AgencyPlan:
        for a in self.agencies:
            if a.name == name:
                return a
        raise KeyError(name)
