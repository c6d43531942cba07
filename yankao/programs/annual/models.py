"""The yearly cycle around the programs: the annual plan, evaluations and tracked items.

Every record that two people may edit carries a `version`; services check the version the user
saw and refuse (ConflictError) rather than overwrite (docs/adr/0014).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yankao.core.models.base import TimeStampedModel

# --- the annual administrative plan (施政計畫) and its preliminary round (先期作業) ---------------


class PlanRound(TimeStampedModel):
    """The preliminary round for one plan year: agencies submit items by the deadline, RDEC compiles."""

    class Status(models.TextChoices):
        OPEN = "open", _("受理提報中")
        COMPILED = "compiled", _("已彙編")
        APPROVED = "approved", _("已核定")

    year = models.PositiveSmallIntegerField(_("計畫年度（西元）"), unique=True)
    title = models.CharField(_("名稱"), max_length=200)
    opens_on = models.DateField(_("開始受理日"))
    deadline = models.DateField(_("提報截止日"))
    status = models.CharField(_("狀態"), max_length=20, choices=Status.choices, default=Status.OPEN)
    compiled_at = models.DateTimeField(_("彙編時間"), null=True, blank=True)
    approved_on = models.DateField(_("核定日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("施政計畫先期作業")
        verbose_name_plural = _("施政計畫先期作業")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")), name="round_deadline_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(TimeStampedModel):
    """One item of an agency's part of next year's plan (重要施政計畫項目)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提報")
        RETURNED = "returned", _("退回修正")
        ACCEPTED = "accepted", _("已採納")
        WITHDRAWN = "withdrawn", _("已撤回")

    plan_round = models.ForeignKey(
        PlanRound, verbose_name=_("先期作業"), on_delete=models.PROTECT, related_name="items"
    )
    agency = models.ForeignKey(
        "core.Agency", verbose_name=_("機關"), on_delete=models.PROTECT, related_name="+"
    )
    sequence = models.PositiveSmallIntegerField(_("機關內序號"), default=1)
    title = models.CharField(_("計畫名稱"), max_length=200)
    goal = models.TextField(_("施政目標"))
    content = models.TextField(_("實施內容"))
    indicators = models.TextField(_("關鍵績效指標"), blank=True)
    budget_thousands = models.DecimalField(_("預算（千元）"), max_digits=14, decimal_places=0, default=0)
    status = models.CharField(_("狀態"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提報時間"), null=True, blank=True)
    review_comment = models.TextField(_("審查意見"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan_round", "agency__sort_order", "agency__path", "sequence", "id"]
        verbose_name = _("施政計畫項目")
        verbose_name_plural = _("施政計畫項目")
        indexes = [
            models.Index(fields=["plan_round", "status"]),
            models.Index(fields=["plan_round", "agency"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def budget_display(self) -> str:
        """The budget with thousands separators, as the plan prints it (千元)."""
        return f"{self.budget_thousands:,.0f}"


class PlanItemEvent(models.Model):
    """The history of an item: every submission, return, acceptance and edit, kept whole."""

    class Action(models.TextChoices):
        CREATE = "create", _("建立")
        EDIT = "edit", _("修改")
        SUBMIT = "submit", _("提報")
        RETURN = "return", _("退回修正")
        ACCEPT = "accept", _("採納")
        WITHDRAW = "withdraw", _("撤回")

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"


# --- tracked items (列管事項) that are not programs ------------------------------------------------


class TrackedItem(TimeStampedModel):
    """A matter the RDEC follows up that is not a program: countermeasures, teams, meetings, visits."""

    class Kind(models.TextChoices):
        JUST_TRANSITION = "just_transition", _("淨零公正轉型對策")
        REVITALISATION_TEAM = "revitalisation_team", _("地方創生團隊")
        REVITALISATION_MEETING = "revitalisation_meeting", _("地方創生研商會議")
        REVITALISATION_VISIT = "revitalisation_visit", _("地方創生現勘訪視")

    class Status(models.TextChoices):
        OPEN = "open", _("追蹤中")
        DONE = "done", _("已完成（解除列管）")
        CANCELLED = "cancelled", _("已撤銷")

    kind = models.CharField(_("類別"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("事項"), max_length=200)
    description = models.TextField(_("說明"), blank=True)
    agency = models.ForeignKey(
        "core.Agency", verbose_name=_("主辦機關"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("列管日"))
    due_on = models.DateField(_("預定完成日"))
    # Meetings and site visits: the day it took place (the report counts them by this date).
    held_on = models.DateField(_("辦理日期"), null=True, blank=True)
    location = models.CharField(_("地點"), max_length=200, blank=True)
    status = models.CharField(_("狀態"), max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(_("完成日"), null=True, blank=True)
    last_update_on = models.DateField(_("最近回報日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("列管事項")
        verbose_name_plural = _("列管事項")
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["agency", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("started_on")), name="tracked_due_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TrackedItemUpdate(models.Model):
    """A periodic update by the owner agency: what was done since the last one."""

    item = models.ForeignKey(TrackedItem, on_delete=models.CASCADE, related_name="updates")
    reported_on = models.DateField(_("回報日"))
    progress = models.TextField(_("辦理情形"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} @ {self.reported_on}"


# --- municipal enterprise performance evaluation (市營事業績效考核) -------------------------------


class EnterpriseEvaluation(TimeStampedModel):
    """One year's evaluation of one municipal enterprise by a panel of reviewers."""

    class Status(models.TextChoices):
        SCORING = "scoring", _("評分中")
        REPORTED = "reported", _("已函送考評報告")
        CLOSED = "closed", _("建議事項均已落實")

    enterprise = models.ForeignKey(
        "core.Agency", verbose_name=_("受評事業"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("考核年度（西元）"))
    status = models.CharField(_("狀態"), max_length=20, choices=Status.choices, default=Status.SCORING)
    report = models.TextField(_("考評報告"), blank=True)
    total_score = models.DecimalField(_("總分"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("等第"), max_length=20, blank=True)
    reported_on = models.DateField(_("函送日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "enterprise__sort_order"]
        verbose_name = _("市營事業績效考核")
        verbose_name_plural = _("市營事業績效考核")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="one_enterprise_evaluation_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.enterprise}"


class PanelMember(models.Model):
    """A reviewer on an evaluation's panel: from a city agency (internal) or an outside expert."""

    evaluation = models.ForeignKey(EnterpriseEvaluation, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委員帳號"), on_delete=models.PROTECT, related_name="+"
    )
    is_external = models.BooleanField(_("外部委員（專家學者）"), default=False)
    affiliation = models.CharField(_("服務單位"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("評分送出時間"), null=True, blank=True)

    class Meta:
        ordering = ["is_external", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "user"], name="one_seat_per_reviewer")]

    def __str__(self) -> str:
        return str(self.user)


class CriterionScore(models.Model):
    """A reviewer's score on one criterion; the criteria and weights are dated rules."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(_("評分項目"), max_length=50)
    score = models.DecimalField(_("分數"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("評語"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100), name="score_0_to_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.score}"


class Recommendation(TimeStampedModel):
    """A panel's recommendation, tracked until the enterprise has acted on it and the RDEC agrees."""

    class Status(models.TextChoices):
        OPEN = "open", _("待辦理")
        RESPONDED = "responded", _("已回復辦理情形")
        CLOSED = "closed", _("已落實（解除追蹤）")

    evaluation = models.ForeignKey(
        EnterpriseEvaluation, on_delete=models.CASCADE, related_name="recommendations"
    )
    number = models.PositiveSmallIntegerField(_("序號"))
    text = models.TextField(_("委員建議"))
    status = models.CharField(_("狀態"), max_length=20, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("回復期限"))
    response = models.TextField(_("辦理情形"), blank=True)
    responded_at = models.DateTimeField(_("回復時間"), null=True, blank=True)
    review_note = models.TextField(_("研考會意見"), blank=True)
    closed_on = models.DateField(_("解除追蹤日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["evaluation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "number"], name="one_recommendation_number")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} #{self.number}"


# --- annual evaluation of programs (年度考核) -----------------------------------------------------


class ProgramEvaluation(TimeStampedModel):
    """A program's year-end evaluation: the owner agency's self-assessment, then the RDEC's review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("自評填寫中")
        SELF_ASSESSED = "self_assessed", _("已送自評")
        RETURNED = "returned", _("退回補正")
        REVIEWED = "reviewed", _("已完成評核")

    program = models.ForeignKey(
        "programs.Program", verbose_name=_("計畫"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("考核年度（西元）"))
    status = models.CharField(_("狀態"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    self_score = models.DecimalField(_("自評分數"), max_digits=5, decimal_places=2, null=True, blank=True)
    self_assessment = models.TextField(_("自評說明"), blank=True)
    self_submitted_at = models.DateTimeField(_("自評送出時間"), null=True, blank=True)
    review_score = models.DecimalField(_("評核分數"), max_digits=5, decimal_places=2, null=True, blank=True)
    review_comment = models.TextField(_("評核意見"), blank=True)
    reviewed_at = models.DateTimeField(_("評核時間"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("等第"), max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "program__agency__sort_order", "program__code"]
        verbose_name = _("計畫年度考核")
        verbose_name_plural = _("計畫年度考核")
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="one_program_evaluation_a_year"),
            models.CheckConstraint(
                condition=(
                    models.Q(self_score__isnull=True)
                    | (models.Q(self_score__gte=0) & models.Q(self_score__lte=100))
                )
                & (
                    models.Q(review_score__isnull=True)
                    | (models.Q(review_score__gte=0) & models.Q(review_score__lte=100))
                ),
                name="evaluation_scores_0_to_100",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.year} {self.program_id}"
