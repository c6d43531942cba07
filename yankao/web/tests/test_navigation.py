"""The console menu links each role to the modules it works in, and only to pages it may open."""

import pytest

from yankao.web.navigation import console_navigation

pytestmark = pytest.mark.django_db

PERSONAS = [
    "operator",
    "officer",
    "officer_of_other_agency",
    "liaison",
    "rdec_staff",
    "rdec_admin",
    "investigator",
    "inspector",
    "auditor",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_in_a_roles_menu_opens_for_that_role(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for item in console_navigation(role=user.role):
        if item.url and item.url != "/admin/":
            assert client.get(item.url).status_code == 200, (persona, item.url)


def test_rdec_staff_and_the_auditor_reach_the_module_dashboards(rdec_staff, auditor):
    for user in (rdec_staff, auditor):
        urls = {item.url for item in console_navigation(role=user.role)}
        assert {"/console/hotline/dashboard/", "/console/bullying/dashboard/"} <= urls
