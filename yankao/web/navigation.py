"""What each role can reach: the console's navigation and the portal's services.

A destination that a later module has not built yet is shown as "coming" (no link), never as a
dead link: an entry becomes a link as soon as its path resolves.
"""

from dataclasses import dataclass, replace
from functools import cache

from django.conf import settings
from django.urls import Resolver404, get_urlconf, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yankao.core.models import Role

ALL_STAFF = frozenset(Role.values) - {Role.CITIZEN}


@dataclass(frozen=True)
class Destination:
    key: str
    label: str | Promise
    description: str | Promise
    path: str
    roles: frozenset[str] = ALL_STAFF

    @property
    def is_available(self) -> bool:
        return _resolves(get_urlconf() or settings.ROOT_URLCONF, self.path)


@cache
def _resolves(urlconf: str, path: str) -> bool:
    # URL patterns are fixed for the life of a process; resolving on every page view cost
    # the home page a measurable share of its time (make bench, web.home).
    try:
        resolve(path, urlconf)
    except Resolver404:
        return False
    return True


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    description: str | Promise
    url: str | None  # None: the module is coming
    is_current: bool = False

    @property
    def is_coming(self) -> bool:
        return self.url is None


CONSOLE_DESTINATIONS = (
    Destination(
        "cases",
        _("案件收件匣"),
        _("處理分派給本機關的陳情與1999案件，在期限內回覆。"),
        "/console/cases/",
        frozenset({Role.OFFICER, Role.LIAISON, Role.OPERATOR, Role.RDEC_STAFF, Role.AUDITOR}),
    ),
    Destination(
        "case_new",
        _("登錄陳情案件"),
        _("登錄臨櫃、書面函件或電子郵件收到的陳情，取得案件編號並分派機關。"),
        "/console/cases/new/",
        frozenset({Role.OPERATOR, Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.RDEC_ADMIN}),
    ),
    Destination(
        "hotline",
        _("1999話務登錄"),
        _("登錄來電，當場答復或派案。"),
        "/console/hotline/",
        frozenset({Role.OPERATOR}),
    ),
    Destination(
        "hotline_dashboard",
        _("1999話務統計"),
        _("即時與全年的來電件數、類別、處理結果與尖峰時段。"),
        "/console/hotline/dashboard/",
        frozenset({Role.OPERATOR, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR}),
    ),
    Destination(
        "extensions",
        _("展延審核"),
        _("審核本機關案件的展延申請，掌握到期案件。"),
        "/console/extensions/",
        frozenset({Role.LIAISON}),
    ),
    Destination(
        "bullying",
        _("校園霸凌通報"),
        _("在保密規範下處理校園霸凌通報案件。"),
        "/console/bullying/",
        frozenset({Role.INVESTIGATOR}),
    ),
    Destination(
        "bullying_dashboard",
        _("校園霸凌統計"),
        _("通報受理、來源與處理情形的彙總數字（不含個案內容）。"),
        "/console/bullying/dashboard/",
        frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR}),
    ),
    Destination(
        "timeliness",
        _("公文時效"),
        _("檢視各機關公文處理時效與稽催結果。"),
        "/console/timeliness/",
        frozenset(
            {Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.INSPECTOR, Role.AUDITOR}
        ),
    ),
    Destination(
        "programs",
        _("計畫列管"),
        _("填報與審查列管計畫的每月進度與燈號。"),
        "/console/programs/",
        frozenset({Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.AUDITOR}),
    ),
    Destination(
        "programs_annual",
        _("年度計畫與考核"),
        _("施政計畫先期作業、年度考核、列管事項與市營事業績效考核。"),
        "/console/programs/annual/",
        frozenset({Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR}),
    ),
    Destination(
        "inspections",
        _("工程查核"),
        _("登錄查核紀錄、評分與缺失改善。"),
        "/console/inspections/",
        frozenset({Role.INSPECTOR, Role.RDEC_STAFF, Role.OFFICER, Role.AUDITOR}),
    ),
    Destination(
        "proposals",
        _("提案審查"),
        _("審查市民提議與機關回應。"),
        "/console/proposals/",
        frozenset({Role.RDEC_STAFF, Role.OFFICER, Role.LIAISON}),
    ),
    Destination(
        "research",
        _("委託研究"),
        _("管理委託研究從委託到成果公開。"),
        "/console/research/",
        frozenset({Role.RDEC_STAFF}),
    ),
    Destination(
        "opendata",
        _("開放資料"),
        _("維護資料集目錄與詮釋資料。"),
        "/console/opendata/",
        frozenset({Role.RDEC_STAFF}),
    ),
    Destination(
        "petitions_dashboard",
        _("陳情統計"),
        _("陳情件數、類別、機關與如期辦結率，依權限看全市或本機關。"),
        "/console/petitions/dashboard/",
        frozenset({Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR}),
    ),
    Destination(
        "reports",
        _("統計與業務報告"),
        _("檢視統計儀表板，產製議會業務報告。"),
        "/console/reports/",
        frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.AUDITOR}),
    ),
    Destination(
        "audit",
        _("稽核紀錄"),
        _("查閱系統的稽核軌跡（唯讀）。"),
        "/console/audit/",
        frozenset({Role.AUDITOR, Role.RDEC_ADMIN}),
    ),
    Destination(
        "admin",
        _("系統設定"),
        _("維護機關、規則表、行事曆調整與使用者帳號。"),
        "/admin/",
        frozenset({Role.RDEC_ADMIN}),
    ),
)

PORTAL_DESTINATIONS = (
    Destination("petition", _("我要陳情"), _("向市政府提出陳情或檢舉，取得案件編號。"), "/petitions/new/"),
    Destination(
        "mayors_mailbox", _("市長信箱"), _("寫信給市長，由主管機關在期限內答復。"), "/mayors-mailbox/"
    ),
    Destination("track", _("案件查詢"), _("輸入案件編號與查詢碼，查看處理進度與回覆。"), "/track/"),
    Destination("proposals", _("市民提議"), _("提出對市政的點子，或附議他人的提議。"), "/proposals/"),
    Destination("research", _("研究成果"), _("閱讀市府委託研究與研究發展成果報告。"), "/research/"),
    Destination("opendata", _("開放資料"), _("下載市府開放資料，或透過 API 取用。"), "/opendata/"),
    Destination("api", _("開發者 API"), _("市府資料與服務的 JSON API 說明文件。"), "/api/v1/docs/"),
)


def console_navigation(*, role: str, current_path: str = "") -> list[NavItem]:
    """The console's destinations for a role, home first; the one holding `current_path` is marked."""
    home = reverse("web:console_home")
    items = [
        NavItem("home", _("工作台首頁"), _("今日概況與可用功能。"), home, is_current=current_path == home)
    ]
    for destination in CONSOLE_DESTINATIONS:
        if role in destination.roles:
            items.append(_item(destination))
    # The deepest destination holding the path is current: /console/cases/new/ is not the inbox.
    holding = [i for i, item in enumerate(items) if i and item.url and current_path.startswith(item.url)]
    if holding:
        deepest = max(holding, key=lambda i: len(items[i].url or ""))
        items[deepest] = replace(items[deepest], is_current=True)
    return items


def portal_services() -> list[NavItem]:
    return [_item(destination) for destination in PORTAL_DESTINATIONS]


def _item(destination: Destination) -> NavItem:
    return NavItem(
        destination.key,
        destination.label,
        destination.description,
        destination.path if destination.is_available else None,
    )
