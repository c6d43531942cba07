from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal_home.html")
