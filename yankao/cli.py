"""The `yankao` console script: Django's management commands with yankao's settings.

`yankao calendar import FILE` runs the `calendar` command with `import FILE`, and so on;
`yankao` alone lists the commands.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    from yankao.core.exceptions import ApplicationError

    try:
        execute_from_command_line(["yankao", *sys.argv[1:]])
    except ApplicationError as error:
        # A rule of the domain refused: the user reads the message, not a traceback.
        print(f"錯誤：{error.message}", file=sys.stderr)
        for row in error.extra.get("errors", []):
            print(f"  {row}", file=sys.stderr)
        sys.exit(1)
