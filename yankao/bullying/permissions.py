"""Who may see what of the bullying module (ADR 0012).

A report is seen only by designated bullying staff: the investigator role *is* the designation
(one role per account, granted only by an RDEC administrator, the grant in the audit trail).
Everyone else on the staff sees aggregate figures; citizens and visitors see nothing.
"""

from typing import Any

from yankao.core.models import Role
from yankao.core.permissions import is_staff_member


def can_handle_bullying(user: Any) -> bool:
    """True for designated bullying staff: they see and work reports."""
    return is_staff_member(user) and user.role == Role.INVESTIGATOR


def can_view_bullying_statistics(user: Any) -> bool:
    """Aggregate figures (no report, no name) are for any city staff member."""
    return is_staff_member(user)
