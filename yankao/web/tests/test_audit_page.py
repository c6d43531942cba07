from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yankao.core.models import AuditEntry
from yankao.core.services.audit import audit_record, audit_seal_pending

URL = "/console/audit/"


def _entries(actor, n: int, **kwargs: object) -> list[AuditEntry]:
    defaults = {"action": "read_personal", "target_type": "servicedesk.petition", "target_id": "7"}
    return [audit_record(actor=actor, fields=["name", "phone"], **{**defaults, **kwargs}) for _ in range(n)]


def test_the_page_is_at_the_console_address():
    assert reverse("web:audit_entry_list") == URL


def test_the_auditor_sees_entries_filtered_with_roc_time_actor_fields_and_seal(
    client, auditor, officer, liaison
):
    # given petition reads by two officers, sealed
    _entries(officer, 2)
    _entries(liaison, 1, target_id="8")
    audit_seal_pending(now=timezone.now() + timedelta(minutes=1))
    client.force_login(auditor)
    # when the auditor filters by the officer
    response = client.get(URL, {"actor_username": "officer"})
    # then only the officer's reads are shown, with the ROC date, the field names and the seal
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("servicedesk.petition #7") == 2
    assert "#8" not in html
    assert "name、phone" in html
    assert "讀取個人資料" in html
    roc_year = timezone.localdate().year - 1911
    assert f"{roc_year}/" in html
    assert "已封存（第 1 號）" in html


def test_the_older_link_pages_back_without_losing_the_filter(client, auditor, officer, monkeypatch):
    # given more entries than fit on a page
    monkeypatch.setattr("yankao.web.views.audit.PAGE_SIZE", 2)
    entries = _entries(officer, 3)
    client.force_login(auditor)
    # when the auditor follows "older"
    first = client.get(URL, {"actor_username": "officer"})
    assert "較舊的紀錄" in first.content.decode()
    second = client.get(URL, {"actor_username": "officer", "before": first.context["page"].older_before_id})
    # then the oldest entry is there, still filtered, and nothing is older
    assert [row.entry.pk for row in second.context["page"].rows] == [entries[0].pk]
    assert "較舊的紀錄" not in second.content.decode()
    assert "回到最新" in second.content.decode()


def test_a_bad_date_is_explained_and_nothing_is_listed(client, auditor, officer):
    _entries(officer, 1)
    client.force_login(auditor)
    response = client.get(URL, {"date_from": "113/02/30"})
    assert response.status_code == 200
    assert "起日" in response.content.decode()
    assert response.context["page"] is None


def test_reading_the_trail_is_itself_recorded(client, auditor):
    # given the auditor opens the page with a filter
    client.force_login(auditor)
    client.get(URL, {"target_type": "servicedesk.petition"}, REMOTE_ADDR="10.1.2.3")
    # then an entry says who read the trail, from where, with which filter
    entry = AuditEntry.objects.filter(target_type="core.auditentry").get()
    assert entry.actor_username == "auditor"
    assert entry.ip_address == "10.1.2.3"
    assert entry.fields == ["actor_username", "ip_address"]
    assert entry.detail["filters"] == {"target_type": "servicedesk.petition"}


def test_the_rdec_admin_may_open_the_page(client, rdec_admin):
    client.force_login(rdec_admin)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["officer", "liaison", "rdec_staff", "operator"])
def test_other_staff_get_403_and_see_nothing(client, request, persona, officer):
    # given an entry and another member of staff
    _entries(officer, 1)
    client.force_login(request.getfixturevalue(persona))
    # when they open the page
    response = client.get(URL)
    # then they are refused and no entry is shown
    assert response.status_code == 403
    assert "servicedesk.petition" not in response.content.decode()


@pytest.mark.django_db
def test_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
