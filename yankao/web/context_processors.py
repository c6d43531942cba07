from typing import Any

from django.http import HttpRequest

import yankao as yankao_package


def yankao(request: HttpRequest) -> dict[str, Any]:
    return {"yankao_version": yankao_package.__version__}
