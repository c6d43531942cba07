"""Score → grade by the rule table's bands (優等, 甲等, 乙等, 丙等), and the enterprise criteria.

A band key has one rule per grade, qualified `grade:<code>`, holding the grade's minimum score;
below the lowest minimum is 丙等. The criteria of the enterprise evaluation are the rules
`programs_annual.enterprise_criterion_weight` qualified `criterion:<code>`, their weights in percent.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from yankao.core.exceptions import ApplicationError
from yankao.core.selectors.rules import rule_cache, rule_get

EVALUATION_BANDS = "programs_annual.evaluation_grade_min"
ENTERPRISE_BANDS = "programs_annual.enterprise_grade_min"
CRITERION_WEIGHT = "programs_annual.enterprise_criterion_weight"

# Highest first: a score takes the first grade whose minimum it reaches.
GRADES = (("excellent", _("優等")), ("a", _("甲等")), ("b", _("乙等")))
LOWEST_GRADE = ("c", _("丙等"))


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    minimum: Decimal | None  # None for the lowest grade
    confirmed: bool


def grade_for_score(*, score: Decimal, on: date, bands: str = EVALUATION_BANDS) -> Grade:
    """The grade that `score` earns under the bands in force on `on`."""
    if score < 0 or score > 100:
        raise ApplicationError("分數須介於 0 到 100 之間。")
    confirmed = True
    for code, label in GRADES:
        rule = rule_get(key=bands, qualifier=f"grade:{code}", on=on)
        confirmed = confirmed and rule.is_confirmed
        if score >= rule.value:
            return Grade(code=code, label=str(label), minimum=rule.value, confirmed=rule.is_confirmed)
    return Grade(code=LOWEST_GRADE[0], label=str(LOWEST_GRADE[1]), minimum=None, confirmed=confirmed)


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    weight: Decimal  # percent
    confirmed: bool


def enterprise_criteria(*, on: date) -> list[Criterion]:
    """The criteria in force on `on`, heaviest first; their weights must add up to 100."""
    criteria: list[Criterion] = []
    for key, qualifier in rule_cache.versions():
        if key != CRITERION_WEIGHT or not qualifier.startswith("criterion:"):
            continue
        versions = [v for v in rule_cache.versions()[(key, qualifier)] if v.effective_from <= on]
        if not versions or versions[0].value == 0:  # a weight of 0 retires a criterion from that date
            continue
        version = versions[0]
        name = version.title.split("：", 1)[-1]
        criteria.append(
            Criterion(
                code=qualifier.removeprefix("criterion:"),
                name=name,
                weight=version.value,
                confirmed=version.is_confirmed,
            )
        )
    if not criteria:
        raise ApplicationError(
            f"{on.isoformat()} 沒有生效的市營事業考核評分項目，請研考會系統管理者於規則表中建立。"
        )
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != 100:
        raise ApplicationError(
            f"{on.isoformat()} 生效的評分項目配分合計為 {total.normalize()}，應為 100，請修正規則表。"
        )
    return sorted(criteria, key=lambda c: (-c.weight, c.code))
