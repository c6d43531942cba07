"""The `yankao` console script: Django's management commands with yankao's settings.

`yankao calendar import FILE` runs the `calendar` command with `import FILE`, and so on;
`yankao` alone lists the commands.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yankao", *sys.argv[1:]])
