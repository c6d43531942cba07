"""The documents of the agencies' registers as the RDEC audits them (公文時效).

A document is keyed by its agency's code plus its document number; a re-import updates it in
place. The audit's results (deadline, days used, status) are stored on the row so that figures
and drill-downs read them without recomputing; `audited_on` is the date statuses were judged on.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The seven categories the RDEC checks (seed report, 查核7大類公文時效)."""

    GENERAL = "general", _("一般公文")
    PETITION = "petition", _("人民陳情案")
    QUESTION = "question", _("立委/議員質詢案")
    PROJECT = "project", _("專案管制案")
    APPLICATION = "application", _("人民申請案")
    CONTROL_YUAN = "control_yuan", _("監察案件")
    APPEAL = "appeal", _("訴願案件")


class Speed(models.TextChoices):
    NONE = "", _("（未分速別）")
    MOST_URGENT = "most_urgent", _("最速件")
    URGENT = "urgent", _("速件")
    ORDINARY = "ordinary", _("普通件")
    TIMED = "timed", _("限期")


class QuestionSource(models.TextChoices):
    NONE = "", _("（非質詢案）")
    LEGISLATOR = "legislator", _("立法委員")
    COUNCILLOR = "councillor", _("市議員")


class Combine(models.TextChoices):
    NONE = "", _("（無）")
    COMBINED = "combined", _("彙辦")
    MERGED = "merged", _("併辦")


class Status(models.TextChoices):
    ON_TIME = "on_time", _("依限辦結")
    LATE = "late", _("逾限辦結")
    OPEN_OVERDUE = "open_overdue", _("逾期未結")
    OPEN = "open", _("未結（未逾期）")


class MappingProfile(models.Model):
    """How one source system's register export names its columns and values (RDEC edits it as data).

    `columns` maps each field of `yankao.timeliness.importing.FIELDS` to the header in the file;
    `values` maps a field (category, speed, question_source, combine, extension_approved) to a
    table {value in the file: our value}. Unmapped optional fields are simply absent.
    """

    name = models.CharField(_("名稱"), max_length=60, unique=True)
    description = models.CharField(_("說明"), max_length=300, blank=True)
    columns = models.JSONField(_("欄位對應"), default=dict)
    values = models.JSONField(_("代碼對應"), default=dict, blank=True)
    is_active = models.BooleanField(_("使用中"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("欄位對應設定")
        verbose_name_plural = _("欄位對應設定")

    def __str__(self) -> str:
        return self.name


class ApplicationPeriod(models.Model):
    """An agency's published processing period for one item of 人民申請 (行政程序法 §51 處理期限表)."""

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("工作日")
        CALENDAR_DAYS = "calendar_days", _("日曆日")
        MONTHS = "months", _("月")

    agency = models.ForeignKey("core.Agency", verbose_name=_("機關"), on_delete=models.PROTECT)
    item = models.CharField(_("申請項目"), max_length=80)
    value = models.PositiveIntegerField(_("期間"))
    unit = models.CharField(_("單位"), max_length=20, choices=Unit.choices)
    source = models.CharField(_("依據"), max_length=300, blank=True)

    class Meta:
        ordering = ["agency", "item"]
        constraints = [models.UniqueConstraint(fields=["agency", "item"], name="timeliness_period_unique")]
        verbose_name = _("人民申請案件處理期限")
        verbose_name_plural = _("人民申請案件處理期限")

    def __str__(self) -> str:
        return f"{self.item}（{self.value} {self.get_unit_display()}）"


class ImportBatch(models.Model):
    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("匯入成功")
        REJECTED = "rejected", _("有錯誤，未匯入")

    profile = models.ForeignKey(MappingProfile, verbose_name=_("欄位對應"), on_delete=models.PROTECT)
    filename = models.CharField(_("檔名"), max_length=200)
    encoding = models.CharField(_("編碼"), max_length=20, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("匯入者"), null=True, blank=True, on_delete=models.PROTECT
    )
    started_at = models.DateTimeField(_("開始時間"))
    seconds = models.FloatField(_("耗時（秒）"), default=0)
    outcome = models.CharField(_("結果"), max_length=20, choices=Outcome.choices)
    rows_total = models.PositiveIntegerField(_("資料列數"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未變動"), default=0)
    error_count = models.PositiveIntegerField(_("錯誤數"), default=0)
    # The first errors, as {row, column, value, reason}; the count above is the whole number.
    errors = models.JSONField(_("錯誤清單"), default=list, blank=True)
    agency_codes = models.JSONField(_("涉及機關"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("公文登記匯入")
        verbose_name_plural = _("公文登記匯入")

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_outcome_display()}）"


class Document(models.Model):
    # No separate index on agency: the key (agency, number) and (agency, received_on) lead with it.
    agency = models.ForeignKey(
        "core.Agency", verbose_name=_("機關"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    number = models.CharField(_("文號"), max_length=40)
    unit = models.CharField(_("承辦單位"), max_length=60, blank=True)
    category = models.CharField(_("類別"), max_length=20, choices=Category.choices)
    speed = models.CharField(_("速別"), max_length=12, choices=Speed.choices, blank=True)
    question_source = models.CharField(
        _("質詢來源"), max_length=12, choices=QuestionSource.choices, blank=True
    )
    application_item = models.CharField(_("申請項目"), max_length=80, blank=True)
    received_on = models.DateField(_("收文日"))
    received_hour = models.PositiveSmallIntegerField(_("收文時"), null=True, blank=True)
    set_deadline = models.DateField(_("限辦日期"), null=True, blank=True)
    closed_on = models.DateField(_("結案（發文）日"), null=True, blank=True)
    combine = models.CharField(_("彙併辦"), max_length=10, choices=Combine.choices, blank=True)
    linked_numbers = models.CharField(_("彙併辦文號"), max_length=300, blank=True)
    linked_first_on = models.DateField(_("最早來文日"), null=True, blank=True)
    linked_last_on = models.DateField(_("最後來文日"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("展期次數"), default=0)
    extension_requested_on = models.DateField(_("申請展期日"), null=True, blank=True)
    extended_to = models.DateField(_("展期後期限"), null=True, blank=True)
    extension_approved = models.BooleanField(_("展期經核准"), default=False)

    # The audit's results.
    count_from = models.DateField(_("起算基準日"))
    as_ordinary = models.BooleanField(_("逾期來文改以普通件計"), default=False)
    deadline = models.DateField(_("辦理期限"))
    extended_deadline = models.DateField(_("展期後辦理期限"), null=True, blank=True)
    days_used = models.DecimalField(_("使用日數"), max_digits=7, decimal_places=1, null=True, blank=True)
    status = models.CharField(_("時效狀態"), max_length=16, choices=Status.choices)
    status_extended = models.CharField(_("依展期後期限之狀態"), max_length=16, choices=Status.choices)
    audited_on = models.DateField(_("判定基準日"))

    digest = models.BigIntegerField(editable=False)
    # Unindexed: a million-row COPY pays for every index, and nothing filters documents by batch.
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["agency", "received_on", "number"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="timeliness_document_key")]
        # Few indexes on purpose: a million-row load pays for each. Figures are read from Figure;
        # a drill-down filters one agency (this index) or walks the primary key newest first.
        indexes = [
            models.Index(fields=["agency", "received_on"], name="timeliness_doc_agency_recv"),
            # The re-audit of open documents: a fraction of a percent of the rows.
            models.Index(
                fields=["deadline"], name="timeliness_doc_open", condition=models.Q(closed_on__isnull=True)
            ),
        ]
        verbose_name = _("公文")
        verbose_name_plural = _("公文")

    def __str__(self) -> str:
        return self.number


class Figure(models.Model):
    """Counts per agency, unit, category and month of receipt: what dashboards and the report read.

    Rebuilt from the documents after every import and every re-audit of open documents, so that a
    figure over a year of a million documents reads a few thousand rows.
    """

    agency = models.ForeignKey("core.Agency", on_delete=models.CASCADE, related_name="+")
    unit = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    month = models.DateField()  # first day of the month of receipt
    total = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    open_overdue = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    on_time_extended = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    as_ordinary = models.PositiveIntegerField(default=0)
    days_used_sum = models.DecimalField(max_digits=14, decimal_places=1, default=0)
    days_used_count = models.PositiveIntegerField(default=0)
    audited_on = models.DateField(null=True)  # the latest day open documents were judged on

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "unit", "category", "month"], name="timeliness_figure_key"
            )
        ]
        indexes = [models.Index(fields=["month", "category"], name="timeliness_fig_month_cat")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.unit} {self.category} {self.month:%Y-%m}"


class Sample(models.Model):
    """A reproducible random sample of one agency's documents for an on-site check (實地抽查)."""

    agency = models.ForeignKey(
        "core.Agency", verbose_name=_("機關"), on_delete=models.PROTECT, related_name="+"
    )
    seed = models.BigIntegerField(_("亂數種子"))
    size = models.PositiveIntegerField(_("抽樣件數"))
    date_from = models.DateField(_("收文日起"))
    date_to = models.DateField(_("收文日迄"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("實地抽查")
        verbose_name_plural = _("實地抽查")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.date_from}–{self.date_to}（{self.seed}）"


class SampleItem(models.Model):
    class Finding(models.TextChoices):
        PENDING = "", _("待查核")
        CONSISTENT = "consistent", _("相符")
        DISCREPANCY = "discrepancy", _("不符")

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    finding = models.CharField(_("查核結果"), max_length=12, choices=Finding.choices, blank=True)
    note = models.TextField(_("查核說明"), blank=True)
    follow_up = models.TextField(_("追蹤改善情形"), blank=True)
    resolved = models.BooleanField(_("已改善結案"), default=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["sample", "position"]
        constraints = [models.UniqueConstraint(fields=["sample", "document"], name="timeliness_sample_doc")]

    def __str__(self) -> str:
        return f"{self.sample_id}#{self.position}"
