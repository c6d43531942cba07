"""Role predicates: who spans the city, which agencies a user may see, who may administer.

Staff see and act only within their agency's scope (the agency and its descendants in the tree)
unless their role spans the city. Selectors that take a user are built on these predicates.
"""

from typing import Any

from yankao.core.models import Agency, Role

# Roles whose work crosses agencies: the 1999 desk dispatches to all of them, RDEC oversees
# all of them, inspectors and auditors examine any of them.
CITY_WIDE_ROLES = frozenset({Role.OPERATOR, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.INSPECTOR, Role.AUDITOR})


def is_staff_member(user: Any) -> bool:
    """True for an active, signed-in user who works for the city (any role but citizen)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role != Role.CITIZEN)


def is_city_wide(user: Any) -> bool:
    """True when the user's role spans every agency of the city."""
    return is_staff_member(user) and user.role in CITY_WIDE_ROLES


def agency_in_scope(*, scope: Agency, agency: Agency) -> bool:
    """True when `agency` is `scope` itself or one of its descendants."""
    return agency.path == scope.path or agency.path.startswith(scope.path + "/")


def can_view_agency(user: Any, agency: Agency) -> bool:
    """True when the agency lies within the user's scope."""
    if is_city_wide(user):
        return True
    if not is_staff_member(user) or user.agency_id is None:
        return False
    return agency_in_scope(scope=user.agency, agency=agency)


def can_administer(user: Any) -> bool:
    """True for those who may edit configuration tables in the admin: RDEC system administrators."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or (user.is_staff and user.role == Role.RDEC_ADMIN))


def can_read_audit_trail(user: Any) -> bool:
    """True for auditors and RDEC system administrators: the only readers of the audit trail."""
    return is_staff_member(user) and user.role in {Role.AUDITOR, Role.RDEC_ADMIN}
