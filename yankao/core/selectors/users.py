"""Reads about people."""

from datetime import datetime

from django.apps import apps

from yankao.core.models import User


def user_token_issued_at(*, user: User) -> datetime | None:
    """When the user's current API token was issued, or None when the user holds none."""
    # DRF's authtoken table, reached through the app registry: core does not import DRF.
    token_model = apps.get_model("authtoken", "Token")
    created: datetime | None = token_model.objects.filter(user=user).values_list("created", flat=True).first()
    return created
