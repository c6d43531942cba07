from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BullyingConfig(AppConfig):
    name = "yankao.bullying"
    label = "bullying"
    verbose_name = _("校園霸凌")
