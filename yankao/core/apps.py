from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yankao.core"
    label = "core"
    verbose_name = _("核心設定")

    def ready(self) -> None:
        from yankao.core import signals  # noqa: F401
