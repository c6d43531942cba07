"""The programs the RDEC controls (管制考核) and their monthly control: reports, reviews, lights, risk.

The yearly cycle (annual plan, evaluation, tracked items) lives in `yankao.programs.annual` and points
at `Program` by foreign key: `Program.code`, `name`, `agency` and `program_type` are its contract.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yankao.core.models.base import TimeStampedModel
from yankao.programs.periods import month_label


class ControlLevel(models.TextChoices):
    """Who controls a program (domain-rules §3.1; the city's 府列管 stands for the ministry level)."""

    EXECUTIVE_YUAN = "executive_yuan", _("院列管")
    MINISTRY = "ministry", _("部會列管")
    CITY = "city", _("府列管")
    SELF = "self", _("自行列管")


class ProgressMethod(models.TextChoices):
    """How a program's actual progress is computed; the owner chooses once, then it is fixed."""

    ENTERED = "entered", _("填報進度")
    MILESTONE = "milestone", _("查核點權重")
    BUDGET = "budget", _("預算執行權重")


class Light(models.TextChoices):
    GREEN = "green", _("綠燈")
    YELLOW = "yellow", _("黃燈")
    RED = "red", _("紅燈")
    NONE = "none", _("未填報")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class BudgetSource(models.TextChoices):
    CITY = "city", _("市府自籌")
    CENTRAL = "central", _("中央補助")
    SPECIAL = "special", _("特別預算")
    OTHER = "other", _("其他")


class ProgramType(TimeStampedModel):
    """A type of program (施政計畫, 基本設施補助計畫, 前瞻基礎建設計畫, …); the RDEC adds more."""

    code = models.CharField(_("類型代碼"), max_length=40, unique=True)
    name = models.CharField(_("名稱"), max_length=60)
    short_name = models.CharField(_("簡稱"), max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("計畫類型")
        verbose_name_plural = _("計畫類型")

    def __str__(self) -> str:
        return self.name


class Program(TimeStampedModel):
    """A controlled program (列管計畫). Sub-projects point at their parent and roll up into it."""

    code = models.CharField(_("計畫編號"), max_length=40, unique=True)
    name = models.CharField(_("計畫名稱"), max_length=200)
    program_type = models.ForeignKey(
        ProgramType, verbose_name=_("計畫類型"), on_delete=models.PROTECT, related_name="programs"
    )
    control_level = models.CharField(
        _("列管層級"), max_length=20, choices=ControlLevel.choices, default=ControlLevel.SELF
    )
    agency = models.ForeignKey(
        "core.Agency", verbose_name=_("主辦機關"), on_delete=models.PROTECT, related_name="programs"
    )
    co_agencies = models.ManyToManyField(
        "core.Agency", verbose_name=_("協辦機關"), blank=True, related_name="co_programs"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上層計畫"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("計畫內容"), blank=True)
    starts_on = models.DateField(_("計畫起日"))
    ends_on = models.DateField(_("計畫迄日"))
    # Stock figures (programs under control as of a date) read these two dates.
    controlled_from = models.DateField(_("列管起日"), db_index=True)
    controlled_until = models.DateField(_("解除列管日"), null=True, blank=True, db_index=True)
    progress_method = models.CharField(
        _("進度計算方式"), max_length=20, choices=ProgressMethod.choices, default=ProgressMethod.ENTERED
    )
    total_budget = models.BigIntegerField(_("總經費（元）"), default=0)
    # The latest reviewed or submitted month, kept by the services so dashboards over all programs
    # read one row per program instead of walking 24 monthly reports each.
    latest_period = models.DateField(_("最新填報月份"), null=True, blank=True)
    latest_planned = models.DecimalField(
        _("累計預定進度（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    latest_actual = models.DecimalField(
        _("累計實際進度（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    latest_execution_rate = models.DecimalField(
        _("預算執行率（%）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    light = models.CharField(
        _("燈號"), max_length=10, choices=Light.choices, default=Light.NONE, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("列管計畫")
        verbose_name_plural = _("列管計畫")
        indexes = [models.Index(fields=["agency", "light"], name="program_agency_light")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def latest_label(self) -> str:
        """113年3月, the month of the latest filed report, as officials write it."""
        return month_label(self.latest_period) if self.latest_period else ""


class ProgramBudget(models.Model):
    """The budget of one program for one year from one source (元)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("年度（西元）"))
    source = models.CharField(_("經費來源"), max_length=20, choices=BudgetSource.choices)
    amount = models.BigIntegerField(_("金額（元）"))

    class Meta:
        ordering = ["program", "year", "source"]
        verbose_name = _("年度經費")
        verbose_name_plural = _("年度經費")
        constraints = [
            models.UniqueConstraint(fields=["program", "year", "source"], name="program_budget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()} {self.amount}"


class Milestone(models.Model):
    """A checkpoint (查核點) with its planned date and weight (percent of the program)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="milestones")
    sequence = models.PositiveSmallIntegerField(_("序號"))
    name = models.CharField(_("查核點"), max_length=200)
    planned_on = models.DateField(_("預定完成日"))
    weight = models.DecimalField(_("權重（%）"), max_digits=5, decimal_places=2)
    completed_on = models.DateField(_("實際完成日"), null=True, blank=True)

    class Meta:
        ordering = ["program", "sequence"]
        verbose_name = _("查核點")
        verbose_name_plural = _("查核點")
        constraints = [
            models.UniqueConstraint(fields=["program", "sequence"], name="program_milestone_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """A key performance indicator (關鍵績效指標) with its target."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指標"), max_length=200)
    unit = models.CharField(_("單位"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("目標年度（西元）"))
    target = models.DecimalField(_("目標值"), max_digits=14, decimal_places=2)
    actual = models.DecimalField(_("實際值"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["program", "year", "id"]
        verbose_name = _("關鍵績效指標")
        verbose_name_plural = _("關鍵績效指標")

    def __str__(self) -> str:
        return self.name


class ReportState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已送出")
    RETURNED = "returned", _("退回修正")
    ACCEPTED = "accepted", _("已審定")


# A report the agency has sent at least once (a returned one too): it fixes the progress method.
FILED_STATES = frozenset({ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.RETURNED})


class MonthlyReport(TimeStampedModel):
    """The owning agency's progress report of one program for one month (cumulative figures)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reports")
    period = models.DateField(_("填報月份"), help_text=_("該月1日。"))
    due_on = models.DateField(_("填報期限"))
    state = models.CharField(
        _("狀態"), max_length=20, choices=ReportState.choices, default=ReportState.DRAFT, db_index=True
    )
    planned_progress = models.DecimalField(_("累計預定進度（%）"), max_digits=5, decimal_places=2)
    actual_progress = models.DecimalField(_("累計實際進度（%）"), max_digits=5, decimal_places=2)
    budget_allocated = models.BigIntegerField(_("累計分配數（元）"), default=0)
    budget_executed = models.BigIntegerField(_("累計實支數（元）"), default=0)
    execution_rate = models.DecimalField(
        _("預算執行率（%）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    light = models.CharField(_("燈號"), max_length=10, choices=Light.choices, default=Light.NONE)
    narrative = models.TextField(_("執行情形"), blank=True)
    delay_reason = models.TextField(_("落後原因"), blank=True)
    remedy = models.TextField(_("因應對策"), blank=True)
    submitted_at = models.DateTimeField(_("送出時間"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("審查時間"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField(_("審查意見"), blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["program", "-period"]
        verbose_name = _("月報")
        verbose_name_plural = _("月報")
        constraints = [models.UniqueConstraint(fields=["program", "period"], name="program_report_unique")]
        indexes = [models.Index(fields=["period", "state"], name="program_report_period_state")]

    def __str__(self) -> str:
        return f"{self.program.code} {self.period:%Y-%m}"

    @property
    def period_label(self) -> str:
        return month_label(self.period)

    @property
    def gap(self) -> float:
        """Actual minus planned, in percentage points (negative: behind)."""
        return float(self.actual_progress - self.planned_progress)


class MilestoneStatus(models.TextChoices):
    NOT_DUE = "not_due", _("未到期")
    DONE = "done", _("已完成")
    BEHIND = "behind", _("落後")


class ReportMilestone(models.Model):
    """A milestone's status as one monthly report states it."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="milestone_lines")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("狀態"), max_length=20, choices=MilestoneStatus.choices)
    completed_on = models.DateField(_("實際完成日"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "milestone"], name="program_report_milestone_unique")
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} {self.status}"


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("送出")
    COMMENT = "comment", _("審查意見")
    RETURN = "return", _("退回修正")
    ACCEPT = "accept", _("審定")
    IMPORT = "import", _("匯入")


class ReportEvent(models.Model):
    """One step of a report's history: who did what, with the figures as they stood."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("動作"), max_length=20, choices=ReviewAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("說明"), blank=True)
    snapshot = models.JSONField(_("當時數值"), default=dict)
    occurred_at = models.DateTimeField(_("時間"), auto_now_add=True)

    class Meta:
        ordering = ["report", "occurred_at", "id"]
        verbose_name = _("月報歷程")
        verbose_name_plural = _("月報歷程")

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"


class RiskRating(TimeStampedModel):
    """A program's quarterly risk rating (預警及退場機制: high / medium / low) with its reasons."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="risk_ratings")
    quarter = models.DateField(_("季別"), help_text=_("該季第一天。"))
    level = models.CharField(_("風險等級"), max_length=10, choices=RiskLevel.choices)
    reasons = models.JSONField(_("理由"), default=list)

    class Meta:
        ordering = ["program", "-quarter"]
        verbose_name = _("季風險評等")
        verbose_name_plural = _("季風險評等")
        constraints = [models.UniqueConstraint(fields=["program", "quarter"], name="program_risk_unique")]
        indexes = [models.Index(fields=["quarter", "level"], name="program_risk_quarter_level")]
