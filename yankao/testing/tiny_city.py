"""The tiny demo city for tests that build every module's demo data (`yankao demo` without --only)."""

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "core" / "tests" / "data"
TINY = DATA / "tiny.toml"  # core and the service desk; module tests append their own tables to it
TINY_MODULES = DATA / "tiny-modules.toml"  # every other module's table


def tiny_city_targets(directory: Path) -> Path:
    """A targets file of the whole tiny city, written into `directory`."""
    path = directory / "tiny-city.toml"
    path.write_text(
        TINY.read_text(encoding="utf-8") + "\n" + TINY_MODULES.read_text(encoding="utf-8"), encoding="utf-8"
    )
    return path
