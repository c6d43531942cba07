import pytest

from yankao.core.models import Agency
from yankao.core.permissions import can_administer, can_view_agency, is_city_wide

PUBLIC_WORKS = "397010000A"
ENVIRONMENT = "397017000A"


@pytest.fixture
def public_works(db):
    return Agency.objects.get(code=PUBLIC_WORKS)


@pytest.fixture
def environment(db):
    return Agency.objects.get(code=ENVIRONMENT)


def test_city_wide_roles(
    operator, rdec_staff, rdec_admin, inspector, auditor, officer, liaison, investigator, citizen
):
    for user in (operator, rdec_staff, rdec_admin, inspector, auditor):
        assert is_city_wide(user), user.username
    for user in (officer, liaison, investigator, citizen):
        assert not is_city_wide(user), user.username


def test_an_officer_sees_their_agency_and_its_descendants_only(officer, public_works, environment):
    child = Agency.objects.create(
        code="TEST-PW-1",
        name="工務局測試科",
        kind="subordinate",
        parent=public_works,
        path=public_works.path + "/TEST-PW-1",
    )
    assert can_view_agency(officer, public_works)
    assert can_view_agency(officer, child)
    assert not can_view_agency(officer, environment)


def test_a_code_prefix_is_not_a_descendant(officer, public_works):
    # "397010000A" must not cover an agency whose path merely starts with the same characters.
    lookalike = Agency.objects.create(
        code="397010000AX", name="假機關", kind="first_level", path=public_works.path + "X"
    )
    assert not can_view_agency(officer, lookalike)


def test_city_wide_roles_see_every_agency_and_citizens_none(auditor, citizen, environment):
    assert can_view_agency(auditor, environment)
    assert not can_view_agency(citizen, environment)


def test_an_inactive_user_sees_nothing(officer, public_works):
    officer.is_active = False
    assert not can_view_agency(officer, public_works)


def test_only_rdec_admins_administer(rdec_admin, rdec_staff, officer, auditor):
    assert can_administer(rdec_admin)
    for user in (rdec_staff, officer, auditor):
        assert not can_administer(user), user.username


def test_an_agency_moved_under_another_joins_that_agency_scope_at_once(db, liaison):
    from yankao.core.models import Agency
    from yankao.core.selectors.agencies import agency_subtree_ids

    # given a district office outside the liaison's agency
    outside = Agency.objects.filter(kind="district_office").exclude(pk=liaison.agency_id).first()
    assert outside.pk not in agency_subtree_ids(agency_id=liaison.agency_id)
    # when an administrator moves it under the liaison's agency
    outside.parent = liaison.agency
    outside.path = f"{liaison.agency.path}/{outside.code}"
    outside.save()
    # then the liaison's scope holds it without waiting for a reload
    assert outside.pk in agency_subtree_ids(agency_id=liaison.agency_id)
    assert liaison.agency_id in agency_subtree_ids(agency_id=liaison.agency_id)
