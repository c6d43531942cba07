from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from yankao.web.navigation import portal_services


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal_home.html", {"services": portal_services()})


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's); answer, don't 404.
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))
