"""Loads a city's reference data (agencies) and the rule table from the data files in core/data/.

Idempotent: a rerun adds what is missing and leaves what an administrator edited alone.
"""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction

from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, Rule, RuleDateBasis, RuleStatus, RuleUnit
from yankao.core.registries import Registry, autodiscover

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class SeedResult:
    agencies_created: int
    rules_created: int
    # What each other app's seed loader (its `seeds.py`) added, by the loader's name.
    others: dict[str, int]


# Other apps' reference data (e.g. the case categories) load after core's, from their `seeds.py`.
seed_loaders: Registry[Callable[[str], int]] = Registry("seed loader")


def city_data_path(city: str) -> Path:
    path = DATA_DIR / "cities" / city / "agencies.toml"
    if not path.exists():
        raise ApplicationError(f"找不到城市「{city}」的機關資料檔：{path}")
    return path


def city_info(*, city: str) -> dict[str, Any]:
    """The city's header fields of its agency file (city name, jurisdiction code)."""
    data = tomllib.loads(city_data_path(city).read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if key != "agency"}


@transaction.atomic
def seed_load(*, city: str) -> SeedResult:
    """Create the city's agencies, the rule versions and other apps' reference data not there yet."""
    agencies, rules = _load_agencies(city), _load_rules()
    autodiscover("seeds")
    others = {name: seed_loaders.get(name)(city) for name in seed_loaders.names()}
    return SeedResult(agencies_created=agencies, rules_created=rules, others=others)


def _load_agencies(city: str) -> int:
    data = tomllib.loads(city_data_path(city).read_text(encoding="utf-8"))
    existing = {agency.code: agency for agency in Agency.objects.all()}
    created = 0
    for row in data["agency"]:
        if row["code"] in existing:
            continue
        parent = existing.get(row["parent"]) if row.get("parent") else None
        if row.get("parent") and parent is None:
            raise ApplicationError(f"機關 {row['code']} 的上級機關代碼 {row['parent']} 不存在。")
        agency = Agency(
            code=row["code"],
            name=row["name"],
            name_en=row.get("name_en", ""),
            short_name=row.get("short_name", ""),
            kind=row["kind"],
            parent=parent,
            path=f"{parent.path}/{row['code']}" if parent else row["code"],
            sort_order=row.get("sort_order", 0),
            code_verified=row.get("code_verified", False),
        )
        agency.full_clean()
        agency.save()
        existing[agency.code] = agency
        created += 1
    return created


def rule_files() -> list[Path]:
    """core's rule file first, then each yankao app's own `data/rules.toml`.

    Each module keeps the rules it owns beside its code, so that modules built side by side
    never edit one shared file.
    """
    files = [DATA_DIR / "rules.toml"]
    for app_config in apps.get_app_configs():
        if app_config.name.startswith("yankao.") and app_config.name != "yankao.core":
            candidate = Path(app_config.path) / "data" / "rules.toml"
            if candidate.exists():
                files.append(candidate)
    return files


def _load_rules() -> int:
    rows: list[dict[str, Any]] = []
    for path in rule_files():
        rows.extend(tomllib.loads(path.read_text(encoding="utf-8")).get("rule", []))
    existing = set(Rule.objects.values_list("key", "qualifier", "effective_from"))
    created = 0
    for row in rows:
        effective_from = date.fromisoformat(str(row["effective_from"]))
        qualifier = row.get("qualifier", "")
        if (row["key"], qualifier, effective_from) in existing:
            continue
        rule = Rule(
            key=row["key"],
            qualifier=qualifier,
            title=row["title"],
            value=Decimal(str(row["value"])),
            unit=RuleUnit(row["unit"]),
            effective_from=effective_from,
            date_basis=RuleDateBasis(row.get("date_basis", "received")),
            status=RuleStatus(row["status"]),
            source=row.get("source", ""),
        )
        rule.full_clean()
        rule.save()
        created += 1
    return created
