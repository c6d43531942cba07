"""Registries that the modules plug into: report sections, statistics, demo generators, benchmarks.

Each app fills them from its own `report_sections.py`, `demo.py` and `bench.py`; `autodiscover`
imports those modules only when a command needs them, so serving a page never pays for them.
"""

from collections.abc import Iterator

from django.utils.module_loading import autodiscover_modules

PLUGIN_MODULES = ("report_sections", "demo", "bench", "seeds")


class Registry[T]:
    """Named entries, kept in registration order; a second entry under one name is a bug."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        if name in self._entries and self._entries[name] is not entry:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"no {self.what} named {name!r}; known: {', '.join(self._entries)}") from None

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)


def autodiscover(*modules: str) -> None:
    """Import every installed app's plugin modules (all of them when none are named)."""
    for module in modules or PLUGIN_MODULES:
        autodiscover_modules(module)
