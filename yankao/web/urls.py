from django.urls import path

from yankao.web.views import accounts, audit, console, health, portal

app_name = "web"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", portal.portal_home, name="portal_home"),
    path("favicon.ico", portal.favicon),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("console/", console.console_home, name="console_home"),
    path("console/api-token/", accounts.api_token_manage, name="api_token"),
    path("console/audit/", audit.audit_entry_list, name="audit_entry_list"),
]
