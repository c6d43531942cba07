"""The bullying report's life cycle as one transition table: anything not listed is refused."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yankao.bullying.models import State


class Action(models.TextChoices):
    ACCEPT = "accept", _("審查決議受理")
    NOT_ACCEPT = "not_accept", _("審查決議不予受理")
    NOTICE = "notice", _("登錄受理與否書面通知")
    AUTHORITY_REPORT = "authority_report", _("登錄校安通報")
    FORM_TEAM = "form_team", _("組成處理小組")
    FIRST_MEETING = "first_meeting", _("登錄第一次會議")
    EXTEND = "extend", _("延長調查期限")
    OUTCOME = "outcome", _("登錄調查結果")
    FOLLOW_UP = "follow_up", _("更新追蹤輔導措施")
    APPEAL = "appeal", _("登錄申復")
    APPEAL_DECIDE = "appeal_decide", _("登錄申復結果")
    CLOSE = "close", _("結案")
    ADD_PARTY = "add_party", _("新增關係人")


OPEN = (State.RECEIVED, State.ACCEPTED, State.TEAM_FORMED, State.INVESTIGATING, State.DECIDED, State.APPEALED)

# action → (states it may be taken in, the state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    Action.ACCEPT: ((State.RECEIVED,), State.ACCEPTED),
    Action.NOT_ACCEPT: ((State.RECEIVED,), State.NOT_ACCEPTED),
    Action.NOTICE: ((State.NOT_ACCEPTED, State.ACCEPTED, State.TEAM_FORMED, State.INVESTIGATING), None),
    Action.AUTHORITY_REPORT: ((*OPEN, State.NOT_ACCEPTED), None),
    Action.FORM_TEAM: ((State.ACCEPTED,), State.TEAM_FORMED),
    Action.FIRST_MEETING: ((State.TEAM_FORMED,), State.INVESTIGATING),
    Action.EXTEND: ((State.INVESTIGATING,), None),
    Action.OUTCOME: ((State.INVESTIGATING,), State.DECIDED),
    Action.FOLLOW_UP: ((State.DECIDED, State.APPEALED), None),
    Action.APPEAL: ((State.DECIDED,), State.APPEALED),
    Action.APPEAL_DECIDE: ((State.APPEALED,), None),  # the service picks decided or investigating
    Action.CLOSE: ((State.DECIDED, State.NOT_ACCEPTED), State.CLOSED),
    Action.ADD_PARTY: ((*OPEN, State.NOT_ACCEPTED), None),
}


def action_allowed(*, state: str, action: str) -> bool:
    return state in TRANSITIONS[action][0]


def actions_allowed(*, state: str) -> set[str]:
    return {action for action, (sources, _target) in TRANSITIONS.items() if state in sources}
