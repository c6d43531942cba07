from yankao.core.models.agency import Agency
from yankao.core.models.audit import AuditAction, AuditEntry, AuditSeal
from yankao.core.models.calendar import CalendarImport, CalendarOverride
from yankao.core.models.numbering import NumberSequence
from yankao.core.models.rules import Rule, RuleDateBasis, RuleStatus, RuleUnit
from yankao.core.models.user import Role, User

__all__ = [
    "Agency",
    "AuditAction",
    "AuditEntry",
    "AuditSeal",
    "CalendarImport",
    "CalendarOverride",
    "NumberSequence",
    "Role",
    "Rule",
    "RuleDateBasis",
    "RuleStatus",
    "RuleUnit",
    "User",
]
