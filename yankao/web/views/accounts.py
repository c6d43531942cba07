"""Signing in and out, the lockout page, password change and the staff's own API token."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from yankao.core.permissions import is_staff_member
from yankao.core.security import login_cooloff, login_failure_limit
from yankao.core.selectors.users import user_token_issued_at
from yankao.core.services.users import user_token_rotate
from yankao.web.views.access import staff_required


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("帳號"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密碼"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # After a failed try the username is still filled in: start again at the password.
            self.fields["username"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True
        self.error_messages = {
            "invalid_login": _(
                "帳號或密碼不正確，請再試一次（英文大小寫有別）。"
                "連續輸入錯誤 %(limit)s 次，帳號將暫停登入 %(minutes)s 分鐘。"
            ),
            "inactive": _("此帳號已停用，請洽所屬機關的系統管理者。"),
        }

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": login_failure_limit(),
                "minutes": int(login_cooloff().total_seconds() // 60),
            },
        )


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # Citizens' accounts use the public portal; the console is for staff.
        if is_staff_member(self.request.user):
            return reverse("web:console_home")
        return reverse("web:portal_home")


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("您已安全登出。"))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:console_home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("密碼已變更。"))
        return response

    def get_success_url(self) -> str:
        if is_staff_member(self.request.user):
            return reverse("web:console_home")
        return reverse("web:portal_home")


@staff_required
@require_http_methods(["GET", "POST"])
def api_token_manage(request: HttpRequest) -> HttpResponse:
    """GET: when the current token was issued. POST: issue a new one and show it this once."""
    user: Any = request.user
    new_key = user_token_rotate(user=user) if request.method == "POST" else None
    return render(
        request,
        "web/api_token.html",
        {
            "issued_at": user_token_issued_at(user=user),
            "new_key": new_key,
            "now": timezone.now(),
        },
    )
