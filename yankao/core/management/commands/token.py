from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yankao.core.exceptions import ApplicationError
from yankao.core.models import User
from yankao.core.services.users import user_token_rotate


class Command(BaseCommand):
    help = "API tokens for staff clients. `token issue USERNAME` issues a new token (revoking the old one)."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="Issue USERNAME a new API token and print it.")
        issue.add_argument("username")

    def handle(self, *args: Any, action: str, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到使用者「{username}」。")
        try:
            key = user_token_rotate(user=user)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(key)
