"""The permission matrix of the bullying module: every persona against every route that could show a
report, with zero leaks. A distinctive student's name, the actor's, the reporter's, the school and a
phrase of the report text must appear in no response, except: designated staff see the text on the
report page (names masked), and the full names only in the answer to a reveal with a reason.
"""

from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from yankao.bullying.models import BullyingReport
from yankao.bullying.report_sections import bullying_section
from yankao.bullying.services import bullying_screening_decide
from yankao.bullying.tests.conftest import ACTOR, STUDENT, SUMMARY_MARK, file_petition, file_report  # noqa: F401
from yankao.cases.services import case_transfer_kind
from yankao.conftest import PERSONAS
from yankao.core.models import User
from yankao.core.report_registry import ReportPeriod
from yankao.core.services.audit import audit_seal_pending
from yankao.core.working_days import taiwan_date

pytestmark = pytest.mark.django_db

SECRETS = (STUDENT, ACTOR, SUMMARY_MARK, "蔣雨晴", "鳳鳴", "0987654321", "0987-654-321", "rain@example.tw")
NAMES = (STUDENT, ACTOR, "蔣雨晴", "0987654321", "0987-654-321", "rain@example.tw")
# Routes of the bullying module itself; a new one must be added to the matrix below.
OWN_PREFIXES = ("console/bullying/", "api/v1/bullying/")


@pytest.fixture
def world(request, file_report, file_petition, officer, investigator):  # noqa: F811
    for name in PERSONAS:
        request.getfixturevalue(name)
    report = file_report()
    bullying_screening_decide(report=report, user=investigator, accept=True, decided_on=date(2024, 5, 28))
    petition = file_petition(
        channel="hotline", subject="學生霸凌", description=f"{STUDENT}在學校{SUMMARY_MARK}"
    )
    transferred = case_transfer_kind(case=petition.case, to_kind="bullying", user=officer)
    audit_seal_pending(grace_seconds=0)
    return {"report": report, "petition": petition.case.number, "transferred": transferred}


def _routes(world) -> list[tuple[str, str, dict]]:
    n, p, t = world["report"].number, world["petition"], world["transferred"]
    attachment = 999999
    return [
        ("get", "/console/bullying/", {}),
        ("get", "/console/bullying/?state=open", {}),
        ("get", "/console/bullying/?due=overdue", {}),
        ("get", "/console/bullying/new/", {}),
        ("get", "/console/bullying/dashboard/?date_from=113/01/01&date_to=113/12/31", {}),
        ("get", "/console/bullying/handoff/", {}),
        ("get", f"/console/bullying/{n}/", {}),
        ("get", f"/console/bullying/{t}/", {}),
        ("get", f"/console/bullying/{n}/attachments/{attachment}/", {}),
        ("get", "/console/bullying/B999-99999/", {}),
        ("post", f"/console/bullying/{n}/reveal/", {"reveal-reason": "核對家長聯絡方式"}),
        ("post", f"/console/bullying/{n}/form_team/", {"form_team-version": "2"}),
        ("post", f"/console/bullying/{n}/no_such_step/", {}),
        ("get", "/api/v1/bullying/statistics?from=2024-01-01&to=2024-12-31", {}),
        # Everything else a report's trace could reach: the service desk's pages, search, exports,
        # API and Open311 for the handed-over case, the audit trail, the admin, the tracking page.
        ("get", "/console/", {}),
        ("get", "/console/cases/", {}),
        ("get", f"/console/cases/?search={STUDENT[1:]}", {}),  # a part: the form echoes the query
        ("get", f"/console/cases/?search={SUMMARY_MARK[3:]}&state=transferred", {}),
        ("get", "/console/cases/export.csv", {}),
        ("get", f"/console/cases/{p}/", {}),
        ("get", "/console/petitions/dashboard/", {}),
        ("get", "/console/audit/", {}),
        ("get", f"/console/audit/?target_id={n}", {}),
        ("get", "/api/v1/cases", {}),
        ("get", f"/api/v1/cases/{p}", {}),
        ("get", f"/api/v1/cases?search={STUDENT[1:]}", {}),
        ("get", "/open311/v2/requests.json", {}),
        ("get", f"/open311/v2/requests/{p}.json", {}),
        ("get", f"/track/?number={p}", {}),
        ("get", "/admin/", {}),
        ("get", "/admin/bullying/", {}),
        ("get", "/admin/bullying/bullyingreport/", {}),
        ("get", "/admin/core/auditentry/", {}),
        ("get", "/admin/cases/case/", {}),
    ]


def _client(persona: str | None) -> Client:
    client = Client(raise_request_exception=False)
    if persona is not None:
        client.force_login(User.objects.get(username=persona))
    return client


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_no_route_shows_a_report_to_anyone_but_designated_staff(world, persona):
    client = _client(persona)
    for method, path, data in _routes(world):
        response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
        assert response.status_code < 500, (persona, path, response.status_code)
        body = _text(response)
        allowed: tuple[str, ...] = ()
        if persona == "investigator" and path.startswith(f"/console/bullying/{world['report'].number}/"):
            allowed = (SUMMARY_MARK, "鳳鳴")
            if path.endswith("/reveal/"):
                allowed = SECRETS
        if persona == "investigator" and path.startswith(f"/console/bullying/{world['transferred']}/"):
            # The citizen's own words, as written: no party is recorded yet whose name could be masked.
            allowed = (SUMMARY_MARK, STUDENT)
        for secret in SECRETS:
            if secret not in allowed:
                assert secret not in body, (persona, path, secret)


@pytest.mark.parametrize(
    "persona",
    ["citizen", "operator", "officer", "liaison", "rdec_staff", "rdec_admin", "inspector", "auditor"],
)
def test_everyone_but_designated_staff_is_refused_a_report(world, persona):
    client = _client(persona)
    number = world["report"].number
    assert client.get(f"/console/bullying/{number}/").status_code == 403
    assert (
        client.post(f"/console/bullying/{number}/reveal/", {"reveal-reason": "好奇想看看"}).status_code == 403
    )
    response = client.post(f"/console/bullying/{number}/form_team/", {"form_team-version": "2"})
    assert response.status_code == 403
    assert BullyingReport.objects.get(number=number).state == "accepted"


def test_staff_who_are_not_designated_land_on_the_figures(world, rdec_admin):
    response = _client("rdec_admin").get("/console/bullying/")
    assert response.status_code == 302
    assert response["Location"] == "/console/bullying/dashboard/"
    assert _client(None).get("/console/bullying/dashboard/").status_code == 302  # to the login page
    assert _client("citizen").get("/console/bullying/dashboard/").status_code == 403


def test_the_auditor_sees_who_read_which_report_but_not_its_content(world):
    investigator = _client("investigator")
    number = world["report"].number
    investigator.post(f"/console/bullying/{number}/reveal/", {"reveal-reason": "核對家長聯絡方式"})
    audit_seal_pending(grace_seconds=0)
    body = _text(_client("auditor").get(f"/console/audit/?target_id={number}"))
    assert number in body
    assert "investigator" in body
    assert "理由：核對家長聯絡方式" in body  # why it was read, not only who
    for secret in SECRETS:
        assert secret not in body


def test_the_council_report_section_carries_counts_only(world):
    content = bullying_section(ReportPeriod(date(2024, 1, 1), taiwan_date(timezone.now())))
    text = repr(content)
    assert world["report"].number not in text
    for secret in SECRETS:
        assert secret not in text
    assert content.figures[0].value == 2  # the typed report and the one handed over


def test_every_route_of_the_module_is_in_the_matrix(world):
    tested = {path.split("?")[0] for _method, path, _data in _routes(world)}
    prefixes_seen = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(OWN_PREFIXES):
                prefixes_seen.append(route)

    walk(get_resolver().url_patterns)
    assert len(prefixes_seen) == 9
    shapes = {
        "console/bullying/",
        "console/bullying/new/",
        "console/bullying/dashboard/",
        "console/bullying/handoff/",
        "console/bullying/<str:number>/",
        "console/bullying/<str:number>/reveal/",
        "console/bullying/<str:number>/attachments/<int:attachment_id>/",
        "console/bullying/<str:number>/<slug:action>/",
        "api/v1/bullying/statistics",
    }
    assert set(prefixes_seen) == shapes
    assert len(tested) > len(shapes)
