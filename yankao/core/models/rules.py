from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yankao.core.models.base import TimeStampedModel


class RuleUnit(models.TextChoices):
    HOURS = "hours", _("小時")
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("日曆日")
    MONTHS = "months", _("月")
    COUNT = "count", _("件/次")
    PERCENT = "percent", _("百分比")
    POINTS = "points", _("分")
    MINUTES = "minutes", _("分鐘")
    SECONDS = "seconds", _("秒")
    MEGABYTES = "megabytes", _("MB")
    NTD = "ntd", _("新臺幣元")


class RuleDateBasis(models.TextChoices):
    """Which date of a case selects the version of a rule that applies to it."""

    RECEIVED = "received", _("收件日")
    PHASE_START = "phase_start", _("階段開始日")
    DECISION = "decision", _("決定日")


class RuleStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已查證（法規原文）")
    SECONDARY = "secondary", _("次級來源")
    UNCONFIRMED = "unconfirmed", _("未查證（暫定預設值）")


class Rule(TimeStampedModel):
    """One version of a dated rule: a deadline, threshold or band, in force from a date."""

    key = models.CharField(_("規則代碼"), max_length=100, db_index=True)
    qualifier = models.CharField(
        _("適用範圍"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("例如類別或管道；空白表示一般規定。"),
    )
    title = models.CharField(_("名稱"), max_length=200)
    value = models.DecimalField(_("數值"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("單位"), max_length=20, choices=RuleUnit.choices)
    effective_from = models.DateField(_("生效日"))
    date_basis = models.CharField(
        _("版本判定日"), max_length=20, choices=RuleDateBasis.choices, default=RuleDateBasis.RECEIVED
    )
    status = models.CharField(_("查證狀態"), max_length=20, choices=RuleStatus.choices)
    source = models.TextField(_("來源"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key", "qualifier", "-effective_from"]
        verbose_name = _("規則")
        verbose_name_plural = _("規則")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "qualifier", "effective_from"], name="one_rule_version_per_day"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="rule_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.key}{'[' + self.qualifier + ']' if self.qualifier else ''} @ {self.effective_from}"
