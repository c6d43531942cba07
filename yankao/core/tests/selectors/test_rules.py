from datetime import date
from decimal import Decimal

import pytest

from yankao.core.exceptions import RuleNotInForceError
from yankao.core.models import Rule
from yankao.core.selectors.rules import rule_get


def _rule(**kwargs: object) -> Rule:
    defaults = {
        "key": "test.deadline",
        "title": "測試期限",
        "value": Decimal(10),
        "unit": "working_days",
        "effective_from": date(2020, 1, 1),
        "status": "unconfirmed",
    }
    return Rule.objects.create(**{**defaults, **kwargs})


@pytest.mark.django_db
def test_the_version_in_force_on_the_basis_date_applies():
    # given
    _rule(value=Decimal(20), effective_from=date(2020, 7, 21))
    _rule(value=Decimal(20), unit="calendar_days", effective_from=date(2020, 1, 1))
    _rule(value=Decimal(20), unit="working_days", effective_from=date(2024, 4, 19))
    # then
    assert rule_get(key="test.deadline", on=date(2023, 5, 1)).effective_from == date(2020, 7, 21)
    assert rule_get(key="test.deadline", on=date(2024, 4, 18)).effective_from == date(2020, 7, 21)
    assert rule_get(key="test.deadline", on=date(2024, 4, 19)).unit == "working_days"


@pytest.mark.django_db
def test_a_qualified_rule_overrides_the_general_one_and_falls_back_to_it():
    _rule(value=Decimal(30))
    _rule(qualifier="mayors_mailbox", value=Decimal(6))
    assert rule_get(key="test.deadline", on=date(2025, 1, 1), qualifier="mayors_mailbox").value == 6
    assert rule_get(key="test.deadline", on=date(2025, 1, 1), qualifier="counter").value == 30


@pytest.mark.django_db
def test_no_rule_in_force_is_a_clear_error_not_a_default():
    _rule(effective_from=date(2024, 4, 19))
    with pytest.raises(RuleNotInForceError, match="尚未生效"):
        rule_get(key="test.deadline", on=date(2024, 4, 18))
    with pytest.raises(RuleNotInForceError, match="不存在"):
        rule_get(key="test.unknown", on=date(2024, 4, 18))


@pytest.mark.django_db
def test_an_edit_is_seen_at_once_by_the_same_process():
    rule = _rule()
    assert rule_get(key="test.deadline", on=date(2025, 1, 1)).value == 10
    rule.value = Decimal(12)
    rule.save()
    assert rule_get(key="test.deadline", on=date(2025, 1, 1)).value == 12


@pytest.mark.django_db
def test_the_seeded_lockout_rule_is_loaded():
    assert rule_get(key="security.login_failure_limit", on=date(2026, 11, 27)).value == 5
