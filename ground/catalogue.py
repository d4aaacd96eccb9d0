"""The rule catalogue (``rules.toml``) as data: every rule's severity, scope, titles and
bilingual message templates, read and checked once.

The validator binds a check function to each document and cross-year rule
(``workers.validate.catalogue``); the publication rules (P-*) are raised by the stages
and the alerts, which take their severity and texts from here, so no rule's wording or
severity is written in code. It lives on the ground floor because both read it.
"""
from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ground.contracts import SEVERITIES, Finding, new_finding
from ground.errors import ConfigError

SCOPES = ("document", "cross_year", "publication")
CATALOGUE_PATH = Path(__file__).with_name("rules.toml")


@dataclass(frozen=True)
class Message:
    zh: str
    en: str

    def format(self, **params: Any) -> tuple[str, str]:
        """Both texts with ``params`` filled in (a ``{name_zh}`` / ``{name_en}`` pair
        takes ``name_zh`` and ``name_en``)."""
        return self.zh.format(**params), self.en.format(**params)


@dataclass(frozen=True)
class Entry:
    """One rule of the catalogue, as written in ``rules.toml``."""

    id: str
    severity: str
    scope: str
    title_zh: str
    title_en: str
    function: str | None = None
    messages: Mapping[str, Message] = field(default_factory=dict)

    def text(self, variant: str, **params: Any) -> tuple[str, str]:
        """The Chinese and English message of ``variant``."""
        try:
            return self.messages[variant].format(**params)
        except KeyError as exc:
            raise ConfigError(f"rules.toml: {self.id} has no message '{variant}' "
                              f"(or it needs {exc})") from exc


def _fields(template: str) -> set[str]:
    """Placeholder names, with a language suffix (_zh / _en) removed so that
    {what_zh} in the Chinese template pairs with {what_en} in the English one."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {n[:-3] if n.endswith(("_zh", "_en")) else n for n in names}


def _message(rule_id: str, variant: str, raw: object) -> Message:
    if not isinstance(raw, dict) or not isinstance(raw.get("zh"), str) or not isinstance(raw.get("en"), str):
        raise ConfigError(f"rules.toml: {rule_id} message '{variant}' needs string 'zh' and 'en'")
    try:
        zh, en = _fields(raw["zh"]), _fields(raw["en"])
    except ValueError as exc:
        raise ConfigError(f"rules.toml: {rule_id} message '{variant}': bad template ({exc})") from exc
    if zh != en:
        raise ConfigError(f"rules.toml: {rule_id} message '{variant}': zh and en use different "
                          f"placeholders ({sorted(zh ^ en)})")
    return Message(raw["zh"], raw["en"])


def read_catalogue(path: Path = CATALOGUE_PATH, text: str | None = None) -> Mapping[str, Entry]:
    """Read and check the catalogue: unique IDs, known severities and scopes, both titles,
    paired message templates. (Check functions are bound by the validator.)"""
    try:
        data = tomllib.loads(text if text is not None else path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"rules.toml: cannot read the rule catalogue: {exc}") from exc
    defaults = {k: _message("defaults", k, v)
                for k, v in (data.get("defaults", {}).get("messages", {}) or {}).items()}
    entries: dict[str, Entry] = {}
    for raw in data.get("rule", []):
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid:
            raise ConfigError(f"rules.toml: a rule without an id: {raw!r}")
        if rid in entries:
            raise ConfigError(f"rules.toml: duplicate rule id {rid}")
        if raw.get("severity") not in SEVERITIES:
            raise ConfigError(f"rules.toml: {rid}: unknown severity {raw.get('severity')!r}")
        if raw.get("scope") not in SCOPES:
            raise ConfigError(f"rules.toml: {rid}: unknown scope {raw.get('scope')!r}")
        for key in ("title_zh", "title_en"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ConfigError(f"rules.toml: {rid}: missing {key}")
        if raw["scope"] == "publication" and raw.get("function"):
            raise ConfigError(f"rules.toml: {rid}: publication rules have no check function here")
        messages = dict(defaults)
        messages.update({k: _message(rid, k, v) for k, v in (raw.get("messages") or {}).items()})
        entries[rid] = Entry(rid, raw["severity"], raw["scope"], raw["title_zh"], raw["title_en"],
                             raw.get("function"), MappingProxyType(messages))
    return MappingProxyType(entries)


CATALOGUE: Mapping[str, Entry] = read_catalogue()


def publication_finding(rule_id: str, variant: str, *, where: dict[str, Any], expected: Any = None,
                        actual: Any = None, **params: Any) -> Finding:
    """A failing finding of a publication rule (P-*), its severity and texts from the
    catalogue; the same keys as the validator's findings."""
    entry = CATALOGUE[rule_id]
    zh, en = entry.text(variant, **params)
    return new_finding(rule=rule_id, severity=entry.severity, status="fail", where=where,
                       expected=expected, actual=actual, message_zh=zh, message_en=en)
