"""Writes to the audit trail. Services call these inside their own transaction.

Entries are plain inserts (no lock, no chain work on the hot path); the `audit_seal` task chains
them later in sequence order. Never pass personal values: name the fields, not their contents.
"""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from yankao.core import request_context
from yankao.core.models import AuditAction, AuditEntry


def audit_record(
    *,
    action: AuditAction | str,
    target_type: str,
    target_id: str | int = "",
    fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEntry:
    """Append one audit entry. The actor, address and request id default to the current request's."""
    context = request_context.current()
    actor = actor if actor is not None else context.user
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor_username=actor.get_username() if actor_id is not None else "",
        action=str(action),
        target_type=target_type,
        target_id=str(target_id),
        fields=sorted(set(fields)),
        ip_address=context.ip_address,
        request_id=context.request_id,
        detail=detail or {},
    )


def audit_record_for(
    instance: models.Model,
    *,
    action: AuditAction | str,
    fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEntry:
    """Append an audit entry about a model instance (its label and primary key name the target)."""
    return audit_record(
        action=action,
        target_type=instance._meta.label_lower,
        target_id=str(instance.pk),
        fields=fields,
        detail=detail,
        actor=actor,
    )
