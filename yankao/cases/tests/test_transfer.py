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
