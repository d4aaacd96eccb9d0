"""The rule catalogue (``rules.toml``), loaded and checked once at import time."""
from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ground.errors import ConfigError

from .registry import CheckFn

SEVERITIES = ("error", "warning", "info")
SCOPES = ("document", "cross_year", "publication")
CATALOGUE_PATH = Path(__file__).with_name("rules.toml")


@dataclass(frozen=True)
class Message:
    zh: str
    en: str


@dataclass(frozen=True)
class Rule:
    """One catalogue entry."""

    id: str
    severity: str
    scope: str
    title_zh: str
    title_en: str
    function: str | None = None
    messages: Mapping[str, Message] = field(default_factory=dict)
    check: CheckFn | None = field(default=None, compare=False, repr=False)


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


def load_catalogue(registry: Mapping[str, CheckFn], path: Path = CATALOGUE_PATH,
                   text: str | None = None) -> Mapping[str, Rule]:
    """Read and check the catalogue against the registered check functions.

    Raises :class:`ConfigError` on duplicate IDs, unknown severities or scopes, a
    document or cross-year rule without its function, a function that names another
    implementation than the one registered, or a registered function without an entry.
    """
    try:
        data = tomllib.loads(text if text is not None else path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"rules.toml: cannot read the rule catalogue: {exc}") from exc
    defaults = {k: _message("defaults", k, v)
                for k, v in (data.get("defaults", {}).get("messages", {}) or {}).items()}
    rules: dict[str, Rule] = {}
    for raw in data.get("rule", []):
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid:
            raise ConfigError(f"rules.toml: a rule without an id: {raw!r}")
        if rid in rules:
            raise ConfigError(f"rules.toml: duplicate rule id {rid}")
        if raw.get("severity") not in SEVERITIES:
            raise ConfigError(f"rules.toml: {rid}: unknown severity {raw.get('severity')!r}")
        if raw.get("scope") not in SCOPES:
            raise ConfigError(f"rules.toml: {rid}: unknown scope {raw.get('scope')!r}")
        for key in ("title_zh", "title_en"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ConfigError(f"rules.toml: {rid}: missing {key}")
        func_name = raw.get("function")
        fn = registry.get(rid)
        if raw["scope"] == "publication":
            if func_name or fn is not None:
                raise ConfigError(f"rules.toml: {rid}: publication rules have no check function here")
        else:
            if not func_name:
                raise ConfigError(f"rules.toml: {rid}: no check function named")
            if fn is None:
                raise ConfigError(f"rules.toml: {rid}: function {func_name} is not registered")
            actual = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
            if actual != func_name:
                raise ConfigError(f"rules.toml: {rid}: names {func_name} but {actual} is registered")
        messages = dict(defaults)
        messages.update({k: _message(rid, k, v) for k, v in (raw.get("messages") or {}).items()})
        rules[rid] = Rule(rid, raw["severity"], raw["scope"], raw["title_zh"], raw["title_en"],
                          func_name, MappingProxyType(messages), fn)
    orphans = sorted(set(registry) - set(rules))
    if orphans:
        raise ConfigError(f"rules.toml: registered check functions without a catalogue entry: {orphans}")
    return MappingProxyType(rules)
