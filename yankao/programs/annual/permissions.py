"""Who may do what in the yearly cycle: agencies their own items, RDEC staff review, auditors read.

Built on core's predicates (agency scope = the agency and its subtree). Panel membership is the
only thing that lets a reviewer from outside the RDEC see an enterprise evaluation.
"""

from typing import Any

from yankao.core.models import Agency, Role
from yankao.core.permissions import agency_in_scope, is_staff_member

AGENCY_ROLES = frozenset({Role.OFFICER, Role.LIAISON})
RDEC_ROLES = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN})
# Those who read every agency's records here; only the RDEC writes reviews, auditors only read.
READ_ALL_ROLES = RDEC_ROLES | {Role.AUDITOR}


def is_rdec(user: Any) -> bool:
    """RDEC staff and administrators: they review, compile and run the evaluations."""
    return is_staff_member(user) and user.role in RDEC_ROLES


def reads_all(user: Any) -> bool:
    return is_staff_member(user) and user.role in READ_ALL_ROLES


def acts_for_agency(user: Any, agency: Agency) -> bool:
    """An agency's officer or liaison (or of an agency above it) writes that agency's submissions."""
    return (
        is_staff_member(user)
        and user.role in AGENCY_ROLES
        and user.agency_id is not None
        and agency_in_scope(scope=user.agency, agency=agency)
    )


def can_view_agency_records(user: Any, agency: Agency) -> bool:
    return reads_all(user) or acts_for_agency(user, agency)
