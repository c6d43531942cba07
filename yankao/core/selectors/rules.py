"""Reads of the dated rule table: which version of a rule is in force on a date."""

import threading
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from yankao.core.exceptions import RuleNotInForceError
from yankao.core.models import Rule

# Rules change rarely and are read on hot paths: every process keeps them all in memory,
# reloads after a local edit at once (signals) and after another process's edit within this many seconds.
RELOAD_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class RuleVersion:
    key: str
    qualifier: str
    title: str
    value: Decimal
    unit: str
    effective_from: date
    date_basis: str
    status: str
    source: str

    @property
    def is_confirmed(self) -> bool:
        return self.status == "confirmed"


class _RuleCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[tuple[str, str], list[RuleVersion]] | None = None
        self._loaded_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._versions = None

    def versions(self) -> dict[tuple[str, str], list[RuleVersion]]:
        versions = self._versions
        if versions is None or time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            versions = self._load()
        return versions

    def _load(self) -> dict[tuple[str, str], list[RuleVersion]]:
        loaded: dict[tuple[str, str], list[RuleVersion]] = {}
        for rule in Rule.objects.order_by("key", "qualifier", "-effective_from"):
            loaded.setdefault((rule.key, rule.qualifier), []).append(
                RuleVersion(
                    key=rule.key,
                    qualifier=rule.qualifier,
                    title=rule.title,
                    value=rule.value,
                    unit=rule.unit,
                    effective_from=rule.effective_from,
                    date_basis=rule.date_basis,
                    status=rule.status,
                    source=rule.source,
                )
            )
        with self._lock:
            self._versions = loaded
            self._loaded_at = time.monotonic()
        return loaded


rule_cache = _RuleCache()


def rule_get(*, key: str, on: date, qualifier: str = "") -> RuleVersion:
    """The version of rule `key` in force on `on`: the qualified rule if one exists, else the general one.

    `on` is the case's date that the rule names as its basis (received, phase start or decision).
    Raises RuleNotInForceError, naming the rule and the date, when no version is in force.
    """
    if not isinstance(on, date):
        raise TypeError("on must be a date")
    versions = rule_cache.versions()
    candidates = [(key, qualifier), (key, "")] if qualifier else [(key, "")]
    known = False
    for candidate in candidates:
        history = versions.get(candidate)
        if not history:
            continue
        known = True
        for version in history:  # newest first
            if version.effective_from <= on:
                return version
    if not known:
        raise RuleNotInForceError(
            f"規則「{key}」不存在，請研考會系統管理者於規則表中建立。", extra={"key": key}
        )
    raise RuleNotInForceError(
        f"規則「{key}」在 {on.isoformat()} 尚未生效（最早版本生效日晚於該日）。",
        extra={"key": key, "on": on.isoformat()},
    )


def rule_history(*, key: str, qualifier: str = "") -> list[RuleVersion]:
    """Every version of a rule, newest first."""
    return list(rule_cache.versions().get((key, qualifier), []))


def rule_keys() -> list[str]:
    return sorted({key for key, _ in rule_cache.versions()})
