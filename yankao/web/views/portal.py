from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yankao.web.navigation import portal_services


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal_home.html", {"services": portal_services()})
