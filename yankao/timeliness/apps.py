from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelinessConfig(AppConfig):
    name = "yankao.timeliness"
    label = "timeliness"
    verbose_name = _("公文時效")
