"""Staff intake over HTTP: who may register a case, the date received, idempotency, checks, routing."""

import re
from datetime import datetime, time, timedelta
from html import unescape

import pytest
from django.utils import timezone

from yankao.cases.models import Case, CaseAttachment, Category
from yankao.cases.services import deadline_rule_for
from yankao.core.durations import deadline_from_rule
from yankao.core.models import Agency
from yankao.core.roc_dates import TAIWAN, roc_date_format, roc_date_format_short
from yankao.core.working_days import taiwan_date
from yankao.testing.petitions import exe_bytes, png_bytes, upload

URL = "/console/cases/new/"
PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"


def _form_key(client) -> str:
    html = client.get(URL).content.decode()
    return re.search(r'name="form_key" value="([^"]+)"', html)[1]


def _fields(client, **overrides):
    data = {
        "channel": "letter",
        "received_at": roc_date_format_short(taiwan_date(timezone.now())),
        "category": "road_pothole",
        "subject": "民族路坑洞",
        "description": "民族一路與建國路口有大坑洞，機車經過很危險。",
        "district": str(Agency.objects.get(name="高雄市三民區公所").pk),
        "location_text": "民族一路與建國路口",
        "agency": "",
        "other_agency": "",
        "name": "王小明",
        "phone": "0912-345-678",
        "email": "",
        "address": "高雄市三民區民族一路100號",
        "form_key": _form_key(client),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _receipt(response) -> tuple[str, str]:
    html = response.content.decode()
    return re.search(r'id="case-number">([^<]+)<', html)[1], re.search(r'id="tracking-code">([^<]+)<', html)[
        1
    ]


# --- who may open it ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["operator", "officer", "liaison", "rdec_staff", "rdec_admin"])
def test_the_intake_roles_open_the_page(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>登錄陳情案件</h1>" in html
    assert 'name="form_key"' in html
    # the navigation marks the intake entry as the current page, not the inbox
    assert '<a href="/console/cases/new/" aria-current="page">' in html
    assert '<a href="/console/cases/" aria-current="page">' not in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["citizen", "auditor", "inspector", "investigator"])
def test_other_roles_are_refused_and_nothing_is_written(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"channel": "letter", "subject": "x", "description": "y"})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client, seeded):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_the_navigation_offers_intake_to_the_intake_roles_only(client, operator, auditor):
    client.force_login(operator)
    assert 'href="/console/cases/new/"' in client.get("/console/").content.decode()
    client.force_login(auditor)
    assert 'href="/console/cases/new/"' not in client.get("/console/").content.decode()


# --- the date received and the deadline --------------------------------------------------------


def test_a_back_dated_counter_petition_runs_its_deadline_from_the_date_received(client, operator):
    client.force_login(operator)
    received_on = taiwan_date(timezone.now()) - timedelta(days=9)
    data = _fields(client, channel="counter", read_back="on", received_at=roc_date_format_short(received_on))
    response = client.post(URL, data)
    assert response.status_code == 200, _text(response)
    case = Case.objects.get()
    assert case.channel == "counter"
    assert taiwan_date(case.received_at) == received_on
    # the case number carries the date received, and the deadline counts from it
    assert case.number[1:8] == f"{received_on.year - 1911:03d}{received_on.month:02d}{received_on.day:02d}"
    rule = deadline_rule_for(kind="petition", category=case.category, channel="counter", on=received_on)
    start = datetime.combine(received_on, time(12), tzinfo=TAIWAN)
    assert case.due_on == deadline_from_rule(rule=rule, start=start)
    today_rule_due = deadline_from_rule(rule=rule, start=timezone.now())
    assert case.due_on < today_rule_due
    # the receipt states it in ROC dates
    text = _text(response)
    assert roc_date_format(case.due_on) in text
    assert roc_date_format(received_on) in text
    assert case.agency.name in text
    assert case.events.filter(kind="intake", actor=operator).exists()


def test_an_iso_date_is_read_too(client, operator):
    client.force_login(operator)
    received_on = taiwan_date(timezone.now()) - timedelta(days=1)
    response = client.post(URL, _fields(client, received_at=received_on.isoformat()))
    assert response.status_code == 200
    assert taiwan_date(Case.objects.get().received_at) == received_on


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("tomorrow", "晚於今天"),
        ("2001-05-01", "早於工作日曆的已知年度"),
        ("113/02/30", "沒有30日"),
        ("上週五", "不是可辨識的日期"),
        ("", "請填寫收件日期"),
    ],
)
def test_a_wrong_date_received_is_refused_in_words(client, operator, given, message):
    client.force_login(operator)
    if given == "tomorrow":
        given = (taiwan_date(timezone.now()) + timedelta(days=1)).isoformat()
    response = client.post(URL, _fields(client, received_at=given))
    assert response.status_code == 400
    assert message in _text(response)
    assert "尚未登錄任何案件" in _text(response)
    assert not Case.objects.exists()


# --- idempotency -------------------------------------------------------------------------------


def test_a_double_submit_makes_one_case_and_shows_the_same_code(client, officer):
    client.force_login(officer)
    data = _fields(client)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 200
    assert Case.objects.count() == 1
    assert _receipt(first) == _receipt(second)
    assert "已登錄陳情案件" in _text(first)
    assert "沒有重複立案" in _text(second)


def test_a_forged_form_key_is_refused(client, operator, liaison):
    client.force_login(liaison)
    foreign_key = _form_key(client)  # drawn for someone else
    client.force_login(operator)
    for key in ("not-signed", foreign_key):
        response = client.post(URL, _fields(client, form_key=key))
        assert response.status_code == 400
        assert "表單識別碼無效" in _text(response)
    assert not Case.objects.exists()


# --- the counter's read-back and the petitioner ------------------------------------------------


def test_the_counter_needs_the_read_back_and_a_letter_does_not(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, channel="counter"))
    assert response.status_code == 400
    assert "已向陳情人朗讀或交其閱覽並確認" in _text(response)
    assert "行政程序法第169條" in _text(response)
    assert not Case.objects.exists()
    assert client.post(URL, _fields(client, channel="letter")).status_code == 200
    assert Case.objects.count() == 1


def test_name_and_contact_are_asked_unless_anonymous(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, name="", phone="", address=""))
    assert response.status_code == 400
    text = _text(response)
    assert "請填寫陳情人姓名" in text
    assert "至少填寫一種聯絡方式" in text
    response = client.post(URL, _fields(client, channel="email", email=""))
    assert "電子郵件來信請填寫來信的電子郵件地址" in _text(response)
    response = client.post(URL, _fields(client, phone="12345"))
    assert "電話號碼格式不正確" in _text(response)
    assert not Case.objects.exists()
    response = client.post(URL, _fields(client, name="", phone="", address="", anonymous="on"))
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.is_anonymous
    assert case.petitioner_name_masked == "匿名"


def test_an_email_petition_with_confidentiality_is_registered(client, rdec_staff):
    client.force_login(rdec_staff)
    response = client.post(
        URL, _fields(client, channel="email", email="wang@example.tw", confidential="on", phone="")
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == "email"
    assert case.wants_confidentiality


# --- attachments -------------------------------------------------------------------------------


def test_a_fake_image_is_refused_by_its_content(client, operator):
    client.force_login(operator)
    data = _fields(client, attachments=upload("photo.jpg", exe_bytes(), "image/jpeg"))
    response = client.post(URL, data)
    assert response.status_code == 400
    text = _text(response)
    assert "附件「photo.jpg」不是可接受的檔案類型" in text
    assert "請重新選擇附件" in text
    assert not Case.objects.exists()
    assert not CaseAttachment.objects.exists()


def test_a_real_photo_is_attached(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, attachments=upload("scan.png", png_bytes(), "image/png")))
    assert response.status_code == 200
    attachment = CaseAttachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "scan.png"


# --- routing -----------------------------------------------------------------------------------


def test_suggest_reloads_the_agencies_without_javascript_and_writes_nothing(client, operator):
    client.force_login(operator)
    data = _fields(client, category="neighbourhood", action="suggest")
    response = client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    district = Agency.objects.get(name="高雄市三民區公所")
    assert f'value="{district.code}" checked' in html  # the district office first, pre-selected
    assert "依地點：高雄市三民區公所" in html
    assert 'value="民族路坑洞"' in html  # what was typed is kept
    assert '<div class="form-errors"' not in html
    assert not Case.objects.exists()


def test_htmx_gets_the_agency_choices_only(client, operator):
    client.force_login(operator)
    data = {
        "action": "suggest",
        "category": "street_light",
        "subject": "路燈不亮，旁邊還有垃圾堆積",
        "description": "",
    }
    response = client.post(URL, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "依類別：路燈故障" in html
    assert "內容提及「垃圾」" in html
    assert f'value="{PUBLIC_WORKS}" checked' in html


def test_the_suggested_agency_is_followed_and_said_so(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, agency=PUBLIC_WORKS))
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.agency.code == PUBLIC_WORKS
    assert "依系統首選建議（依類別：道路坑洞）" in _text(response)


def test_an_officer_registers_for_another_agency_and_the_receipt_says_where_it_went(client, officer):
    client.force_login(officer)
    environment = Agency.objects.get(code=ENVIRONMENT)
    response = client.post(URL, _fields(client, agency="other", other_agency=ENVIRONMENT))
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.agency == environment
    text = _text(response)
    assert f"分派給{environment.name}辦理" in text
    assert "登錄人另選機關；系統首選為高雄市政府工務局" in text
    assert "不會出現在您的收件匣" in text
    assert f'href="/console/cases/{case.number}/"' not in response.content.decode()


def test_other_agency_needs_a_pick(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, agency="other"))
    assert response.status_code == 400
    assert "請從清單選擇辦理機關" in _text(response)
    assert not Case.objects.exists()


def test_without_a_pick_the_case_follows_the_first_suggestion(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, category="neighbourhood"))
    assert response.status_code == 200
    assert Case.objects.get().agency.name == "高雄市三民區公所"
    assert Category.objects.get(code="neighbourhood").routed_to_district


def test_a_suggestion_and_a_listed_agency_at_once_are_asked_about(client, operator):
    client.force_login(operator)
    response = client.post(URL, _fields(client, agency=PUBLIC_WORKS, other_agency=ENVIRONMENT))
    assert response.status_code == 400
    assert "又在清單選了高雄市政府環境保護局" in _text(response)
    assert not Case.objects.exists()
