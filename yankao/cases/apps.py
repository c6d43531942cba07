from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yankao.cases"
    label = "cases"
    verbose_name = _("案件引擎")

    def ready(self) -> None:
        from yankao.cases import signals  # noqa: F401
