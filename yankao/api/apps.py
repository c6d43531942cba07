from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yankao.api"
    label = "api"

    def ready(self) -> None:
        # Connects the signals that drop a revoked token or a changed account from the token cache.
        from yankao.api import authentication  # noqa: F401
