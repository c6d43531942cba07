from django.urls import include, path

from yankao.web.views import (
    accounts,
    audit,
    case_intake,
    case_page,
    cases,
    console,
    extensions,
    health,
    petitions,
    petitions_dashboard,
    portal,
)

app_name = "web"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", portal.portal_home, name="portal_home"),
    path("favicon.ico", portal.favicon),
    path("petitions/new/", petitions.petition_new, name="petition_new"),
    path("mayors-mailbox/", petitions.mayors_mailbox, name="mayors_mailbox"),
    path("track/", petitions.petition_track_page, name="petition_track"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("console/", console.console_home, name="console_home"),
    path("console/api-token/", accounts.api_token_manage, name="api_token"),
    path("console/audit/", audit.audit_entry_list, name="audit_entry_list"),
    path("console/cases/", cases.case_inbox, name="case_inbox"),
    path("console/cases/export.csv", cases.case_export, name="case_export"),
    path("console/cases/bulk/", cases.case_bulk, name="case_bulk"),
    path("console/cases/alerts/read/", cases.case_alerts_read, name="case_alerts_read"),
    path("console/cases/duplicate-marks/", cases.case_duplicate_marks, name="case_duplicate_marks"),
    path("console/cases/new/", case_intake.case_new, name="case_new"),
    path("console/cases/<str:number>/", case_page.case_detail, name="case_detail"),
    path("console/cases/<str:number>/reveal/", case_page.case_reveal, name="case_reveal"),
    path(
        "console/cases/<str:number>/attachments/<int:attachment_id>/",
        case_page.case_attachment,
        name="case_attachment",
    ),
    path("console/cases/<str:number>/<slug:action>/", case_page.case_action, name="case_action"),
    path(
        "console/petitions/dashboard/",
        petitions_dashboard.petitions_dashboard,
        name="petitions_dashboard",
    ),
    path("console/extensions/", extensions.extension_list, name="extension_list"),
    path(
        "console/extensions/<int:extension_id>/decide/", extensions.extension_decide, name="extension_decide"
    ),
    # Each module's pages, in a file of their own.
    path("", include("yankao.web.urls_hotline")),
    path("", include("yankao.web.urls_bullying")),
    path("", include("yankao.web.urls_programs")),
    path("", include("yankao.web.urls_programs_annual")),
    path("", include("yankao.web.urls_timeliness")),
]
