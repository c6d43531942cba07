"""Reads about people."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.apps import apps

from yankao.core.models import Role, User


def user_token_issued_at(*, user: User) -> datetime | None:
    """When the user's current API token was issued, or None when the user holds none."""
    # DRF's authtoken table, reached through the app registry: core does not import DRF.
    token_model = apps.get_model("authtoken", "Token")
    created: datetime | None = token_model.objects.filter(user=user).values_list("created", flat=True).first()
    return created


def agency_staff_emails(*, agency_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of each agency's active officers and liaisons (who file its reports)."""
    emails: dict[int, list[str]] = defaultdict(list)
    for agency_id, email in (
        User.objects.filter(
            role__in=[Role.OFFICER, Role.LIAISON], is_active=True, agency_id__in=list(agency_ids)
        )
        .exclude(email="")
        .values_list("agency_id", "email")
    ):
        emails[agency_id].append(email)
    return emails
