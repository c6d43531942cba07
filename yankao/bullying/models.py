"""School bullying reports (校園霸凌通報): the register, the people named, extensions, the timeline.

Content is confidential (ADR 0012): the report text, the school and every name or identifying
detail are stored encrypted (core.personal_data); only the workflow's state, dates, source and
outcome are plain, because the statistics and deadline clocks need them and they identify no one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yankao.core.models.base import TimeStampedModel


class Source(models.TextChoices):
    """Where a report came in: the channels of the seed report's table, not legal categories."""

    MAYORS_MAILBOX = "mayors_mailbox", _("市長信箱")
    HOTLINE = "hotline", _("1999專線")
    CITY_MAILBOX = "city_mailbox", _("市府反霸凌信箱")
    EDUCATION_LINE = "education_line", _("教育局反霸凌專線")
    OTHER = "other", _("其他（如社群網站等）")


class State(models.TextChoices):
    RECEIVED = "received", _("待審查")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    ACCEPTED = "accepted", _("已受理，待組處理小組")
    TEAM_FORMED = "team_formed", _("處理小組已組成，待第一次會議")
    INVESTIGATING = "investigating", _("調查中")
    DECIDED = "decided", _("已有調查結果（追蹤輔導）")
    APPEALED = "appealed", _("申復中")
    CLOSED = "closed", _("結案")


class Ground(models.TextChoices):
    """校園霸凌防制準則 §25: the only grounds on which a report may be not accepted."""

    OUT_OF_SCOPE = "out_of_scope", _("非屬本準則規定之事項")
    NO_CONTENT = "no_content", _("無具體之內容")
    NO_IDENTITY = "no_identity", _("未具真實姓名或除匿名檢舉外無可供聯絡之資料")
    ALREADY_DECIDED = "already_decided", _("同一事件已處理完畢或不予受理")
    WITHDRAWN = "withdrawn", _("申請人撤回申請")


class Method(models.TextChoices):
    INVESTIGATION = "investigation", _("調查")
    MEDIATION = "mediation", _("調和")


class Outcome(models.TextChoices):
    ESTABLISHED = "established", _("霸凌成立")
    NOT_ESTABLISHED = "not_established", _("霸凌不成立")
    OTHER = "other", _("其他（非屬霸凌之校園事件等）")


class AppealResult(models.TextChoices):
    UPHELD = "upheld", _("申復無理由，維持原決定")
    REINVESTIGATE = "reinvestigate", _("申復有理由，重新調查")


class BullyingReport(TimeStampedModel):
    number = models.CharField(_("通報編號"), max_length=20, unique=True)
    source = models.CharField(_("通報來源"), max_length=20, choices=Source.choices, db_index=True)
    received_at = models.DateTimeField(_("收件時間"), db_index=True)
    # The service desk's case number when the report came through the case engine's hand-off.
    transferred_from = models.CharField(_("原陳情案號"), max_length=40, blank=True, default="")
    state = models.CharField(
        _("狀態"), max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    version = models.PositiveIntegerField(default=1)

    school_encrypted = models.TextField(blank=True, default="")
    summary_encrypted = models.TextField(blank=True, default="")
    reporter_name_encrypted = models.TextField(blank=True, default="")
    reporter_phone_encrypted = models.TextField(blank=True, default="")
    reporter_email_encrypted = models.TextField(blank=True, default="")
    reporter_address_encrypted = models.TextField(blank=True, default="")
    is_anonymous = models.BooleanField(_("匿名檢舉"), default=False)
    names_actor = models.BooleanField(_("已指明行為人"), default=False)
    names_acts = models.BooleanField(_("已指明具體霸凌行為"), default=False)

    # 校安通報 (§17): due 24 hours after receipt.
    authority_report_due_at = models.DateTimeField(_("校安通報期限"))
    authority_reported_at = models.DateTimeField(_("校安通報時間"), null=True, blank=True)

    # Screening (§25).
    acceptance_notice_due_on = models.DateField(_("受理與否通知期限"))
    decided_on = models.DateField(_("審查決議日"), null=True, blank=True)
    ground = models.CharField(
        _("不予受理事由"), max_length=20, choices=Ground.choices, blank=True, default=""
    )
    unanimous = models.BooleanField(_("全體一致決議"), default=False)
    notice_sent_on = models.DateField(_("書面通知日"), null=True, blank=True)
    notice_unreachable = models.BooleanField(_("無從通知"), default=False)

    # Team (§27) and investigation (§43).
    team_due_on = models.DateField(_("組成處理小組期限"), null=True, blank=True)
    team_formed_on = models.DateField(_("處理小組組成日"), null=True, blank=True)
    method = models.CharField(_("處理方式"), max_length=20, choices=Method.choices, blank=True, default="")
    first_meeting_on = models.DateField(_("第一次會議日"), null=True, blank=True)
    investigation_due_on = models.DateField(_("調查報告期限"), null=True, blank=True)
    extensions_count = models.PositiveSmallIntegerField(_("延長次數"), default=0)

    # Outcome, follow-up and appeal.
    outcome = models.CharField(_("調查結果"), max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_on = models.DateField(_("調查結果決定日"), null=True, blank=True)
    outcome_notified_on = models.DateField(_("結果通知送達日"), null=True, blank=True)
    follow_up_encrypted = models.TextField(blank=True, default="")
    appeal_due_on = models.DateField(_("申復期限"), null=True, blank=True)
    appeal_filed_on = models.DateField(_("申復日"), null=True, blank=True)
    appeal_result = models.CharField(
        _("申復結果"), max_length=20, choices=AppealResult.choices, blank=True, default=""
    )
    closed_on = models.DateField(_("結案日"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("校園霸凌通報")
        verbose_name_plural = _("校園霸凌通報")
        indexes = [models.Index(fields=["state", "received_at"], name="bullying_state_received")]

    def __str__(self) -> str:
        # Never content: the number is all a log or an error page may show.
        return self.number


class PartyRole(models.TextChoices):
    VICTIM = "victim", _("被霸凌人（學生）")
    ACTOR = "actor", _("行為人（學生）")
    WITNESS = "witness", _("證人")
    OTHER = "other", _("其他關係人")


class BullyingParty(models.Model):
    """A person named in a report: name and identifying detail (school, class, seat) encrypted."""

    report = models.ForeignKey(BullyingReport, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身分"), max_length=20, choices=PartyRole.choices)
    name_encrypted = models.TextField()
    detail_encrypted = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("霸凌通報關係人")
        verbose_name_plural = _("霸凌通報關係人")

    def __str__(self) -> str:
        return f"{self.report_id}:{self.role}"


class BullyingExtension(models.Model):
    """One extension of the investigation period (§43: at most twice, each at most a month, with notice)."""

    report = models.ForeignKey(BullyingReport, on_delete=models.CASCADE, related_name="extensions")
    sequence = models.PositiveSmallIntegerField(_("第幾次延長"))
    months = models.PositiveSmallIntegerField(_("延長月數"))
    reason_encrypted = models.TextField(blank=True, default="")
    decided_on = models.DateField(_("延長決定日"))
    notice_sent_on = models.DateField(_("通知當事人日"))
    previous_due_on = models.DateField(_("原期限"))
    new_due_on = models.DateField(_("新期限"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["report", "sequence"], name="bullying_one_extension_per_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.sequence}"


class BullyingAttachment(models.Model):
    """A file that came with a handed-over case; the engine deletes its copy after the hand-off."""

    report = models.ForeignKey(BullyingReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="bullying/%Y/%m/")
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.report_id}:attachment"


class BullyingEvent(models.Model):
    """The report's timeline: what was done, when, by whom. Never content (notes stay in the report)."""

    report = models.ForeignKey(BullyingReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.kind}"
