"""petition_submit: what the public may send, and that a refusal changes nothing."""

from decimal import Decimal

import pytest

from yankao.cases.models import Case, CaseAttachment
from yankao.cases.selectors import case_track
from yankao.core.exceptions import ApplicationError, NotFoundError
from yankao.core.models import Agency
from yankao.servicedesk.antiabuse import SubmissionRefusedError
from yankao.servicedesk.attachments import AttachmentRefusedError
from yankao.servicedesk.services import PetitionInvalidError, petition_submit, petition_track
from yankao.testing.petitions import exe_bytes, png_bytes, upload


def _submit(pothole, **overrides):
    fields = {
        "channel": "web",
        "category": pothole,
        "subject": "四維三路路燈不亮",
        "description": "四維三路2號前的路燈已經三天不亮，晚上很暗。",
        "name": "陳美玲",
        "phone": "0912-345-678",
        "email": "",
        "address": "",
        "district": Agency.objects.get(name="高雄市苓雅區公所"),
        "location_text": "四維三路2號前",
        "idempotency_key": "key-1",
        "client_ip": "203.0.113.5",
    }
    fields.update(overrides)
    return petition_submit(**fields)


def test_a_petition_is_registered_with_a_tracking_code_that_finds_it(pothole):
    # when
    result = _submit(
        pothole,
        files=[upload("路燈.png", png_bytes(), "image/png")],
        latitude=Decimal("22.620000"),
        longitude=Decimal("120.312000"),
    )
    # then
    assert result.created
    case = result.case
    assert case.kind == "petition"
    assert case.channel == "web"
    assert case.petitioner_name_masked == "陳○玲"
    assert "陳美玲" not in case.petitioner_name_encrypted  # encrypted at rest
    assert case.attachments.get().content_type == "image/png"
    assert case_track(number=case.number, tracking_code=result.tracking_code).number == case.number


def test_the_mayors_mailbox_is_another_channel_of_the_same_form(pothole):
    result = _submit(pothole, channel="mayors_mailbox")
    assert result.case.channel == "mayors_mailbox"


def test_a_retry_with_the_same_key_returns_the_same_case_and_code(pothole):
    first = _submit(pothole)
    again = _submit(pothole)
    assert not again.created
    assert (again.case.pk, again.tracking_code) == (first.case.pk, first.tracking_code)
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"subject": "  "}, "subject", "請填寫主旨"),
        ({"description": ""}, "description", "請填寫陳情內容"),
        ({"name": ""}, "name", "行政程序法第173條"),
        ({"phone": "", "email": "", "address": ""}, "phone", "至少留下一種聯絡方式"),
        ({"phone": "12345"}, "phone", "電話號碼格式不正確"),
        ({"email": "ming@"}, "email", "電子郵件格式不正確"),
        ({"latitude": Decimal("22.6")}, "latitude", "同時填寫緯度與經度"),
        ({"latitude": Decimal("122.6"), "longitude": Decimal("120.3")}, "latitude", "緯度應介於"),
        ({"category": None}, "category", "請選擇陳情類別"),
    ],
)
def test_bad_input_is_refused_per_field_in_chinese_and_changes_nothing(pothole, overrides, field, words):
    with pytest.raises(PetitionInvalidError) as refused:
        _submit(pothole, **overrides)
    assert any(words in message for message in refused.value.errors[field])
    assert Case.objects.count() == 0


def test_a_landline_with_an_extension_and_an_e_mail_only_contact_are_fine(pothole):
    assert _submit(pothole, phone="(07) 336-8333 #1234").created
    assert _submit(pothole, phone="", email="ming@example.tw", idempotency_key="key-2").created


def test_an_anonymous_tip_needs_no_name_and_keeps_none(pothole):
    result = _submit(pothole, anonymous=True, name="王大明", phone="", email="")
    assert result.case.is_anonymous
    assert result.case.petitioner_name_masked == "匿名"
    assert result.case.petitioner_name_encrypted == ""


def test_a_fake_image_is_refused_and_nothing_is_stored(pothole):
    with pytest.raises(AttachmentRefusedError, match=r"「路燈\.jpg」"):
        _submit(pothole, files=[upload("路燈.jpg", exe_bytes(), "image/jpeg")])
    assert Case.objects.count() == 0
    assert CaseAttachment.objects.count() == 0


def test_the_contact_rate_limit_refuses_the_next_petition_but_not_a_retry(pothole):
    # given the contact sent as many petitions as the rule allows (5), from different addresses
    for n in range(5):
        _submit(pothole, idempotency_key=f"k{n}", client_ip=f"198.51.100.{n}")
    # when a sixth comes in
    with pytest.raises(SubmissionRefusedError) as refused:
        _submit(pothole, idempotency_key="k5", client_ip="198.51.100.99")
    # then it is refused, clearly, and nothing was written
    assert refused.value.code == "rate_limited"
    assert "已達上限" in refused.value.message
    assert Case.objects.count() == 5
    # but a browser retry of an earlier one still gets its case back
    assert not _submit(pothole, idempotency_key="k4", client_ip="198.51.100.4").created


def test_the_address_rate_limit_counts_across_contacts(pothole):
    for n in range(10):
        _submit(pothole, idempotency_key=f"k{n}", phone=f"09123456{n:02d}")
    with pytest.raises(SubmissionRefusedError):
        _submit(pothole, idempotency_key="k10", phone="0987654321")
    assert Case.objects.count() == 10


def test_only_public_channels_are_accepted(pothole):
    with pytest.raises(ApplicationError, match="不明的陳情管道"):
        _submit(pothole, channel="hotline")


def test_tracking_shows_no_personal_data_and_limits_wrong_guesses(pothole):
    result = _submit(pothole, email="mei@example.tw", address="高雄市苓雅區四維三路2號")
    tracking = petition_track(
        number=result.case.number, tracking_code=result.tracking_code.lower(), client_ip="192.0.2.1"
    )
    shown = repr(tracking)
    for personal in ("陳美玲", "0912", "mei@example.tw", "四維三路2號", "陳○玲"):
        assert personal not in shown.replace("四維三路2號前", "")
    # ten wrong guesses from one address, then even the right code is refused for a while
    for _ in range(10):
        with pytest.raises(NotFoundError, match="查無此案件"):
            petition_track(number=result.case.number, tracking_code="WRONG123", client_ip="192.0.2.9")
    with pytest.raises(SubmissionRefusedError, match="查詢錯誤次數過多"):
        petition_track(number=result.case.number, tracking_code=result.tracking_code, client_ip="192.0.2.9")
    # another address is not affected
    assert petition_track(
        number=result.case.number, tracking_code=result.tracking_code, client_ip="192.0.2.1"
    )
