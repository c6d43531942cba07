"""The servicedesk module's own records: every 1999 call, whether or not it became a case.

Petitions themselves are cases of the case engine (yankao.cases); a call that became one points
at it, so the call counts once among calls and the case once among petitions.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yankao.servicedesk import hotline_kinds  # noqa: F401  (registers the dispatch case kind)


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", _("當場答復")
    DISPATCHED = "dispatched", _("派工")
    PETITION = "petition", _("轉陳情案件")
    TRANSFERRED = "transferred", _("移轉其他業務")
    OTHER = "other", _("其他")


class CallSource(models.TextChoices):
    CONSOLE = "console", _("話務台登錄")
    API = "api", _("系統介接")
    DEMO = "demo", _("示範資料")


class Call(models.Model):
    """One call to the 1999 line: who took it, when, how long, about what, and what came of it."""

    started_at = models.DateTimeField(_("來電時間"))
    # The Taiwan date and hour of started_at, kept beside it: the monthly and hourly statistics
    # group 860,000 calls a year by them without a time-zone function per row.
    started_on = models.DateField(_("來電日期"))
    started_hour = models.PositiveSmallIntegerField(_("來電時段"))
    duration_seconds = models.PositiveIntegerField(_("通話秒數"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("話務員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The caller's number: encrypted (yankao.core.personal_data), a keyed digest to find the
    # caller's earlier calls and cases, and a mask for lists. Empty when the number was withheld.
    caller_phone_encrypted = models.TextField(blank=True)
    caller_phone_digest = models.CharField(max_length=64, blank=True)
    caller_phone_masked = models.CharField(_("來電號碼"), max_length=20, blank=True)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("類別"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("處理結果"), max_length=20, choices=CallOutcome.choices)
    summary = models.TextField(_("來電摘要"), blank=True)
    answer = models.TextField(_("當場答復內容"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("成案案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    transferred_to = models.CharField(_("移轉至"), max_length=30, blank=True)
    transferred_reference = models.CharField(_("移轉後編號"), max_length=60, blank=True)
    source = models.CharField(max_length=10, choices=CallSource.choices, default=CallSource.CONSOLE)
    # The console form's one-submission key: a double submit logs one call.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("1999來電")
        verbose_name_plural = _("1999來電")
        indexes = [
            models.Index(fields=["started_at"], name="call_started_idx"),
            models.Index(fields=["caller_phone_digest", "started_at"], name="call_caller_idx"),
            # Covers the monthly/category/outcome statistics and the average duration: one
            # index-only scan of a year.
            models.Index(
                fields=["started_on", "category", "outcome", "duration_seconds"],
                name="call_stats_duration_idx",
            ),
            models.Index(fields=["started_on", "started_hour"], name="call_hours_idx"),
            models.Index(fields=["source"], name="call_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(started_hour__lte=23), name="call_hour_0_23"),
            models.CheckConstraint(
                condition=models.Q(case__isnull=True)
                | models.Q(outcome__in=["dispatched", "petition", "transferred"]),
                name="call_case_only_when_it_became_one",
            ),
        ]

    def __str__(self) -> str:
        return f"1999 {self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"
