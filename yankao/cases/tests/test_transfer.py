import pytest

from yankao.cases.kinds import TransferPayload, case_kind_receivers
from yankao.cases.services import case_transfer_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> list[TransferPayload]:
    inbox: list[TransferPayload] = []

    def receive(payload: TransferPayload) -> str:
        inbox.append(payload)
        return f"B-{len(inbox):04d}"

    case_kind_receivers.register("test_bullying", receive)
    yield inbox
    case_kind_receivers._entries.pop("test_bullying")


def test_a_hand_off_gives_the_other_module_everything_and_keeps_only_a_reference(petition, officer, received):
    reference = case_transfer_kind(case=petition, to_kind="test_bullying", user=officer)
    assert reference == "B-0001"
    assert received[0].petitioner_name == "王小明"
    assert "坑洞" in received[0].description
    petition.refresh_from_db()
    assert (petition.state, petition.transferred_reference) == ("transferred", "B-0001")
    assert petition.description == ""
    assert petition.petitioner_name_encrypted == ""
    assert "坑洞" not in petition.subject


def test_the_operator_who_registered_a_case_may_hand_it_over_until_someone_takes_it(
    operator, officer, received
):
    from yankao.cases.models import Category
    from yankao.cases.services import Petitioner, case_accept, case_intake
    from yankao.core.exceptions import PermissionDeniedError

    def register():
        return case_intake(
            kind="petition",
            channel="hotline",
            category=Category.objects.get(code="road_pothole"),
            subject="孩子在學校被霸凌",
            description="家長來電：孩子在學校被同學霸凌",
            petitioner=Petitioner(name="王小明", phone="0912345678"),
            actor=operator,
        ).case

    # the operator hands over the case they registered a moment ago
    assert case_transfer_kind(case=register(), to_kind="test_bullying", user=operator) == "B-0001"
    # but not once an officer of the agency has taken it
    taken = register()
    case_accept(case=taken, user=officer, expected_version=taken.version)
    with pytest.raises(PermissionDeniedError):
        case_transfer_kind(case=taken, to_kind="test_bullying", user=operator)


def test_the_petitioner_is_told_of_a_hand_off_without_naming_the_matter(
    file_petition, officer, received, mailoutbox, django_capture_on_commit_callbacks
):
    from yankao.cases.models import Notice
    from yankao.cases.selectors import case_track
    from yankao.cases.tasks import notices_send_pending_task

    with django_capture_on_commit_callbacks(execute=True):
        intake = file_petition(subject="孩子在學校被霸凌", description="我的孩子在學校被同學霸凌")
    case_transfer_kind(case=intake.case, to_kind="test_bullying", user=officer)
    notices_send_pending_task.call()  # what the worker runs after the commit
    # the e-mail went to the address the petition gave, though this side no longer keeps it
    receipt, mail = mailoutbox
    assert receipt.subject.endswith("收件通知")
    assert mail.to == ["ming@example.tw"]
    assert mail.subject == f"案件 {intake.case.number}：移轉通知"
    assert "專責單位" in mail.body
    assert "霸凌" not in mail.body
    notice = Notice.objects.get(case=intake.case, purpose="transfer")
    assert notice.sent_at is not None
    assert notice.recipient_encrypted == ""
    intake.case.refresh_from_db()
    assert intake.case.petitioner_email_encrypted == ""
    # and the tracking page says so
    tracked = case_track(number=intake.case.number, tracking_code=intake.tracking_code)
    assert "已移由專責單位處理" in [event.note for event in tracked.events]


def test_a_receipt_not_yet_sent_when_the_case_is_handed_over_still_reaches_the_petitioner(
    file_petition, officer, received, mailoutbox
):
    from yankao.cases.tasks import notices_send_pending_task

    case = file_petition().case  # its receipt waits for the worker
    case_transfer_kind(case=case, to_kind="test_bullying", user=officer)
    notices_send_pending_task.call()
    assert sorted(mail.subject.rsplit("：", 1)[1] for mail in mailoutbox) == ["收件通知", "移轉通知"]
    assert all(mail.to == ["ming@example.tw"] for mail in mailoutbox)
