import pytest

from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, Rule
from yankao.core.services.seed import city_info, seed_load


@pytest.mark.django_db
def test_the_kaohsiung_tree_has_its_first_level_agencies_38_districts_and_enterprises():
    kinds = {kind: Agency.objects.filter(kind=kind).count() for kind in Agency.Kind.values}
    assert kinds["city_government"] == 1
    assert kinds["district_office"] == 38
    assert kinds["first_level"] >= 30
    assert kinds["municipal_enterprise"] >= 1
    names = set(Agency.objects.values_list("name", flat=True))
    assert {
        "高雄市政府工務局",
        "高雄市政府教育局",
        "高雄市政府研究發展考核委員會",
        "高雄市那瑪夏區公所",
    } <= names


@pytest.mark.django_db
def test_every_agency_hangs_under_the_city_government_by_path():
    root = Agency.objects.get(kind=Agency.Kind.CITY_GOVERNMENT)
    for agency in Agency.objects.exclude(pk=root.pk):
        assert agency.path.startswith(root.code + "/")
        assert agency.path.endswith(agency.code)


@pytest.mark.django_db
def test_a_rerun_adds_nothing_and_keeps_an_administrators_edit():
    # given an administrator's edit of a seeded rule
    rule = Rule.objects.get(key="security.login_failure_limit")
    rule.value = 6
    rule.save()
    # when the seed runs again
    result = seed_load(city="kaohsiung")
    # then nothing is added and the edit stays
    assert (result.agencies_created, result.rules_created) == (0, 0)
    rule.refresh_from_db()
    assert rule.value == 6


def test_an_unknown_city_is_a_clear_error():
    with pytest.raises(ApplicationError, match="找不到城市「atlantis」"):
        city_info(city="atlantis")


def test_the_city_header_names_the_city_and_its_jurisdiction():
    info = city_info(city="kaohsiung")
    assert info["city_name"] == "高雄市"
    assert info["jurisdiction_code"] == "397000000A"
