"""The light of a month's figures and whether the agency must explain them, by the rule table.

Thresholds (domain-rules §3.2) are unconfirmed defaults in the rule table: gap = actual − planned
in percentage points; execution rate = executed ÷ allocated (實現數 ÷ 累計分配數).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from yankao.core.selectors.rules import rule_get
from yankao.programs.models import Light


@dataclass(frozen=True)
class LightThresholds:
    yellow_behind: Decimal
    red_behind: Decimal
    execution_alert: Decimal
    red_execution: Decimal


def light_thresholds(*, on: date) -> LightThresholds:
    """The thresholds in force for the month that starts or ends on `on`."""
    return LightThresholds(
        yellow_behind=rule_get(key="program.light_yellow_behind", on=on).value,
        red_behind=rule_get(key="program.light_red_behind", on=on).value,
        execution_alert=rule_get(key="program.budget_execution_alert", on=on).value,
        red_execution=rule_get(key="program.light_red_execution", on=on).value,
    )


def execution_rate_compute(*, allocated: int, executed: int) -> Decimal | None:
    """Executed over allocated in percent, two decimals; None while nothing is allocated."""
    if allocated <= 0:
        return None
    return (Decimal(executed) * 100 / Decimal(allocated)).quantize(Decimal("0.01"))


def light_judge(
    *, planned: Decimal, actual: Decimal, execution_rate: Decimal | None, thresholds: LightThresholds
) -> Light:
    """Red when far behind or execution far under target; yellow when behind or under the alert."""
    behind = planned - actual
    if behind >= thresholds.red_behind or (
        execution_rate is not None and execution_rate < thresholds.red_execution
    ):
        return Light.RED
    if behind >= thresholds.yellow_behind or (
        execution_rate is not None and execution_rate < thresholds.execution_alert
    ):
        return Light.YELLOW
    return Light.GREEN


def explanation_reasons(
    *,
    planned: Decimal,
    actual: Decimal,
    execution_rate: Decimal | None,
    milestones_behind: int,
    thresholds: LightThresholds,
) -> list[str]:
    """Why the agency must give a reason and a remedy (empty: it need not)."""
    reasons: list[str] = []
    behind = planned - actual
    if behind >= thresholds.yellow_behind:
        reasons.append(f"實際進度落後預定進度 {behind.normalize():f} 個百分點")
    if execution_rate is not None and execution_rate < thresholds.execution_alert:
        reasons.append(
            f"預算執行率 {execution_rate.normalize():f}% 未達 {thresholds.execution_alert.normalize():f}%"
        )
    if milestones_behind:
        reasons.append(f"{milestones_behind} 個查核點落後")
    return reasons
