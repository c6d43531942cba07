"""The case categories of a city, from yankao/cases/data/cities/<city>/categories.toml."""

import tomllib
from pathlib import Path

from yankao.cases.models import Category
from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency
from yankao.core.services.seed import seed_loaders

DATA_DIR = Path(__file__).resolve().parent / "data" / "cities"


def category_seed_load(city: str) -> int:
    """Create the city's categories that do not exist yet (an administrator's edits stay)."""
    path = DATA_DIR / city / "categories.toml"
    if not path.exists():
        return 0
    existing = set(Category.objects.values_list("code", flat=True))
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    created = 0
    for row in tomllib.loads(path.read_text(encoding="utf-8"))["category"]:
        if row["code"] in existing:
            continue
        agency = agencies.get(row["default_agency"])
        if agency is None:
            raise ApplicationError(
                f"類別「{row['name']}」的預設主管機關代碼 {row['default_agency']} 不存在。"
            )
        category = Category(
            code=row["code"],
            name=row["name"],
            group=row.get("group", ""),
            default_agency=agency,
            routed_to_district=row.get("routed_to_district", False),
            keywords=row.get("keywords", ""),
            is_public=row.get("is_public", False),
            sort_order=row.get("sort_order", 0),
        )
        category.full_clean()
        category.save()
        created += 1
    return created


seed_loaders.register("case categories", category_seed_load)
