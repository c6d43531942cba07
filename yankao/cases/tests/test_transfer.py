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
