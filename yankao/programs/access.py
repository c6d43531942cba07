"""Who may see, file and review programs' monthly reports.

An agency's officers and liaisons file the reports of the programs their agency owns (its scope in
the organisation tree); RDEC staff review every agency's; auditors and inspectors read. Nobody else
sees a program: another agency's officer gets "not found", not a hint that the program exists.
"""

from typing import Any

from yankao.core.models import Role
from yankao.core.permissions import agency_in_scope, is_city_wide, is_staff_member
from yankao.programs.models import Program

FILING_ROLES = frozenset({Role.OFFICER, Role.LIAISON})
REVIEW_ROLES = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN})
CITY_READ_ROLES = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR, Role.INSPECTOR})


def can_use_programs(user: Any) -> bool:
    """True for whoever has a programs page at all."""
    return is_staff_member(user) and user.role in (FILING_ROLES | CITY_READ_ROLES)


def can_see_all_programs(user: Any) -> bool:
    return is_city_wide(user) and user.role in CITY_READ_ROLES


def can_view_program(user: Any, program: Program) -> bool:
    if can_see_all_programs(user):
        return True
    if not can_use_programs(user) or user.agency_id is None:
        return False
    return agency_in_scope(scope=user.agency, agency=program.agency)


def can_file_report(user: Any, program: Program) -> bool:
    """The owning agency's officers and liaisons file; RDEC staff may file on an agency's behalf."""
    if can_review_reports(user):
        return True
    return (
        is_staff_member(user)
        and user.role in FILING_ROLES
        and user.agency_id is not None
        and agency_in_scope(scope=user.agency, agency=program.agency)
    )


def can_review_reports(user: Any) -> bool:
    return is_staff_member(user) and user.role in REVIEW_ROLES
