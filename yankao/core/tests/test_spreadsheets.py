import io
from datetime import date

import pytest

from yankao.core.spreadsheets import Column, SpreadsheetError, spreadsheet_rows_read, workbook_build


def test_an_exported_workbook_reads_back_with_dates_numbers_and_excel_row_numbers():
    content = workbook_build(
        sheets=[
            (
                "計畫",
                [Column("計畫名稱"), Column("預定進度"), Column("填報日期")],
                [
                    ["高雄捷運延伸", 42.5, date(2024, 3, 31)],
                    ["", None, None],
                    ["港區綠廊", 10, date(2024, 2, 29)],
                ],
            )
        ],
        notes=["請勿修改欄位名稱。"],
    )
    rows = list(spreadsheet_rows_read(file=io.BytesIO(content), filename="t.xlsx"))
    assert [row.number for row in rows] == [2, 4]  # the blank row is skipped, numbers stay Excel's
    assert rows[0].values == {"計畫名稱": "高雄捷運延伸", "預定進度": 42.5, "填報日期": date(2024, 3, 31)}
    assert rows[1].values["預定進度"] == 10


def test_text_that_excel_would_run_as_a_formula_is_quoted_on_export_and_unquoted_on_import():
    content = workbook_build(sheets=[("清單", [Column("說明")], [['=HYPERLINK("http://x")']])])
    rows = list(spreadsheet_rows_read(file=io.BytesIO(content), filename="t.xlsx"))
    assert rows[0].values["說明"] == '=HYPERLINK("http://x")'


@pytest.mark.parametrize("encoding", ["utf-8-sig", "big5"])
def test_a_csv_in_utf8_or_big5_is_read(encoding):
    raw = "文號,機關\n1130001,工務局\n".encode(encoding)
    rows = list(spreadsheet_rows_read(file=io.BytesIO(raw), filename="register.csv"))
    assert rows[0].values == {"文號": "1130001", "機關": "工務局"}


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_chinese():
    with pytest.raises(SpreadsheetError, match="無法讀取試算表"):
        list(spreadsheet_rows_read(file=io.BytesIO(b"%PDF-1.7 not a workbook"), filename="x.xlsx"))
    with pytest.raises(SpreadsheetError, match="不是可讀取的試算表"):
        list(spreadsheet_rows_read(file=io.BytesIO(b""), filename="x.pdf"))
