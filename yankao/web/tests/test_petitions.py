"""The citizen's petition pages over HTTP: form, receipt, tracking, reopening, the survey."""

import re
import time
from html import unescape

import pytest
import time_machine
from django.core.cache import cache

from yankao.cases.models import Case, Category
from yankao.cases.services import case_reply
from yankao.core.models import Agency
from yankao.testing.petitions import challenge_solve, exe_bytes, png_bytes, upload


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _drawn_form(client, path="/petitions/new/"):
    """GET the form; return its token and the answer to its question."""
    html = client.get(path).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html)[1]
    question = re.search(r'<label for="id_challenge_answer">([^<]+)', html)[1]
    return token, challenge_solve(question)


def _fields(token, answer, **overrides):
    data = {
        "category": "street_light",
        "subject": "四維三路路燈不亮",
        "description": "四維三路2號前的路燈已經三天不亮。",
        "district": str(Agency.objects.get(name="高雄市苓雅區公所").pk),
        "location_text": "四維三路2號前",
        "latitude": "22.62, 120.312",
        "longitude": "",
        "name": "陳美玲",
        "phone": "0912-345-678",
        "email": "mei@example.tw",
        "address": "",
        "challenge_answer": answer,
        "form_token": token,
        "website": "",
    }
    data.update(overrides)
    return data


def _post(client, data, path="/petitions/new/", seconds_later=30):
    with time_machine.travel(time.time() + seconds_later, tick=False):
        return client.post(path, data)


def _text(response):
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def _receipt(response):
    html = response.content.decode()
    number = re.search(r'id="case-number">([^<]+)<', html)[1]
    code = re.search(r'id="tracking-code">([^<]+)<', html)[1]
    return number, code


def test_the_form_is_public_chinese_and_lists_grouped_categories_and_38_districts(client, seeded):
    response = client.get("/petitions/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>網路陳情</h1>" in html
    assert '<optgroup label="道路與交通">' in html
    district_select = html[
        html.index('name="district"') : html.index("</select>", html.index('name="district"'))
    ]
    assert district_select.count("<option value=") == 39  # 38 districts and "不確定或不適用"
    assert ">苓雅區<" in district_select
    assert "個人資料蒐集告知" in html
    assert "隨案轉送該主管機關" in html
    assert "no-store" in response.headers["Cache-Control"]


def test_the_portal_cards_link_to_the_petition_mailbox_and_tracking_pages(client, seeded):
    html = client.get("/").content.decode()
    for path in ("/petitions/new/", "/mayors-mailbox/", "/track/"):
        assert f'href="{path}"' in html


def test_a_citizen_files_a_petition_with_a_photo_and_gets_the_number_and_code_once(client, seeded):
    token, answer = _drawn_form(client)
    data = _fields(token, answer)
    data["attachments"] = [upload("路燈.png", png_bytes(), "image/png")]
    response = _post(client, data)
    assert response.status_code == 200
    text = _text(response)
    assert "已收到您的陳情" in text
    assert "查詢碼只會顯示這一次" in text
    assert re.search(r"民國\d+年\d+月\d+日", text)  # the due date in the ROC calendar
    assert "no-store" in response["Cache-Control"]
    number, code = _receipt(response)
    case = Case.objects.get(number=number)
    assert case.channel == "web"
    assert case.category.code == "street_light"
    assert str(case.latitude) == "22.620000"
    assert str(case.longitude) == "120.312000"
    assert case.attachments.get().content_type == "image/png"
    assert len(code) == 8


def test_the_mayors_mailbox_files_on_its_own_channel(client, seeded):
    html = client.get("/mayors-mailbox/").content.decode()
    assert "<h1>市長信箱</h1>" in html
    assert "送出信件" in html
    token, answer = _drawn_form(client, "/mayors-mailbox/")
    response = _post(client, _fields(token, answer), path="/mayors-mailbox/")
    number, _code = _receipt(response)
    assert Case.objects.get(number=number).channel == "mayors_mailbox"


def test_a_double_submission_gives_the_same_case_and_code(client, seeded):
    token, answer = _drawn_form(client)
    first = _post(client, _fields(token, answer))
    second = _post(client, _fields(token, answer))
    assert _receipt(first) == _receipt(second)
    assert "沒有重複立案" in _text(second)
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "請填寫主旨"),
        ({"name": ""}, "請填寫真實姓名"),
        ({"phone": "", "email": ""}, "請至少留下一種聯絡方式"),
        ({"category": ""}, "請選擇陳情類別"),
        ({"latitude": "北緯22度"}, "請以數字填寫座標"),
    ],
)
def test_bad_input_keeps_the_text_shows_chinese_and_changes_nothing(client, seeded, overrides, message):
    token, answer = _drawn_form(client)
    response = _post(client, _fields(token, answer, **overrides))
    assert response.status_code == 400
    text = _text(response)
    assert message in text
    assert "還不能送出" in text
    assert "四維三路2號前的路燈已經三天不亮。" in text  # what was typed is still there
    assert Case.objects.count() == 0
    # the question was answered correctly: the corrected form goes through without a new one
    assert _post(client, _fields(token, answer)).status_code == 200
    assert Case.objects.count() == 1


def test_a_fake_image_is_refused_naming_the_file(client, seeded):
    token, answer = _drawn_form(client)
    data = _fields(token, answer)
    data["attachments"] = [upload("現場照片.jpg", exe_bytes(), "image/jpeg")]
    response = _post(client, data)
    assert response.status_code == 400
    assert "附件「現場照片.jpg」不是可接受的檔案類型" in _text(response)
    assert "請重新選擇附件" in _text(response)
    assert Case.objects.count() == 0


def test_a_wrong_answer_is_refused_with_a_new_question(client, seeded):
    token, answer = _drawn_form(client)
    response = _post(client, _fields(token, str(int(answer) + 1)))
    assert response.status_code == 400
    assert "驗證題的答案不正確" in _text(response)
    assert Case.objects.count() == 0
    html = response.content.decode()
    new_token = re.search(r'name="form_token" value="([^"]+)"', html)[1]
    assert new_token != token
    assert 'name="challenge_answer"' in html
    assert 'id="id_challenge_answer" value=' not in html  # the wrong answer is not kept
    # answering the new question files the petition
    question = re.search(r'<label for="id_challenge_answer">([^<]+)', html)[1]
    assert _post(client, _fields(new_token, challenge_solve(question))).status_code == 200
    assert Case.objects.count() == 1


def test_too_fast_and_honeypot_submissions_are_refused(client, seeded):
    token, answer = _drawn_form(client)
    too_fast = _post(client, _fields(token, answer), seconds_later=0)
    assert too_fast.status_code == 400
    assert "送出速度過快" in _text(too_fast)
    token, answer = _drawn_form(client)
    trapped = _post(client, _fields(token, answer, website="http://spam.example"))
    assert trapped.status_code == 400
    assert "不應填寫的欄位" in _text(trapped)
    assert Case.objects.count() == 0


def test_the_rate_limit_refuses_with_a_chinese_message(client, seeded):
    for n in range(5):
        token, answer = _drawn_form(client)
        assert _post(client, _fields(token, answer, subject=f"第{n}件")).status_code == 200
    token, answer = _drawn_form(client)
    refused = _post(client, _fields(token, answer, subject="第六件"))
    assert refused.status_code == 400
    assert "已達上限" in _text(refused)
    assert Case.objects.count() == 5


def _filed(client):
    token, answer = _drawn_form(client)
    return _receipt(_post(client, _fields(token, answer, address="高雄市苓雅區四維三路2號")))


def test_tracking_shows_status_and_timeline_but_no_personal_data(client, seeded):
    number, code = _filed(client)
    response = client.post("/track/", {"number": number.lower(), "tracking_code": code.lower()})
    assert response.status_code == 200
    text = _text(response)
    assert number in text
    assert "已分派" in text
    assert "處理歷程" in text
    assert "民國" in text
    for personal in ("陳美玲", "陳○玲", "0912", "mei@example", "四維三路2號 "):
        assert personal not in text
    assert "no-store" in response["Cache-Control"]


def test_a_wrong_number_or_code_gets_the_same_message(client, seeded):
    number, code = _filed(client)
    wrong_code = client.post("/track/", {"number": number, "tracking_code": "AAAAAAAA"})
    wrong_number = client.post("/track/", {"number": "P0000000-00001", "tracking_code": code})
    assert wrong_code.status_code == wrong_number.status_code == 400
    assert "查無此案件，請確認案件編號與查詢碼。" in _text(wrong_code)
    # the same words whichever was wrong: the page does not tell a guesser that the number exists
    message = "查無此案件，請確認案件編號與查詢碼。"
    assert message in _text(wrong_number)
    for words in ("查詢碼不正確", "案件編號不存在", "查無此案件編號"):
        assert words not in _text(wrong_code)
        assert words not in _text(wrong_number)
    assert 'value="AAAAAAAA"' in wrong_code.content.decode()


def test_tracking_is_rate_limited_per_address(client, seeded):
    number, code = _filed(client)
    for _ in range(10):
        client.post("/track/", {"number": number, "tracking_code": "AAAAAAAA"})
    refused = client.post("/track/", {"number": number, "tracking_code": code})
    assert refused.status_code == 400
    assert "查詢錯誤次數過多" in _text(refused)


def test_after_the_reply_the_citizen_answers_the_survey_and_reopens(client, seeded, officer):
    number, code = _filed(client)
    case = Case.objects.get(number=number)
    case.agency = officer.agency
    case.save(update_fields=["agency"])
    case_reply(case=case, user=officer, reply="已派員更換燈泡，路燈已恢復照明。")
    page = client.post("/track/", {"number": number, "tracking_code": code})
    text = _text(page)
    assert "已派員更換燈泡" in text
    assert "問題仍未解決？" in text
    assert "滿意度調查" in text

    # the survey: process and outcome apart
    missing = client.post(
        "/track/", {"number": number, "tracking_code": code, "action": "survey", "process_score": "4"}
    )
    assert missing.status_code == 400
    assert "請選擇對處理結果的滿意度" in _text(missing)
    answered = client.post(
        "/track/",
        {
            "number": number,
            "tracking_code": code,
            "action": "survey",
            "process_score": "4",
            "outcome_score": "2",
        },
    )
    assert answered.status_code == 200
    assert "謝謝您填寫滿意度調查" in _text(answered)
    survey = Case.objects.get(number=number).survey
    assert (survey.process_score, survey.outcome_score) == (4, 2)

    # reopening needs a reason, then the case runs again
    no_reason = client.post(
        "/track/", {"number": number, "tracking_code": code, "action": "reopen", "reason": ""}
    )
    assert "請說明仍未解決的情形" in _text(no_reason)
    reopened = client.post(
        "/track/", {"number": number, "tracking_code": code, "action": "reopen", "reason": "晚上還是不亮。"}
    )
    assert reopened.status_code == 200
    assert "案件重新交由機關處理" in _text(reopened)
    assert Case.objects.get(number=number).state == "in_progress"


def test_categories_come_from_the_data(client, seeded):
    Category.objects.filter(code="street_light").update(is_active=False)
    html = client.get("/petitions/new/").content.decode()
    assert 'value="street_light"' not in html
