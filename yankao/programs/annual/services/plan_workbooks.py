"""Plan items by spreadsheet: the template an agency fills in, and taking it back all or nothing.

Agencies draft their preliminary-round items in Excel as they always have. The template has a 說明
sheet and one data sheet; the import checks every row first and writes nothing unless all pass,
answering a row-by-row list of errors in Traditional Chinese (row numbers as Excel shows them).
Imported items are drafts: the agency reviews and submits them in the console.
"""

from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from yankao.core.exceptions import ApplicationError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction
from yankao.core.services.audit import audit_record
from yankao.core.spreadsheets import Column, spreadsheet_rows_read, spreadsheet_value_text, workbook_build
from yankao.programs.annual.models import PlanItem, PlanItemEvent, PlanRound
from yankao.programs.annual.permissions import acts_for_agency
from yankao.programs.annual.services.plan import PlanItemFields, PlanItemInvalidError, plan_item_fields_clean

SHEET = "施政計畫項目"
COLUMNS = (
    Column("計畫名稱", 40, help_text="必填，200 字以內"),
    Column("施政目標", 40, help_text="必填"),
    Column("實施內容", 60, help_text="必填"),
    Column("關鍵績效指標", 30),
    Column("預算（千元）", 14, help_text="不小於 0 的整數"),
)
_FIELDS = {
    "計畫名稱": "title",
    "施政目標": "goal",
    "實施內容": "content",
    "關鍵績效指標": "indicators",
    "預算（千元）": "budget_thousands",
}
MAX_ROWS = 500


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 列" + (f"「{self.column}」欄" if self.column else "")
        return f"{where}：{self.message}"


class PlanImportError(ApplicationError):
    """The file was refused whole; `rows` lists every problem found."""

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(
            f"匯入失敗，共 {len(rows)} 個問題，未新增任何項目。",
            code="import_invalid",
            extra={"rows": [str(r) for r in rows]},
        )
        self.rows = rows


def plan_template_build(*, plan_round: PlanRound, agency: Agency) -> bytes:
    """The Excel template for an agency's items of this round."""
    notes = [
        f"{plan_round.title}：{agency.name} 提報表。",
        "每列一個計畫項目；第一列為欄位名稱，請勿修改。",
        "必填：計畫名稱、施政目標、實施內容。預算以千元為單位，填整數。",
        "匯入後為草稿，請於系統確認內容後按「提報」。整份檔案有任何一列錯誤，將不會匯入任何資料。",
    ]
    return workbook_build(sheets=[(SHEET, COLUMNS, [])], notes=notes)


def plan_items_import(
    *, plan_round: PlanRound, agency: Agency, file: IO[bytes], filename: str, user: Any
) -> list[PlanItem]:
    """Create the file's rows as draft items of `agency`, all or none."""
    if not acts_for_agency(user, agency):
        raise PermissionDeniedError("您只能為本機關匯入施政計畫項目。")
    if plan_round.status != PlanRound.Status.OPEN:
        raise ApplicationError("先期作業已彙編，不再受理新的項目。")
    errors: list[RowError] = []
    cleaned_rows: list[dict[str, Any]] = []
    rows = list(
        spreadsheet_rows_read(file=file, filename=filename, sheet=None)
    )  # SpreadsheetError if unreadable
    if not rows:
        raise ApplicationError("檔案中沒有資料列。請在範本的「施政計畫項目」工作表填寫後再匯入。")
    missing = [header for header in _FIELDS if header not in rows[0].values]
    if missing:
        raise ApplicationError(f"找不到欄位：{'、'.join(missing)}。請使用系統提供的範本。")
    if len(rows) > MAX_ROWS:
        raise ApplicationError(f"一次最多匯入 {MAX_ROWS} 列，此檔有 {len(rows)} 列。")
    seen: dict[str, int] = {}
    for row in rows:
        values = {
            field: spreadsheet_value_text(row.values.get(header)).strip() for header, field in _FIELDS.items()
        }
        try:
            cleaned = plan_item_fields_clean(PlanItemFields(**values))
        except PlanItemInvalidError as error:
            labels = {field: header for header, field in _FIELDS.items()}
            for field, messages in error.errors.items():
                errors.extend(
                    RowError(row=row.number, column=labels.get(field, ""), message=m) for m in messages
                )
            continue
        first = seen.setdefault(cleaned["title"], row.number)
        if first != row.number:
            errors.append(RowError(row=row.number, column="計畫名稱", message=f"與第 {first} 列重複。"))
            continue
        cleaned_rows.append(cleaned)
    existing = set(
        PlanItem.objects.filter(plan_round=plan_round, agency=agency)
        .exclude(status=PlanItem.Status.WITHDRAWN)
        .values_list("title", flat=True)
    )
    for title, number in seen.items():
        if title in existing:
            errors.append(RowError(row=number, column="計畫名稱", message="本機關已有同名項目。"))
    if errors:
        raise PlanImportError(sorted(errors, key=lambda e: (e.row, e.column)))
    with transaction.atomic():
        locked = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        if locked.status != PlanRound.Status.OPEN:
            raise ApplicationError("先期作業已彙編，不再受理新的項目。")
        last = (
            PlanItem.objects.filter(plan_round=locked, agency=agency)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
            or 0
        )
        items = [
            PlanItem(plan_round=locked, agency=agency, sequence=last + index, created_by=user, **cleaned)
            for index, cleaned in enumerate(cleaned_rows, start=1)
        ]
        for item in items:
            item.full_clean(validate_unique=False, validate_constraints=False)
        created = PlanItem.objects.bulk_create(items)
        now = timezone.now()
        PlanItemEvent.objects.bulk_create(
            PlanItemEvent(
                item=item,
                action=PlanItemEvent.Action.CREATE,
                actor=user,
                occurred_at=now,
                note=f"匯入：{filename}",
            )
            for item in created
        )
        audit_record(
            action=AuditAction.IMPORT,
            target_type=PlanItem._meta.label_lower,
            target_id=f"round:{locked.pk}",
            detail={"agency": agency.code, "rows": len(created), "file": filename},
            actor=user,
        )
    return created
