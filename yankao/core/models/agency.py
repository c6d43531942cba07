from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yankao.core.models.base import TimeStampedModel


class Agency(TimeStampedModel):
    """An agency of the city government, a node in the city's organisation tree (機關)."""

    class Kind(models.TextChoices):
        CITY_GOVERNMENT = "city_government", _("市政府")
        FIRST_LEVEL = "first_level", _("一級機關")
        SUBORDINATE = "subordinate", _("所屬機關")
        DISTRICT_OFFICE = "district_office", _("區公所")
        MUNICIPAL_ENTERPRISE = "municipal_enterprise", _("市營事業")
        SCHOOL = "school", _("學校")

    code = models.CharField(_("機關代碼"), max_length=20, unique=True)
    name = models.CharField(_("名稱"), max_length=100)
    name_en = models.CharField(_("英文名稱"), max_length=200, blank=True)
    short_name = models.CharField(_("簡稱"), max_length=30, blank=True)
    kind = models.CharField(_("類別"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上級機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes from the root down, joined by "/": descendants are a prefix match, no recursion.
    path = models.CharField(max_length=500, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("使用中"), default=True)
    code_verified = models.BooleanField(
        _("代碼已查證"), default=False, help_text=_("代碼取自官方資料者為是；自行編定者為否（unverified）。")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name = _("機關")
        verbose_name_plural = _("機關")

    def __str__(self) -> str:
        return self.name

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name
