from yankao.core.models import Agency, AuditEntry


def test_only_rdec_admins_get_into_the_admin(client, officer, auditor, rdec_admin):
    for user in (officer, auditor):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302, user.username
    client.force_login(rdec_admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    for table in ("機關", "規則", "行事曆調整", "辦公日曆表匯入紀錄", "使用者"):
        assert table in html


def test_the_agency_list_is_a_searchable_tree(client, rdec_admin):
    client.force_login(rdec_admin)
    html = client.get("/admin/core/agency/").content.decode()
    assert "└ 高雄市政府工務局" in html
    html = client.get("/admin/core/agency/", {"q": "397010000A"}).content.decode()
    assert "高雄市政府工務局" in html
    assert "環境保護局" not in html


def test_the_rule_form_explains_effective_from_and_date_basis(client, rdec_admin):
    client.force_login(rdec_admin)
    html = client.get("/admin/core/rule/add/").content.decode()
    assert "生效日" in html
    assert "版本判定日指" in html or "「版本判定日」指" in html


def test_rules_keep_their_history(client, rdec_admin):
    client.force_login(rdec_admin)
    from yankao.core.models import Rule

    rule = Rule.objects.first()
    assert client.get(f"/admin/core/rule/{rule.pk}/history/").status_code == 200


def test_moving_an_agency_rewrites_its_descendants_paths_and_is_audited(client, rdec_admin):
    # given a new section under 工務局 with a unit beneath it
    client.force_login(rdec_admin)
    public_works = Agency.objects.get(code="397010000A")
    environment = Agency.objects.get(code="397017000A")
    data = {
        "code": "T-1",
        "name": "測試科",
        "short_name": "",
        "name_en": "",
        "kind": "subordinate",
        "parent": public_works.pk,
        "sort_order": 0,
        "is_active": "on",
    }
    assert client.post("/admin/core/agency/add/", data).status_code == 302
    section = Agency.objects.get(code="T-1")
    unit = Agency.objects.create(
        code="T-2", name="測試股", kind="subordinate", parent=section, path=section.path + "/T-2"
    )
    # when the section moves to 環境保護局
    response = client.post(f"/admin/core/agency/{section.pk}/change/", {**data, "parent": environment.pk})
    assert response.status_code == 302
    # then
    unit.refresh_from_db()
    assert unit.path == f"{environment.path}/T-1/T-2"
    assert AuditEntry.objects.filter(target_type="core.agency", target_id=str(section.pk)).count() == 2


def test_an_agency_cannot_move_under_its_own_descendant(client, rdec_admin):
    client.force_login(rdec_admin)
    public_works = Agency.objects.get(code="397010000A")
    child = Agency.objects.create(
        code="T-3", name="子機關", kind="subordinate", parent=public_works, path=public_works.path + "/T-3"
    )
    data = {
        "code": public_works.code,
        "name": public_works.name,
        "short_name": "",
        "name_en": "",
        "kind": public_works.kind,
        "parent": child.pk,
        "sort_order": 0,
        "is_active": "on",
    }
    response = client.post(f"/admin/core/agency/{public_works.pk}/change/", data)
    assert response.status_code == 200
    assert "不能隸屬於自己或自己的下級機關" in response.content.decode()


def test_calendar_imports_are_read_only(client, rdec_admin):
    client.force_login(rdec_admin)
    assert client.get("/admin/core/calendarimport/add/").status_code == 403


def test_a_rule_edited_in_the_admin_is_audited_and_seen_at_once(client, rdec_admin):
    # given the lockout rule
    from datetime import date

    from yankao.core.models import Rule
    from yankao.core.selectors.rules import rule_get

    rule = Rule.objects.get(key="security.login_failure_limit")
    client.force_login(rdec_admin)
    form = {
        "key": rule.key,
        "qualifier": "",
        "title": rule.title,
        "value": "6",
        "unit": rule.unit,
        "effective_from": rule.effective_from.isoformat(),
        "date_basis": rule.date_basis,
        "status": rule.status,
        "source": rule.source,
    }
    # when the administrator changes its value
    assert client.post(f"/admin/core/rule/{rule.pk}/change/", form).status_code == 302
    # then the new value is in force and the change is in the audit trail, with its field
    assert rule_get(key="security.login_failure_limit", on=date(2026, 11, 27)).value == 6
    entry = AuditEntry.objects.filter(target_type="core.rule", target_id=str(rule.pk)).latest("id")
    assert (entry.action, entry.fields, entry.actor_username) == ("update", ["value"], "rdec_admin")


def test_a_typhoon_day_added_and_removed_in_the_admin_changes_the_calendar_and_is_audited(client, rdec_admin):
    from datetime import date

    from yankao.core.models import CalendarOverride
    from yankao.core.working_days import is_working_day

    client.force_login(rdec_admin)
    day = date(2025, 7, 28)
    assert is_working_day(day)
    form = {
        "date": day.isoformat(),
        "is_working_day": "",
        "kind": "typhoon",
        "reason": "颱風停止上班",
        "verified": "on",
    }
    assert client.post("/admin/core/calendaroverride/add/", form).status_code == 302
    assert not is_working_day(day)
    override = CalendarOverride.objects.get(date=day)
    assert (
        client.post(f"/admin/core/calendaroverride/{override.pk}/delete/", {"post": "yes"}).status_code == 302
    )
    assert is_working_day(day)
    actions = list(
        AuditEntry.objects.filter(target_type="core.calendaroverride")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "delete"]


def test_a_second_administrator_cannot_overwrite_a_rule_changed_since_they_opened_it(client, rdec_admin):
    import re

    from yankao.core.models import Rule

    rule = Rule.objects.get(key="security.login_lockout_minutes")
    client.force_login(rdec_admin)
    # given the form as the second administrator opened it
    page = client.get(f"/admin/core/rule/{rule.pk}/change/").content.decode()
    loaded = re.search(r'name="loaded_updated_at" value="([^"]+)"', page).group(1)
    form = {
        "key": rule.key,
        "qualifier": "",
        "title": rule.title,
        "unit": rule.unit,
        "effective_from": rule.effective_from.isoformat(),
        "date_basis": rule.date_basis,
        "status": rule.status,
        "source": rule.source,
        "loaded_updated_at": loaded,
    }
    # and the first administrator's change saved meanwhile
    assert client.post(f"/admin/core/rule/{rule.pk}/change/", {**form, "value": "20"}).status_code == 302
    # when the second saves the form opened before that change
    response = client.post(f"/admin/core/rule/{rule.pk}/change/", {**form, "value": "30"})
    # then it is refused with a clear message and the first change stands
    assert response.status_code == 200
    assert "已被 rdec_admin 修改" in response.content.decode()
    rule.refresh_from_db()
    assert rule.value == 20
