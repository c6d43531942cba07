"""The core module's demo generator: the city's agencies and rules, the demo logins, staff, typhoon days.

Reads the `[core]` table of the targets file (docs/demo-targets.md). Every other module's
generator depends on this one.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q

from yankao.core.demo_framework import DemoContext, demo_generator_register
from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, CalendarOverride, Role, User
from yankao.core.services.calendar import calendar_override_remove, calendar_override_set
from yankao.core.services.seed import seed_load

VERSION = "1"

# The demo logins of PRODUCT.md: the usernames and roles are the contract; their agencies and
# display names come from `[core.personas]` of the targets file (a city's agency codes are its own).
PERSONA_ROLES: dict[str, Role] = {
    "citizen": Role.CITIZEN,
    "operator": Role.OPERATOR,
    "officer": Role.OFFICER,
    "officer_of_other_agency": Role.OFFICER,
    "liaison": Role.LIAISON,
    "rdec_staff": Role.RDEC_STAFF,
    "rdec_admin": Role.RDEC_ADMIN,
    "investigator": Role.INVESTIGATOR,
    "inspector": Role.INSPECTOR,
    "auditor": Role.AUDITOR,
}
# Every other demo account starts with this, so a reset removes demo people and nobody else.
STAFF_PREFIX = "demo."
EMAIL_DOMAIN = "demo.yankao.invalid"


def demo_password() -> str:
    """The demo logins' password, checked by Django's password validators (a bad one is refused)."""
    password = str(settings.YANKAO_DEMO_PASSWORD)
    try:
        validate_password(password)
    except ValidationError as error:
        raise ApplicationError(
            f"YANKAO_DEMO_PASSWORD 不符合密碼規則：{'；'.join(error.messages)}。請改用更長、更不常見的密碼。"
        ) from error
    return password


def core_demo_build(ctx: DemoContext) -> None:
    city = ctx.target("city", str)
    seed_load(city=city)
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    password = demo_password()
    # One hash for every demo account: hashing each of hundreds of accounts separately would take minutes.
    encoded = make_password(password)

    users = _personas(ctx, agencies=agencies, encoded=encoded, password=password)
    users += _agency_staff(ctx, agencies=agencies, encoded=encoded)
    users += _extra_staff(ctx, agencies=agencies, encoded=encoded)
    taken = set(
        User.objects.filter(username__in=[user.username for user in users]).values_list("username", flat=True)
    )
    if taken:
        raise ApplicationError(
            f"已有同名帳號，示範帳號無法建立：{', '.join(sorted(taken))}。請用 --reset 重建。"
        )
    ctx.bulk_insert(User, users, total=len(users), full_clean=True)
    _typhoon_closures(ctx)
    ctx.write(f"      {len(users)} 個示範帳號，{len(agencies)} 個機關")


def _user(*, username: str, display_name: str, role: Role, agency: Agency | None, encoded: str) -> User:
    return User(
        username=username,
        display_name=display_name,
        last_name=display_name[:1],
        first_name=display_name[1:],
        email=f"{username}@{EMAIL_DOMAIN}",
        role=role,
        agency=agency,
        is_staff=role == Role.RDEC_ADMIN,
        password=encoded,
    )


def _agency(ctx: DemoContext, agencies: dict[str, Agency], *, code: str, key: str) -> Agency:
    try:
        return agencies[code]
    except KeyError:
        raise ctx.targets_error(key, f"機關代碼 {code} 不在城市的機關資料中") from None


def _personas(ctx: DemoContext, *, agencies: dict[str, Agency], encoded: str, password: str) -> list[User]:
    personas = ctx.target("personas", dict)
    users = []
    for username, role in PERSONA_ROLES.items():
        entry = ctx.target(username, dict, table=personas) if username in personas else None
        if entry is None:
            raise ctx.targets_error(f"personas.{username}", "缺少此示範帳號（十個示範帳號都要列出）")
        name = ctx.target("name", str, table=entry) if "name" in entry else None
        if not name:
            raise ctx.targets_error(f"personas.{username}.name", "缺少顯示名稱")
        code = entry.get("agency", "")
        if not isinstance(code, str):
            raise ctx.targets_error(f"personas.{username}.agency", f"應為機關代碼文字，實際是 {code!r}")
        agency = _agency(ctx, agencies, code=code, key=f"personas.{username}.agency") if code else None
        if agency is None and role not in (Role.CITIZEN, Role.AUDITOR, Role.INSPECTOR):
            raise ctx.targets_error(f"personas.{username}.agency", f"角色「{role.label}」必須有所屬機關")
        user = _user(username=username, display_name=name, role=role, agency=agency, encoded=encoded)
        # The similarity validator needs the account: a password close to a username is refused here.
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ApplicationError(
                f"YANKAO_DEMO_PASSWORD 不適用於帳號 {username}：{'；'.join(error.messages)}"
            ) from error
        users.append(user)
    return users


def _agency_staff(ctx: DemoContext, *, agencies: dict[str, Agency], encoded: str) -> list[User]:
    """Each agency's liaison and officers, as many as `[core.staff_per_agency]` gives its kind."""
    per_kind = ctx.target("staff_per_agency", dict)
    for kind, count in per_kind.items():
        if kind not in Agency.Kind.values:
            raise ctx.targets_error(
                f"staff_per_agency.{kind}", f"不是機關類別（可用：{', '.join(Agency.Kind.values)}）"
            )
        ctx.target(f"staff_per_agency.{kind}", int)
        if count < 0:
            raise ctx.targets_error(f"staff_per_agency.{kind}", "不可為負數")
    rng = ctx.random_for("agency_staff")
    users = []
    for agency in sorted(agencies.values(), key=lambda agency: agency.path):
        for index in range(per_kind.get(agency.kind, 0)):
            person = ctx.person_name(rng=rng)
            users.append(
                _user(
                    username=f"{STAFF_PREFIX}{agency.code.lower()}.{index + 1:02d}",
                    display_name=person.name,
                    # The first of each agency oversees its deadlines; the others work its cases.
                    role=Role.LIAISON if index == 0 else Role.OFFICER,
                    agency=agency,
                    encoded=encoded,
                )
            )
    return users


def _extra_staff(ctx: DemoContext, *, agencies: dict[str, Agency], encoded: str) -> list[User]:
    """The city-wide roles' people (1999 operators, RDEC staff, inspectors...) of `[[core.extra_staff]]`."""
    rows = ctx.target("extra_staff", list, default=[])
    rng = ctx.random_for("extra_staff")
    numbers: dict[str, int] = {}
    users = []
    for position, row in enumerate(rows):
        key = f"extra_staff[{position}]"
        if not isinstance(row, dict):
            raise ctx.targets_error(key, "每一列應為表（[[core.extra_staff]]）")
        role_value = ctx.target("role", str, table=row)
        if role_value not in Role.values or role_value == Role.CITIZEN:
            raise ctx.targets_error(f"{key}.role", f"不是同仁角色：{role_value!r}")
        role = Role(role_value)
        code = ctx.target("agency", str, table=row)
        agency = _agency(ctx, agencies, code=code, key=f"{key}.agency")
        count = ctx.target("count", int, table=row)
        for _ in range(count):
            numbers[role] = numbers.get(role, 0) + 1
            users.append(
                _user(
                    username=f"{STAFF_PREFIX}{role}.{numbers[role]:02d}",
                    display_name=ctx.person_name(rng=rng).name,
                    role=role,
                    agency=agency,
                    encoded=encoded,
                )
            )
    return users


def _typhoon_closures(ctx: DemoContext) -> None:
    """The city's typhoon office closures as calendar overrides, marked unverified unless the file says so."""
    for position, row in enumerate(ctx.target("typhoon_closures", list, default=[])):
        key = f"typhoon_closures[{position}]"
        if not isinstance(row, dict):
            raise ctx.targets_error(key, "每一列應為表（[[core.typhoon_closures]]）")
        day = ctx.target("date", date, table=row)
        typhoon = ctx.target("name", str, table=row)
        verified = ctx.target("verified", bool, table=row, default=False)
        existing = CalendarOverride.objects.filter(date=day).first()
        if existing is not None and existing.kind != CalendarOverride.Kind.TYPHOON:
            # An imported official calendar or an admin's correction already decides this day.
            continue
        calendar_override_set(
            date=day,
            is_working_day=False,
            kind=CalendarOverride.Kind.TYPHOON,
            reason=f"{typhoon}停止上班",
            verified=verified,
            actor=None,  # the system: the demo build is run by whoever runs the server
        )


def _typhoon_days(ctx: DemoContext) -> list[date]:
    days = []
    for row in ctx.target("typhoon_closures", list, default=[]):
        if isinstance(row, dict) and isinstance(row.get("date"), date):
            days.append(row["date"])
    return days


def core_demo_reset(ctx: DemoContext) -> None:
    """Remove the demo accounts and the typhoon closures the targets list; agencies and rules stay."""
    User.objects.filter(_demo_users()).delete()
    closures = CalendarOverride.objects.filter(
        kind=CalendarOverride.Kind.TYPHOON, date__in=_typhoon_days(ctx)
    )
    for day in closures.values_list("date", flat=True):
        calendar_override_remove(date=day, actor=None)


def core_demo_has_data() -> bool:
    return User.objects.filter(_demo_users()).exists()


def _demo_users() -> Q:
    return Q(username__in=list(PERSONA_ROLES)) | Q(username__startswith=STAFF_PREFIX)


demo_generator_register(
    name="core",
    version=VERSION,
    build=core_demo_build,
    reset=core_demo_reset,
    has_data=core_demo_has_data,
    description="機關、規則、示範帳號、各機關同仁、颱風停班日",
)
