"""Attachments are judged by their content, never their name; limits come from the rule table."""

from datetime import date

import pytest

from yankao.core.models import Rule
from yankao.servicedesk.attachments import AttachmentRefusedError, attachment_content_type, attachments_check
from yankao.testing.petitions import exe_bytes, jpeg_bytes, pdf_bytes, png_bytes, upload

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (png_bytes(), "image/png"),
        (jpeg_bytes(), "image/jpeg"),
        (pdf_bytes(), "application/pdf"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40, "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic" + b"\x00" * 40, "image/heif"),
        (exe_bytes(), None),
        (b"PK\x03\x04" + b"\x00" * 40, None),  # a zip (or .docx)
        ("純文字檔案".encode(), None),
        (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 40, None),  # an MP4 video
    ],
)
def test_the_type_is_read_from_the_content(content, expected):
    assert attachment_content_type(content) == expected


def test_allowed_files_pass_with_their_detected_type_and_digest(db, seeded):
    # given a photo named .jpg that is really a PNG
    files = [upload("路面.jpg", png_bytes(), "image/jpeg"), upload("公文.pdf", pdf_bytes())]
    # when
    checked = attachments_check(files=files, on=TODAY)
    # then the content decides the type
    assert [(c.name, c.content_type) for c in checked] == [
        ("路面.jpg", "image/png"),
        ("公文.pdf", "application/pdf"),
    ]
    assert all(len(c.sha256) == 64 and c.size == len(c.content) for c in checked)


def test_a_program_renamed_as_a_photo_is_refused_by_name(db, seeded):
    with pytest.raises(AttachmentRefusedError) as refused:
        attachments_check(files=[upload("photo.jpg", exe_bytes(), "image/jpeg")], on=TODAY)
    assert "「photo.jpg」不是可接受的檔案類型" in refused.value.message
    assert "不看副檔名" in refused.value.message


def test_an_empty_file_is_refused(db, seeded):
    with pytest.raises(AttachmentRefusedError, match=r"「a\.png」是空的檔案"):
        attachments_check(files=[upload("a.png", b"")], on=TODAY)


def test_size_and_count_limits_come_from_the_rule_table(db, seeded):
    # given the administrators lowered the limits to 1 MB and 2 files
    Rule.objects.filter(key="petition.attachment_max_mb").update(value=1)
    Rule.objects.filter(key="petition.attachment_max_count").update(value=2)
    big = upload("big.png", png_bytes() + b"\x00" * (1024 * 1024))
    # then a file over 1 MB and a third file are refused, each with the limit in the message
    with pytest.raises(AttachmentRefusedError, match=r"「big\.png」超過 1 MB"):
        attachments_check(files=[big], on=TODAY)
    with pytest.raises(AttachmentRefusedError, match="附件最多 2 個，您選了 3 個"):
        attachments_check(files=[upload(f"{n}.png", png_bytes()) for n in range(3)], on=TODAY)


def test_a_browser_path_in_the_name_is_dropped(db, seeded):
    checked = attachments_check(files=[upload("C:\\fakepath\\坑洞.png", png_bytes())], on=TODAY)
    assert checked[0].name == "坑洞.png"
