"""The program types every city starts with, from yankao/programs/data/program_types.toml."""

import tomllib
from pathlib import Path

from yankao.core.services.seed import seed_loaders
from yankao.programs.models import ProgramType

DATA_DIR = Path(__file__).resolve().parent / "data"


def program_type_seed_load(city: str) -> int:
    """Create the program types that do not exist yet (an administrator's edits stay)."""
    existing = set(ProgramType.objects.values_list("code", flat=True))
    created = 0
    for row in tomllib.loads((DATA_DIR / "program_types.toml").read_text(encoding="utf-8"))["type"]:
        if row["code"] in existing:
            continue
        ProgramType.objects.create(
            code=row["code"],
            name=row["name"],
            short_name=row.get("short_name", ""),
            sort_order=row["sort_order"],
        )
        created += 1
    return created


seed_loaders.register("program types", program_type_seed_load)
