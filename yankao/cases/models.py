"""The case engine's records: a case of any kind, its timeline, attachments, extensions, notices.

A case kind (petition, later 1999 dispatch or bullying report) is a value of `kind`; the kind's
module keeps its own extra data and reads and writes cases only through this app's services.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yankao.cases.workflow import Action, State
from yankao.core.models.base import TimeStampedModel


class Channel(models.TextChoices):
    WEB = "web", _("網路陳情")
    MAYORS_MAILBOX = "mayors_mailbox", _("市長信箱")
    COUNTER = "counter", _("臨櫃")
    LETTER = "letter", _("書面函件")
    HOTLINE = "hotline", _("1999專線")
    EMAIL = "email", _("電子郵件")
    API = "api", _("系統介接")


class Category(TimeStampedModel):
    """A category of case (道路坑洞, 路燈故障, …) with the agency that is competent by default."""

    code = models.CharField(_("類別代碼"), max_length=40, unique=True)
    name = models.CharField(_("名稱"), max_length=60)
    kind = models.CharField(_("案件種類"), max_length=30, default="petition")
    group = models.CharField(_("分組"), max_length=60, blank=True)
    default_agency = models.ForeignKey(
        "core.Agency", verbose_name=_("預設主管機關"), on_delete=models.PROTECT, related_name="+"
    )
    # True: the district office of the case's location is competent, not the default agency.
    routed_to_district = models.BooleanField(_("由所在地區公所辦理"), default=False)
    keywords = models.CharField(
        _("關鍵詞"), max_length=500, blank=True, help_text=_("以頓號或逗號分隔，用於分派建議。")
    )
    is_public = models.BooleanField(
        _("公開派工類別"), default=False, help_text=_("是否於 Open311 等公開介面列出。")
    )
    is_active = models.BooleanField(_("使用中"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("案件類別")
        verbose_name_plural = _("案件類別")

    def __str__(self) -> str:
        return self.name


class Case(TimeStampedModel):
    number = models.CharField(_("案件編號"), max_length=30, unique=True)
    kind = models.CharField(_("案件種類"), max_length=30, default="petition", db_index=True)
    channel = models.CharField(_("來源管道"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("類別"), on_delete=models.PROTECT, related_name="cases"
    )
    agency = models.ForeignKey(
        "core.Agency", verbose_name=_("主管機關"), on_delete=models.PROTECT, related_name="cases"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承辦人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_handled",
    )
    state = models.CharField(_("狀態"), max_length=20, choices=State.choices, default=State.RECEIVED)
    # state in OPEN_STATES, kept by the services beside `state`: the inbox's partial indexes cover
    # only open cases, so a page of an agency's open cases never walks its closed ones.
    is_open = models.BooleanField(_("辦理中"), default=True)
    subject = models.CharField(_("主旨"), max_length=200)
    description = models.TextField(_("內容"))
    # Where the matter is (a pothole's place), not where the petitioner lives.
    location_text = models.CharField(_("地點"), max_length=200, blank=True)
    district = models.ForeignKey(
        "core.Agency",
        verbose_name=_("行政區"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_in_district",
        limit_choices_to={"kind": "district_office"},
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    # The petitioner: encrypted at rest (yankao.core.personal_data); masks for lists.
    petitioner_name_encrypted = models.TextField(blank=True)
    petitioner_phone_encrypted = models.TextField(blank=True)
    petitioner_email_encrypted = models.TextField(blank=True)
    petitioner_address_encrypted = models.TextField(blank=True)
    petitioner_name_masked = models.CharField(_("陳情人"), max_length=60, blank=True)
    petitioner_phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    petitioner_email_digest = models.CharField(max_length=64, blank=True, db_index=True)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    wants_confidentiality = models.BooleanField(_("要求保密"), default=False)

    # Tracking by the citizen: the number plus this code (stored as a digest only).
    tracking_code_digest = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    # The deadline clock.
    received_at = models.DateTimeField(_("收件時間"), db_index=True)
    due_on = models.DateField(_("處理期限"), db_index=True)
    deadline_rule = models.CharField(_("期限規則"), max_length=200, blank=True)
    deadline_unit = models.CharField(_("期限單位"), max_length=20, blank=True)
    paused_since = models.DateField(_("暫停計時起日"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(_("累計暫停工作日"), default=0)
    extended_days = models.PositiveIntegerField(_("累計展期日數"), default=0)

    # Routing.
    reroute_count = models.PositiveIntegerField(_("改分次數"), default=0)
    assigned_at = models.DateTimeField(_("分派時間"), null=True, blank=True)

    # Outcome.
    reply = models.TextField(_("答復內容"), blank=True)
    replied_at = models.DateTimeField(_("答復時間"), null=True, blank=True)
    closed_at = models.DateTimeField(_("結案時間"), null=True, blank=True, db_index=True)
    not_processed_ground = models.CharField(_("不予處理事由"), max_length=40, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("併入案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("重複陳情之前案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
    )
    transferred_to_kind = models.CharField(_("移轉至"), max_length=30, blank=True)
    transferred_reference = models.CharField(_("移轉後編號"), max_length=60, blank=True)
    reopen_count = models.PositiveIntegerField(_("重新處理次數"), default=0)

    # Optimistic concurrency: every service that changes a case checks and bumps it.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        indexes = [
            models.Index(fields=["agency", "state", "due_on", "id"], name="case_inbox_idx"),
            models.Index(fields=["agency", "due_on", "id"], name="case_agency_due_idx"),
            models.Index(
                fields=["agency", "due_on", "id"],
                condition=models.Q(is_open=True),
                name="case_open_agency_due_idx",
            ),
            models.Index(fields=["due_on", "id"], condition=models.Q(is_open=True), name="case_open_due_idx"),
            models.Index(fields=["kind", "received_at"], name="case_kind_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    is_open=True, state__in=["received", "assigned", "in_progress", "waiting_citizen"]
                )
                | models.Q(
                    is_open=False, state__in=["replied", "closed", "not_processed", "merged", "transferred"]
                ),
                name="case_is_open_follows_state",
            )
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One line of a case's timeline; `public` lines are shown to the citizen on the tracking page."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices, blank=True)
    kind = models.CharField(max_length=30)  # the action, or: intake, extension_requested, notice_sent, ...
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("案件歷程")
        verbose_name_plural = _("案件歷程")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


def _attachment_path(instance: "CaseAttachment", filename: str) -> str:
    return f"cases/{instance.case.received_at:%Y/%m}/{instance.case.number}/{instance.sha256[:16]}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)  # as detected from the content, not the name
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class Extension(models.Model):
    """A request to extend a case's deadline (展期): a reason, an approver, a notice to the petitioner."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待核定")
        APPROVED = "approved", _("核准")
        REJECTED = "rejected", _("駁回")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    working_days = models.PositiveIntegerField(_("展延工作日數"))
    reason = models.TextField(_("展期理由"))
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    previous_due_on = models.DateField(null=True, blank=True)
    new_due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("展期")
        verbose_name_plural = _("展期")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.working_days}"


class Notice(models.Model):
    """A message to the petitioner (transfer, extension, request for information, reply), as sent."""

    class Purpose(models.TextChoices):
        RECEIPT = "receipt", _("收件通知")
        TRANSFER = "transfer", _("移轉通知")
        REQUEST_INFO = "request_info", _("補正通知")
        EXTENSION = "extension", _("展期通知")
        REPLY = "reply", _("答復")
        NOT_PROCESSED = "not_processed", _("不予處理通知")
        SURVEY = "survey", _("滿意度調查")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=20)  # email, letter, tracking_page
    body = models.TextField()
    # The address, encrypted, for a notice sent after the case gave up its petitioner's identity (a
    # hand-off to another module); cleared once sent. Empty: the case's own address is used.
    recipient_encrypted = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return f"{self.case_id} {self.purpose}"


class StaffAlert(models.Model):
    """A due-soon reminder or an overdue escalation for staff (officer, liaison, RDEC)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即將到期")
        OVERDUE_LIAISON = "overdue_liaison", _("逾期通知研考聯絡人")
        OVERDUE_RDEC = "overdue_rdec", _("逾期研考會稽催")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_alerts"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("案件提醒")
        verbose_name_plural = _("案件提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "recipient"], name="one_alert_per_case_kind_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} → {self.recipient_id}"


class SurveyResponse(models.Model):
    """The optional satisfaction survey: the process and the outcome are asked separately."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey")
    process_score = models.PositiveSmallIntegerField(_("處理過程滿意度"))
    outcome_score = models.PositiveSmallIntegerField(_("處理結果滿意度"))
    comment = models.TextField(_("意見"), blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["-answered_at"]
        verbose_name = _("滿意度回覆")
        verbose_name_plural = _("滿意度回覆")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(process_score__gte=1, process_score__lte=5), name="process_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome_score__gte=1, outcome_score__lte=5), name="outcome_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.process_score}/{self.outcome_score}"
