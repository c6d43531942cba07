from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from yankao.core.services.seed import seed_load


class Command(BaseCommand):
    help = "Load the city's agencies and the rule table from yankao's data files (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--city", default=settings.YANKAO_CITY)

    def handle(self, *args: Any, city: str, **options: Any) -> None:
        result = seed_load(city=city)
        others = "".join(f"; {name} added: {count}" for name, count in result.others.items())
        self.stdout.write(
            f"agencies added: {result.agencies_created}; rule versions added: {result.rules_created}{others}"
        )
