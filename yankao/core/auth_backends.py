"""The sign-in backend: Django's ModelBackend, loading the person's agency with them.

Nearly every staff page reads `request.user.agency` (scope, headings); fetching it with the user
saves a query on each of them.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AgencyModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        user = user_model._default_manager.select_related("agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
