from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yankao.api"
    label = "api"
