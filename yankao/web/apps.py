from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yankao.web"
    label = "web"
