from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BullyingConfig(AppConfig):
    name = "yankao.bullying"
    label = "bullying"
    verbose_name = _("校園霸凌")

    def ready(self) -> None:
        # Registers the case engine's receiver for "bullying" hand-offs.
        from yankao.bullying import receivers  # noqa: F401
