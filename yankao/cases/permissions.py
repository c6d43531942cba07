"""Who may see and act on a case. Scope comes from core: an agency's subtree, or the whole city."""

from typing import Any

from yankao.cases.models import Case
from yankao.core.models import Role
from yankao.core.permissions import can_view_agency

HANDLER_ROLES = frozenset({Role.OFFICER, Role.LIAISON})
RDEC_ROLES = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN})
INTAKE_ROLES = frozenset({Role.OPERATOR, Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.RDEC_ADMIN})


def _active_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_handle_case(user: Any, case: Case) -> bool:
    """Officers and liaisons of the case's agency (or an agency above it), and RDEC staff."""
    if not _active_staff(user):
        return False
    if user.role in RDEC_ROLES:
        return True
    return user.role in HANDLER_ROLES and can_view_agency(user, case.agency)


def can_transfer_kind(user: Any, case: Case) -> bool:
    """Those who handle the case, and the person who just registered it while nobody has taken it.

    A 1999 operator who hears a bullying report registers the call's case and hands it over at
    once; waiting for an officer of the agency to pick it up would delay the 24-hour report.
    """
    if can_handle_case(user, case):
        return True
    return (
        _active_staff(user)
        and user.role in INTAKE_ROLES
        and case.officer_id is None
        and case.events.filter(kind="intake", actor=user).exists()
    )


def can_view_case(user: Any, case: Case) -> bool:
    """Those who handle it, and the auditor, who reads everything and changes nothing."""
    return can_handle_case(user, case) or (_active_staff(user) and user.role == Role.AUDITOR)


def can_decide_extension(user: Any, case: Case) -> bool:
    if not _active_staff(user):
        return False
    if user.role in RDEC_ROLES:
        return True
    return user.role == Role.LIAISON and can_view_agency(user, case.agency)


def can_register_case(user: Any) -> bool:
    return _active_staff(user) and user.role in INTAKE_ROLES
