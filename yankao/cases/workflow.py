"""The case life cycle in one table: which action moves a case from which state to which.

Every transition is made by a service in yankao.cases.services, which checks this table, writes
the case's timeline and the audit trail. An action not in the table is refused with a message
that names the state and the action.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    RECEIVED = "received", _("已收件")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("處理中")
    WAITING_CITIZEN = "waiting_citizen", _("待民眾補正")
    REPLIED = "replied", _("已答復")
    CLOSED = "closed", _("已結案")
    NOT_PROCESSED = "not_processed", _("不予處理（存查）")
    MERGED = "merged", _("已併案")
    TRANSFERRED = "transferred", _("已移轉其他業務")


class Action(models.TextChoices):
    ASSIGN = "assign", _("分派")
    ACCEPT = "accept", _("承辦")
    REROUTE = "reroute", _("改分")
    REQUEST_INFO = "request_info", _("請民眾補正")
    RESUME = "resume", _("補正完成，恢復處理")
    REPLY = "reply", _("答復")
    CLOSE = "close", _("結案")
    REOPEN = "reopen", _("重新處理")
    NOT_PROCESS = "not_process", _("不予處理")
    MERGE = "merge", _("併案")
    TRANSFER_KIND = "transfer_kind", _("移轉其他業務")


OPEN_STATES = frozenset({State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING_CITIZEN})
# States whose clock runs toward the reply deadline (waiting for the citizen pauses it).
CLOCK_RUNNING_STATES = frozenset({State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS})
FINAL_STATES = frozenset({State.CLOSED, State.NOT_PROCESSED, State.MERGED, State.TRANSFERRED})

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.RECEIVED, Action.ASSIGN): State.ASSIGNED,
    (State.RECEIVED, Action.NOT_PROCESS): State.NOT_PROCESSED,
    (State.RECEIVED, Action.MERGE): State.MERGED,
    (State.RECEIVED, Action.TRANSFER_KIND): State.TRANSFERRED,
    (State.ASSIGNED, Action.ACCEPT): State.IN_PROGRESS,
    (State.ASSIGNED, Action.REROUTE): State.ASSIGNED,
    (State.ASSIGNED, Action.NOT_PROCESS): State.NOT_PROCESSED,
    (State.ASSIGNED, Action.MERGE): State.MERGED,
    (State.ASSIGNED, Action.TRANSFER_KIND): State.TRANSFERRED,
    (State.ASSIGNED, Action.REPLY): State.REPLIED,
    (State.IN_PROGRESS, Action.REROUTE): State.ASSIGNED,
    (State.IN_PROGRESS, Action.REQUEST_INFO): State.WAITING_CITIZEN,
    (State.IN_PROGRESS, Action.REPLY): State.REPLIED,
    (State.IN_PROGRESS, Action.NOT_PROCESS): State.NOT_PROCESSED,
    (State.IN_PROGRESS, Action.MERGE): State.MERGED,
    (State.IN_PROGRESS, Action.TRANSFER_KIND): State.TRANSFERRED,
    (State.WAITING_CITIZEN, Action.RESUME): State.IN_PROGRESS,
    (State.WAITING_CITIZEN, Action.NOT_PROCESS): State.NOT_PROCESSED,
    (State.REPLIED, Action.CLOSE): State.CLOSED,
    (State.REPLIED, Action.REOPEN): State.IN_PROGRESS,
    (State.CLOSED, Action.REOPEN): State.IN_PROGRESS,
}


def transition_target(*, state: str, action: str) -> State | None:
    """The state `action` leads to from `state`, or None when the table does not allow it."""
    return TRANSITIONS.get((State(state), Action(action)))


def actions_allowed(*, state: str) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source == state]
