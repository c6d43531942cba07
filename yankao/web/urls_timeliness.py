"""The console and portal pages of the timeliness module (included by yankao/web/urls.py, namespace web)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
