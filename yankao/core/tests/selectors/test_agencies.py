import pytest

from yankao.core.exceptions import NotFoundError
from yankao.core.selectors.agencies import (
    agency_get,
    agency_list_for_user,
    agency_list_in_tree_order,
    agency_tree,
)


def test_an_officer_lists_only_their_agency_scope(officer):
    agencies = list(agency_list_for_user(user=officer))
    codes = {agency.code for agency in agencies}
    assert "397010000A" in codes
    assert "397017000A" not in codes
    scope = officer.agency.path
    assert all(agency.path == scope or agency.path.startswith(scope + "/") for agency in agencies)


def test_city_wide_staff_list_every_agency_and_citizens_none(rdec_staff, citizen):
    assert agency_list_for_user(user=rdec_staff).count() > 70
    assert agency_list_for_user(user=citizen).count() == 0


def test_agency_get_by_code(db):
    assert agency_get(code="397010000A").name == "高雄市政府工務局"


def test_an_unknown_code_is_a_not_found_error_naming_it(db):
    with pytest.raises(NotFoundError, match="NO-SUCH-CODE"):
        agency_get(code="NO-SUCH-CODE")


def test_the_tree_has_one_root_and_38_district_offices(db):
    roots = agency_tree()
    assert [root.agency.name for root in roots] == ["高雄市政府"]
    rows = agency_list_in_tree_order()
    assert sum(agency.kind == "district_office" for agency, _ in rows) == 38
    seen = set()
    for agency, depth in rows:
        assert agency.parent_id is None or agency.parent_id in seen
        assert depth == agency.path.count("/")
        seen.add(agency.pk)
