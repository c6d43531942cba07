"""Register imports: all or nothing with a row-by-row error list, encodings, Excel, re-imports."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from yankao.core.exceptions import PermissionDeniedError
from yankao.core.models import AuditEntry, User
from yankao.core.spreadsheets import Column, SpreadsheetError, workbook_build
from yankao.timeliness.importing import errors_csv
from yankao.timeliness.models import Document, Figure, ImportBatch, MappingProfile
from yankao.timeliness.services import register_import

pytestmark = pytest.mark.django_db

PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"
HEADER = (
    "機關代碼,文號,承辦單位,類別,速別,收文日期,限辦日期,發文日期,彙併辦,彙併辦來文日期,展期後期限,展期核准"
)
AS_OF = date(2024, 12, 31)


def standard() -> MappingProfile:
    return MappingProfile.objects.get(name="yankao-標準格式")


def run(actor: User, text: str, *, encoding: str = "utf-8", filename: str = "register.csv") -> ImportBatch:
    return register_import(
        actor=actor,
        profile=standard(),
        file=io.BytesIO(text.encode(encoding)),
        filename=filename,
        as_of=AS_OF,
    ).batch


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = (
    f"{PUBLIC_WORKS},1130000001,養護工程處,一般公文,普通件,113/02/07,,113/02/21,,,,",
    f"{PUBLIC_WORKS},1130000002,新建工程處,一般公文,最速件,2024-10-09,,2024-10-09,,,,",
    f"{PUBLIC_WORKS},1130000003,養護工程處,訴願案件,,113/01/04,,113/04/08,,,,",
    f"{PUBLIC_WORKS},1130000004,養護工程處,一般公文,普通件,113/02/07,,113/02/23,彙辦,113/02/16;113/02/09,,",
    f"{ENVIRONMENT},1130000001,空氣品質科,一般公文,普通件,113/02/07,,113/02/26,,,113/02/26,是",
)


def test_good_register_is_imported_and_audited(rdec_staff: User) -> None:
    batch = run(rdec_staff, csv_text(*GOOD))
    assert batch.outcome == "succeeded", batch.errors
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (5, 0, 0)
    first = Document.objects.get(agency__code=PUBLIC_WORKS, number="1130000001")
    assert (first.deadline, first.days_used, first.status) == (date(2024, 2, 21), Decimal("6.0"), "on_time")
    same_day = Document.objects.get(number="1130000002")
    assert same_day.days_used == Decimal("0.5")
    combined = Document.objects.get(number="1130000004")
    assert combined.count_from == date(2024, 2, 16)  # 彙辦: from the last incoming letter
    assert combined.status == "on_time"
    extended = Document.objects.get(agency__code=ENVIRONMENT)
    assert (extended.status, extended.status_extended) == ("late", "on_time")
    figures = Figure.objects.filter(agency__code=PUBLIC_WORKS)
    assert sum(figure.total for figure in figures) == 4
    assert AuditEntry.objects.filter(target_type="timeliness.importbatch", action="import").exists()


def test_bad_rows_reject_the_whole_file_with_a_row_by_row_list(rdec_staff: User) -> None:
    text = csv_text(
        GOOD[0],
        f"{PUBLIC_WORKS},1130000009,養護工程處,一般公文,普通件,113/02/30,,,,,,",
        f"{PUBLIC_WORKS},1130000010,養護工程處,公文,普通件,113/02/07,,,,,,",
        "9999999999,1130000011,養護工程處,一般公文,普通件,113/02/07,,,,,,",
        f"{PUBLIC_WORKS},1130000012,養護工程處,一般公文,限期,113/02/07,,,,,,",
        f"{PUBLIC_WORKS},1130000013,養護工程處,一般公文,普通件,113/02/07,,113/02/01,,,,",
    )
    batch = run(rdec_staff, text)
    assert batch.outcome == "rejected"
    assert Document.objects.count() == 0
    found = {(error["row"], error["column"]) for error in batch.errors}
    assert found == {(3, "收文日期"), (4, "類別"), (5, "機關代碼"), (6, "限辦日期"), (7, "發文日期")}
    reasons = {error["row"]: error["reason"] for error in batch.errors}
    assert "沒有30日" in reasons[3]
    assert "不是可辨識的類別" in reasons[4]
    assert "找不到機關代碼" in reasons[5]
    assert "早於收文" in reasons[7]
    download = errors_csv(batch.errors).decode("utf-8-sig")
    assert download.splitlines()[0] == "列,欄位,內容,錯誤原因"
    assert "113/02/30" in download


def test_duplicate_rows_in_one_file_are_errors(rdec_staff: User) -> None:
    batch = run(rdec_staff, csv_text(GOOD[0], GOOD[0]))
    assert batch.outcome == "rejected"
    assert batch.errors[0]["row"] == 3
    assert "第 2 列" in batch.errors[0]["reason"]


def test_reimport_reports_new_updated_unchanged(rdec_staff: User) -> None:
    run(rdec_staff, csv_text(*GOOD[:3]))
    reclosed = f"{PUBLIC_WORKS},1130000001,養護工程處,一般公文,普通件,113/02/07,,113/02/22,,,,"
    batch = run(rdec_staff, csv_text(reclosed, GOOD[1], GOOD[2], GOOD[3]))
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (1, 1, 2)
    document = Document.objects.get(agency__code=PUBLIC_WORKS, number="1130000001")
    assert (document.closed_on, document.status) == (date(2024, 2, 22), "late")
    assert Document.objects.count() == 4


def test_big5_csv_is_read(rdec_staff: User) -> None:
    batch = run(rdec_staff, csv_text(*GOOD[:2]), encoding="cp950")
    assert batch.outcome == "succeeded"
    assert batch.encoding == "big5"
    assert Document.objects.get(number="1130000001").unit == "養護工程處"


def test_undecodable_file_is_refused_clearly(rdec_staff: User) -> None:
    with pytest.raises(SpreadsheetError, match="編碼無法辨識"):
        register_import(
            actor=rdec_staff,
            profile=standard(),
            file=io.BytesIO(b"\xff\xfe\x00\x81\xff" * 10),
            filename="x.csv",
        )


def test_missing_columns_name_the_headers(rdec_staff: User) -> None:
    with pytest.raises(SpreadsheetError, match="收文日期"):
        run(rdec_staff, "機關代碼,文號,類別\nA,1,一般公文\n")


def test_excel_register_with_date_cells(rdec_staff: User) -> None:
    columns = [Column(header) for header in HEADER.split(",")]
    rows: list[list[Any]] = [
        [
            PUBLIC_WORKS,
            "1130000001",
            "養護工程處",
            "一般公文",
            "普通件",
            date(2024, 2, 7),
            None,
            date(2024, 2, 21),
        ]
        + [None] * 4,
    ]
    data = workbook_build(sheets=[("公文", columns, rows)])
    batch = register_import(
        actor=rdec_staff, profile=standard(), file=io.BytesIO(data), filename="register.xlsx", as_of=AS_OF
    )
    assert batch.batch.outcome == "succeeded", batch.batch.errors
    assert Document.objects.get().days_used == Decimal("6.0")


def test_source_system_profile_maps_codes(rdec_staff: User) -> None:
    profile = MappingProfile.objects.get(name="市府公文系統匯出")
    text = "機關代號,收文文號,案件類別,速別,收文日,發文日\n" + f"{PUBLIC_WORKS},A1,01,3,1130207,1130221\n"
    batch = register_import(
        actor=rdec_staff, profile=profile, file=io.BytesIO(text.encode()), filename="a.csv", as_of=AS_OF
    ).batch
    assert batch.outcome == "succeeded", batch.errors
    assert Document.objects.get().speed == "ordinary"


def test_agency_imports_only_its_own_documents(liaison: User, citizen: User) -> None:
    batch = run(liaison, csv_text(GOOD[0], GOOD[4]))
    assert batch.outcome == "rejected"
    assert batch.errors == [
        {
            "row": 3,
            "column": "機關代碼",
            "value": ENVIRONMENT,
            "reason": "此機關不在您的權限範圍內，不能匯入其公文。",
        }
    ]
    assert run(liaison, csv_text(GOOD[0])).outcome == "succeeded"
    with pytest.raises(PermissionDeniedError):
        run(citizen, csv_text(GOOD[0]))


def test_figures_counted_in_memory_match_the_database_count(rdec_staff: User) -> None:
    from yankao.timeliness.services import figures_rebuild

    def snapshot() -> list[tuple[Any, ...]]:
        return sorted(
            Figure.objects.values_list(
                "agency_id",
                "unit",
                "category",
                "month",
                "total",
                "on_time",
                "late",
                "open_overdue",
                "open",
                "on_time_extended",
                "extended",
                "as_ordinary",
                "days_used_sum",
                "days_used_count",
            )
        )

    open_row = f"{PUBLIC_WORKS},1130000099,養護工程處,一般公文,普通件,113/12/30,,,,,,"
    run(rdec_staff, csv_text(*GOOD, open_row))  # a first import: counted from the columns
    in_memory = snapshot()
    assert sum(row[4] for row in in_memory) == 6
    figures_rebuild(agency_ids=sorted({row[0] for row in in_memory}))
    assert snapshot() == in_memory


def test_reaudit_turns_open_documents_overdue_as_days_pass(rdec_staff: User) -> None:
    from yankao.timeliness.services import documents_reaudit_open

    open_row = f"{PUBLIC_WORKS},1130000099,養護工程處,一般公文,普通件,113/02/07,,,,,,"
    register_import(
        actor=rdec_staff,
        profile=standard(),
        file=io.BytesIO(csv_text(open_row).encode()),
        filename="a.csv",
        as_of=date(2024, 2, 21),
    )
    document = Document.objects.get()
    assert (document.status, document.status_extended) == ("open", "open")
    assert documents_reaudit_open(as_of=date(2024, 2, 22)) == 1
    document.refresh_from_db()
    assert (document.status, document.status_extended, document.audited_on) == (
        "open_overdue",
        "open_overdue",
        date(2024, 2, 22),
    )
    assert Figure.objects.get().open_overdue == 1


def test_a_bad_row_after_rows_already_written_undoes_them(
    rdec_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of two rows: on PostgreSQL the first chunks are streamed before the bad row is read.
    monkeypatch.setattr("yankao.timeliness.importing.CHUNK_ROWS", 2)
    bad = f"{PUBLIC_WORKS},1130000050,養護工程處,一般公文,普通件,113/13/01,,,,,,"
    batch = run(rdec_staff, csv_text(*GOOD, bad))
    assert batch.outcome == "rejected"
    assert [error["row"] for error in batch.errors] == [7]
    assert Document.objects.count() == 0
    assert Figure.objects.count() == 0
    assert run(rdec_staff, csv_text(*GOOD)).new_count == 5


def test_streamed_chunks_read_nothing_from_the_database(
    rdec_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While a COPY is open the connection can run no other query: rules and periods are read
    # before. A rule cache that reloads on every read and application rows in later chunks prove it.
    from yankao.core.models import Agency
    from yankao.timeliness.models import ApplicationPeriod

    monkeypatch.setattr("yankao.timeliness.importing.CHUNK_ROWS", 2)
    monkeypatch.setattr("yankao.core.selectors.rules.RELOAD_SECONDS", -1.0)
    ApplicationPeriod.objects.create(
        agency=Agency.objects.get(code=PUBLIC_WORKS), item="路證", value=10, unit="working_days"
    )
    header = "機關代碼,文號,類別,速別,申請項目,收文日期,發文日期"
    rows = [f"{PUBLIC_WORKS},A{n},人民申請案,,路證,113/02/07,113/02/20" for n in range(7)]
    outcome = register_import(
        actor=rdec_staff,
        profile=standard(),
        file=io.BytesIO(("\n".join([header, *rows]) + "\n").encode()),
        filename="a.csv",
        as_of=AS_OF,
    )
    assert outcome.succeeded, outcome.batch.errors
    assert set(Document.objects.values_list("deadline", flat=True)) == {date(2024, 2, 27)}  # 10 working days
