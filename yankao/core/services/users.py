"""Writes about people: their API tokens."""

from typing import Any

from django.apps import apps
from django.db import transaction

from yankao.core.exceptions import PermissionDeniedError
from yankao.core.models import AuditAction, User
from yankao.core.permissions import is_staff_member
from yankao.core.services.audit import audit_record_for


def _token_model() -> Any:
    # DRF's authtoken table stores the keys; core reaches it through the app registry, never
    # by importing DRF (domain code knows nothing of the HTTP interfaces, import-linter checks it).
    return apps.get_model("authtoken", "Token")


@transaction.atomic
def user_token_rotate(*, user: User, actor: Any = None) -> str:
    """Issue the user a new API token, revoking the old one; returns the new key.

    Only staff get tokens: the API's staff clients act for a city employee. The audit entry names
    the token's owner and never holds the key.
    """
    if not is_staff_member(user):
        raise PermissionDeniedError(f"使用者「{user.username}」不是機關同仁或已停用，不能發給 API 權杖。")
    token_model = _token_model()
    revoked = token_model.objects.filter(user=user).delete()[0] > 0
    token = token_model.objects.create(user=user)
    audit_record_for(
        user,
        action=AuditAction.UPDATE,
        fields=["api_token"],
        detail={"event": "api_token_rotated", "revoked_previous": revoked},
        actor=actor,
    )
    return str(token.key)


@transaction.atomic
def user_save(*, user: User, changed_fields: list[str], actor: Any = None) -> User:
    """Create or change an account (the admin's user form); the audit entry names the fields, never
    a password or its hash."""
    creating = user.pk is None
    user.full_clean(exclude=["password"])
    user.save()
    fields = sorted({"password" if field.startswith("password") else field for field in changed_fields})
    audit_record_for(
        user, action=AuditAction.CREATE if creating else AuditAction.UPDATE, fields=fields, actor=actor
    )
    return user
