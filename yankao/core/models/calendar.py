from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yankao.core.models.base import TimeStampedModel


class CalendarOverride(TimeStampedModel):
    """A city's correction of the national working-day calendar: a typhoon closure, a late DGPA change."""

    class Kind(models.TextChoices):
        TYPHOON = "typhoon", _("天然災害停止上班")
        CORRECTION = "correction", _("更正")
        OFFICIAL_CALENDAR = "official_calendar", _("人事總處辦公日曆表")

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("上班日"))
    kind = models.CharField(_("類別"), max_length=30, choices=Kind.choices)
    reason = models.CharField(_("事由"), max_length=200)
    verified = models.BooleanField(_("已查證"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("行事曆調整")
        verbose_name_plural = _("行事曆調整")

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '放假'} {self.reason}"


class CalendarImport(TimeStampedModel):
    """A record of an official office calendar file read into the calendar."""

    year = models.PositiveIntegerField(_("年度"))
    file_name = models.CharField(_("檔名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    difference_count = models.PositiveIntegerField(_("差異日數"))
    imported_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("辦公日曆表匯入紀錄")
        verbose_name_plural = _("辦公日曆表匯入紀錄")

    def __str__(self) -> str:
        return f"{self.year} {self.file_name}"
