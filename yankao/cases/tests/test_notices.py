import pytest

from yankao.cases.models import Notice
from yankao.cases.services import Petitioner, case_accept, case_reply

pytestmark = pytest.mark.django_db


def test_notices_are_e_mailed_to_a_petitioner_with_an_address(
    file_petition, officer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = file_petition().case
        case_reply(case=case_accept(case=case, user=officer), user=officer, reply="已修補完成。")
    subjects = [mail.subject for mail in mailoutbox]
    assert f"案件 {case.number}：收件通知" in subjects
    assert f"案件 {case.number}：答復" in subjects
    assert all(mail.to == ["ming@example.tw"] for mail in mailoutbox)
    assert Notice.objects.filter(case=case, sent_at__isnull=True).count() == 0


def test_without_an_address_notices_wait_on_the_tracking_page(file_petition, mailoutbox):
    case = file_petition(petitioner=Petitioner(name="李大華", phone="07-3368333")).case
    assert mailoutbox == []
    assert Notice.objects.get(case=case, purpose="receipt").channel == "tracking_page"
