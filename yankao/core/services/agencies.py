"""Writes to the agency tree: the admin creates and moves agencies through these."""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, AuditAction
from yankao.core.services.audit import audit_record_for


@transaction.atomic
def agency_save(*, agency: Agency, changed_fields: list[str]) -> Agency:
    """Create or update an agency, keeping the tree's paths right when its parent changes.

    An agency cannot become its own ancestor; its descendants' paths move with it.
    """
    parent = agency.parent
    agency_parent_check(agency=agency, parent=parent)
    creating = agency.pk is None
    old_path = "" if creating else Agency.objects.values_list("path", flat=True).get(pk=agency.pk)
    agency.path = f"{parent.path}/{agency.code}" if parent else agency.code
    agency.full_clean()
    agency.save()
    if old_path and old_path != agency.path:
        # Rewrite the prefix of every descendant in one statement.
        Agency.objects.filter(path__startswith=old_path + "/").update(
            path=Concat(Value(agency.path), Substr("path", len(old_path) + 1))
        )
    audit_record_for(
        agency,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        fields=sorted(set(changed_fields)),
    )
    return agency


def agency_parent_check(*, agency: Agency, parent: Agency | None) -> None:
    """Raise ApplicationError when `parent` is the agency itself or one of its descendants."""
    if parent is None or agency.pk is None:
        return
    if parent.pk == agency.pk or (agency.path and parent.path.startswith(agency.path + "/")):
        raise ApplicationError(f"機關「{agency.name}」不能隸屬於自己或自己的下級機關。", code="agency_cycle")
