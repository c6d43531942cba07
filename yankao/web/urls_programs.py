"""The console and portal pages of the programs module (included by yankao/web/urls.py, namespace web)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
