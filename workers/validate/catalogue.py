"""The rule catalogue bound to its checks: each document and cross-year rule of
``rules.toml`` (read by :mod:`ground.catalogue`) gets its registered check function,
checked once at import time."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ground.catalogue import CATALOGUE_PATH, SCOPES, SEVERITIES, Entry, Message, read_catalogue
from ground.errors import ConfigError

from .registry import CheckFn

__all__ = ["CATALOGUE_PATH", "SCOPES", "SEVERITIES", "Entry", "Message", "Rule", "load_catalogue"]


@dataclass(frozen=True)
class Rule(Entry):
    """One catalogue entry with its check function."""

    check: CheckFn | None = field(default=None, compare=False, repr=False)


def load_catalogue(registry: Mapping[str, CheckFn], path: Path = CATALOGUE_PATH,
                   text: str | None = None) -> Mapping[str, Rule]:
    """Read and check the catalogue against the registered check functions.

    Raises :class:`ConfigError` on duplicate IDs, unknown severities or scopes, a
    document or cross-year rule without its function, a function that names another
    implementation than the one registered, or a registered function without an entry.
    """
    rules: dict[str, Rule] = {}
    for rid, entry in read_catalogue(path, text).items():
        fn = registry.get(rid)
        if entry.scope == "publication":
            if fn is not None:
                raise ConfigError(f"rules.toml: {rid}: publication rules have no check function here")
        else:
            if not entry.function:
                raise ConfigError(f"rules.toml: {rid}: no check function named")
            if fn is None:
                raise ConfigError(f"rules.toml: {rid}: function {entry.function} is not registered")
            actual = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
            if actual != entry.function:
                raise ConfigError(f"rules.toml: {rid}: names {entry.function} but {actual} is registered")
        rules[rid] = Rule(entry.id, entry.severity, entry.scope, entry.title_zh, entry.title_en,
                          entry.function, entry.messages, fn)
    orphans = sorted(set(registry) - set(rules))
    if orphans:
        raise ConfigError(f"rules.toml: registered check functions without a catalogue entry: {orphans}")
    return MappingProxyType(rules)
