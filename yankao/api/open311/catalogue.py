"""The city's Open311 services: its public categories, described by servicedesk/data/open311_services.toml."""

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from yankao.cases.models import Category
from yankao.core.services.seed import city_info

SERVICES_PATH = Path(__file__).resolve().parents[2] / "servicedesk" / "data" / "open311_services.toml"


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name)


@dataclass(frozen=True)
class Service:
    category_id: int
    code: str
    name: str
    group: str
    description: str
    keywords: str
    attributes: tuple[Attribute, ...] = field(default=())


@lru_cache(maxsize=1)
def catalogue_file() -> dict[str, Any]:
    return tomllib.loads(SERVICES_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def jurisdiction_id() -> str:
    """The city's code (機關代碼 of the city government), as the standard's jurisdiction_id."""
    return str(city_info(city=settings.YANKAO_CITY)["jurisdiction_code"])


def services_public() -> list[Service]:
    """The active categories marked public (categories.toml `is_public`), in the city's order."""
    described = catalogue_file().get("service", {})
    services = []
    for category in Category.objects.filter(is_public=True, is_active=True).order_by("sort_order", "code"):
        extra = described.get(category.code, {})
        attributes = tuple(
            Attribute(
                code=row["code"],
                datatype=row["datatype"],
                required=bool(row.get("required", False)),
                order=int(row.get("order", index + 1)),
                description=row["description"],
                datatype_description=row.get("datatype_description", ""),
                values=tuple((value["key"], value["name"]) for value in row.get("values", [])),
            )
            for index, row in enumerate(extra.get("attribute", []))
        )
        services.append(
            Service(
                category_id=category.pk,
                code=category.code,
                name=category.name,
                group=category.group,
                description=extra.get("description", category.name),
                keywords=extra.get("keywords", category.keywords.replace("、", ",")),
                attributes=attributes,
            )
        )
    return services


def service_get(*, code: str) -> Service | None:
    return next((service for service in services_public() if service.code == code), None)
