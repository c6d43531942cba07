"""Writes to the rule table. Each change is a row of the rule's history (simple_history) and an
audit entry; a new version of a rule is a new row with a later effective date."""

from typing import Any

from django.db import transaction

from yankao.core.models import AuditAction, Rule
from yankao.core.services.audit import audit_record_for


@transaction.atomic
def rule_save(*, rule: Rule, changed_fields: list[str], actor: Any = None) -> Rule:
    """Create or change a version of a rule; every process sees it within the rule cache's reload time."""
    creating = rule.pk is None
    rule.full_clean()
    rule.save()
    audit_record_for(
        rule,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        fields=sorted(set(changed_fields)),
        detail={
            "key": rule.key,
            "qualifier": rule.qualifier,
            "effective_from": rule.effective_from.isoformat(),
        },
        actor=actor,
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: Any = None) -> None:
    """Remove a version of a rule (its history row stays)."""
    audit_record_for(
        rule,
        action=AuditAction.DELETE,
        detail={
            "key": rule.key,
            "qualifier": rule.qualifier,
            "effective_from": rule.effective_from.isoformat(),
        },
        actor=actor,
    )
    rule.delete()
