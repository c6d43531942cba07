import os
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from yankao.core.demo import PERSONA_ROLES
from yankao.core.models import User


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = "Print the demo logins: username, role and agency, and the demo password."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            user.username: user
            for user in User.objects.filter(username__in=PERSONA_ROLES).select_related("agency")
        }
        rows = [("帳號", "姓名", "角色", "機關")]
        for username, role in PERSONA_ROLES.items():
            user = users.get(username)
            if user is None:
                rows.append((username, "—", str(role.label), "（尚未建立：請執行 yankao demo）"))
            else:
                rows.append(
                    (
                        username,
                        user.display_name,
                        user.get_role_display(),
                        user.agency.name if user.agency else "—",
                    )
                )
        widths = [max(_width(str(row[column])) for row in rows) + 2 for column in range(3)]
        self.stdout.write(self.style.MIGRATE_HEADING("示範帳號"))
        for row in rows:
            self.stdout.write(
                "  "
                + "".join(_pad(str(cell), width) for cell, width in zip(row, widths, strict=False))
                + row[3]
            )
        if "YANKAO_DEMO_PASSWORD" in os.environ:
            self.stdout.write("密碼：取自環境變數 YANKAO_DEMO_PASSWORD（不在此顯示）")
        else:
            self.stdout.write(
                f"密碼（預設，可用環境變數 YANKAO_DEMO_PASSWORD 更改）：{settings.YANKAO_DEMO_PASSWORD}"
            )
