"""The default column-mapping profiles (data/profiles.toml); the RDEC edits or adds others as data."""

import tomllib
from pathlib import Path
from typing import Any

from django.db import migrations

PROFILES = Path(__file__).resolve().parent.parent / "data" / "profiles.toml"


def load(apps: Any, schema_editor: Any) -> None:
    MappingProfile = apps.get_model("timeliness", "MappingProfile")
    for entry in tomllib.loads(PROFILES.read_text(encoding="utf-8"))["profile"]:
        MappingProfile.objects.update_or_create(
            name=entry["name"],
            defaults={
                "description": entry.get("description", ""),
                "columns": entry["columns"],
                "values": entry.get("values", {}),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("timeliness", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
