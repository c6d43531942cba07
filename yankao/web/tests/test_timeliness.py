"""The console pages of the timeliness audit: who sees which documents, drill-down, imports, samples, export."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from yankao.core.models import User
from yankao.timeliness.models import Document, MappingProfile, Sample, SampleItem
from yankao.timeliness.services import register_import

pytestmark = pytest.mark.django_db

PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"
HEADER = "機關代碼,文號,承辦單位,類別,速別,收文日期,限辦日期,發文日期"
ROWS = (
    f"{PUBLIC_WORKS},PW-1,養護工程處,一般公文,普通件,113/02/07,,113/02/21",
    f"{PUBLIC_WORKS},PW-2,養護工程處,一般公文,普通件,113/02/07,,113/02/23",
    f"{PUBLIC_WORKS},PW-3,新建工程處,人民陳情案,,113/02/07,,113/02/20",
    f"{ENVIRONMENT},EP-1,空氣品質科,一般公文,速件,113/03/01,,113/03/20",
)
PERIOD = {"date_from": "113/01/01", "date_to": "113/12/31"}


def _import(actor: User, rows: tuple[str, ...] = ROWS) -> None:
    text = "\n".join([HEADER, *rows]) + "\n"
    outcome = register_import(
        actor=actor,
        profile=MappingProfile.objects.get(name="yankao-標準格式"),
        file=io.BytesIO(text.encode()),
        filename="r.csv",
        as_of=date(2024, 12, 31),
    )
    assert outcome.succeeded, outcome.batch.errors


@pytest.fixture
def registers(rdec_staff: User) -> None:
    _import(rdec_staff)


def test_rdec_sees_the_city_ranking_and_petition_label(client, rdec_staff, registers) -> None:
    client.force_login(rdec_staff)
    html = client.get("/console/timeliness/", PERIOD).content.decode()
    assert "各機關排名" in html
    assert "工務局" in html
    assert "環境保護局" in html
    assert "人民陳情案（公文時效查核）" in html
    assert "與第五章聯合服務中心陳情系統之如期辦結率" in html


def test_agency_sees_only_its_own_documents(client, liaison, officer_of_other_agency, registers) -> None:
    client.force_login(liaison)
    html = client.get("/console/timeliness/", PERIOD).content.decode()
    assert "各單位排名" in html
    assert "養護工程處" in html
    assert "空氣品質科" not in html
    listing = client.get("/console/timeliness/documents/", PERIOD).content.decode()
    assert "PW-1" in listing
    assert "EP-1" not in listing
    other = Document.objects.get(number="EP-1")
    assert client.get(f"/console/timeliness/documents/{other.pk}/").status_code == 404
    client.force_login(officer_of_other_agency)
    listing = client.get("/console/timeliness/documents/", PERIOD).content.decode()
    assert "EP-1" in listing
    assert "PW-1" not in listing


def test_citizens_investigators_and_the_1999_desk_are_refused(
    client, citizen, investigator, operator, registers
) -> None:
    for user in (citizen, investigator, operator):
        client.force_login(user)
        assert client.get("/console/timeliness/").status_code == 403
        assert client.get("/console/timeliness/documents/", PERIOD).status_code == 403


def test_drill_down_from_overdue_figure_lists_those_documents(client, rdec_staff, registers) -> None:
    client.force_login(rdec_staff)
    html = client.get("/console/timeliness/documents/", {**PERIOD, "status": "overdue"}).content.decode()
    assert "PW-2" in html  # closed 2/23, limit 2/21
    assert "PW-1" not in html


def test_auditor_reads_but_cannot_import_or_sample(client, auditor, registers) -> None:
    client.force_login(auditor)
    assert client.get("/console/timeliness/", PERIOD).status_code == 200
    upload = io.BytesIO(("\n".join([HEADER, ROWS[0]]) + "\n").encode())
    upload.name = "r.csv"
    profile = MappingProfile.objects.get(name="yankao-標準格式")
    response = client.post("/console/timeliness/imports/", {"profile": profile.pk, "file": upload})
    assert response.status_code == 403
    agency = Document.objects.get(number="PW-1").agency
    response = client.post(
        "/console/timeliness/samples/",
        {"agency": agency.pk, "date_from": "113/01/01", "date_to": "113/12/31", "seed": 1, "size": 2},
    )
    assert response.status_code == 403


def test_import_page_shows_row_errors_and_offers_the_download(client, rdec_staff) -> None:
    client.force_login(rdec_staff)
    bad = io.BytesIO(
        ("\n".join([HEADER, f"{PUBLIC_WORKS},X-1,科,一般公文,普通件,113/02/30,,"]) + "\n").encode()
    )
    bad.name = "bad.csv"
    profile = MappingProfile.objects.get(name="yankao-標準格式")
    response = client.post("/console/timeliness/imports/", {"profile": profile.pk, "file": bad}, follow=True)
    html = response.content.decode()
    assert "全部未匯入" in html
    assert "113/02/30" in html
    assert "沒有30日" in html
    assert Document.objects.count() == 0
    batch_url = response.redirect_chain[-1][0]
    download = client.get(batch_url + "errors.csv")
    assert download["Content-Type"].startswith("text/csv")
    assert "沒有30日" in download.content.decode("utf-8-sig")


def test_excel_export_has_the_three_tables(client, rdec_staff, registers) -> None:
    client.force_login(rdec_staff)
    response = client.get("/console/timeliness/export.xlsx", PERIOD)
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["說明", "依類別", "依月份", "依機關"]
    rows = list(book["依類別"].iter_rows(values_only=True))
    assert rows[0][0] == "名稱"
    assert {row[0] for row in rows[1:]} == {"一般公文", "人民陳情案（公文時效查核）"}


def test_sample_is_reproducible_and_findings_are_recorded(client, rdec_staff, liaison, registers) -> None:
    client.force_login(rdec_staff)
    agency = Document.objects.get(number="PW-1").agency
    form = {"agency": agency.pk, "date_from": "113/01/01", "date_to": "113/12/31", "seed": 42, "size": 2}
    client.post("/console/timeliness/samples/", form)
    client.post("/console/timeliness/samples/", form)
    first, second = Sample.objects.order_by("pk")
    picked = [list(sample.items.values_list("document__number", flat=True)) for sample in (first, second)]
    assert picked[0] == picked[1]
    assert len(picked[0]) == 2
    item = first.items.first()
    assert item is not None
    url = f"/console/timeliness/samples/{first.pk}/items/{item.pk}/"
    client.post(url, {"version": 1, "finding": "discrepancy", "note": "發文日與紙本不符", "follow_up": ""})
    # The liaison adds the follow-up; a stale version is refused, not silently overwritten.
    client.force_login(liaison)
    client.post(
        url,
        {
            "version": 2,
            "finding": "discrepancy",
            "note": "發文日與紙本不符",
            "follow_up": "已更正",
            "resolved": "1",
        },
    )
    stale = client.post(
        url,
        {"version": 2, "finding": "discrepancy", "note": "發文日與紙本不符", "follow_up": "覆蓋"},
        follow=True,
    )
    assert "已被他人修改" in stale.content.decode()
    item = SampleItem.objects.get(pk=item.pk)
    assert (item.finding, item.follow_up, item.resolved, item.version) == ("discrepancy", "已更正", True, 3)


def test_admin_refuses_a_profile_without_the_required_columns(client, rdec_admin) -> None:
    client.force_login(rdec_admin)
    response = client.post(
        "/admin/timeliness/mappingprofile/add/",
        {
            "name": "新系統",
            "description": "",
            "columns": '{"number": "文號"}',
            "values": "{}",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "缺少必要欄位" in response.content.decode()
    assert not MappingProfile.objects.filter(name="新系統").exists()


def test_a_period_without_registers_says_so_instead_of_empty_tables(client, rdec_staff):
    client.force_login(rdec_staff)
    html = client.get(
        "/console/timeliness/", {"date_from": "113/01/01", "date_to": "113/12/31"}
    ).content.decode()
    assert "這段期間沒有已匯入的公文登記。" in html
