"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests (GET and
POST) and the servicerequestupdates extension, each in JSON (.json) and XML (.xml).

Thin: what may be read is decided in `selectors` (public categories only, texts without personal
data), what may be written by the case engine's `case_intake`. Errors use the standard's format,
a list of {code, description}, with the same HTTP status.
"""

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import caches
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from yankao.api.open311 import catalogue, render, selectors
from yankao.api.open311.catalogue import Service
from yankao.cases.models import Channel
from yankao.cases.permissions import can_register_case
from yankao.cases.selectors import category_get_active
from yankao.cases.services import Petitioner, case_intake
from yankao.core.exceptions import ApplicationError, NotFoundError
from yankao.core.models import Agency
from yankao.servicedesk.duplicates import duplicate_candidates_find, place_parse

# The standard: a date range "may not span more than 90 days"; without dates, the last 90 days.
MAX_SPAN = timedelta(days=90)
PAGE_SIZE_DEFAULT = 200
PAGE_SIZE_MAX = 1000
UPDATES_LIMIT = 500
SERVICES_CACHE_SECONDS = 60
# Lists are public and the same for every client, which poll them: one rendering serves all asking
# the same URL within this many seconds (per process; also sent as Cache-Control max-age).
LIST_CACHE_SECONDS = 30
# Taiwan's main island and the near islands: a pin outside is a client's mistake.
LATITUDE_RANGE = (Decimal("21.8"), Decimal("23.5"))
LONGITUDE_RANGE = (Decimal("119.3"), Decimal("121.1"))
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+08:00"


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _services() -> list[Service]:
    cache = caches["local"]
    services: list[Service] | None = cache.get("open311:services")
    if services is None:
        services = catalogue.services_public()
        cache.set("open311:services", services, SERVICES_CACHE_SECONDS)
    return services


def _check_jurisdiction(request: HttpRequest) -> None:
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if given and given != catalogue.jurisdiction_id():
        raise Open311Error(404, f"jurisdiction_id「{given}」不是本市（{catalogue.jurisdiction_id()}）。")


def _endpoint(view: Any) -> Any:
    """Run a view with the jurisdiction check and turn Open311Error into the standard's errors."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            _check_jurisdiction(request)
            response: HttpResponse = view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return render.errors((error.code, error.description), fmt=fmt)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _shared_list(view: Any) -> Any:
    """Serve a GET list from the per-process cache, keyed by its full URL (filters included)."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            response: HttpResponse = view(request, *args, fmt=fmt, **kwargs)
            return response
        cache = caches["local"]
        key = "open311:list:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()
        cached = cache.get(key)
        if cached is None:
            response = view(request, *args, fmt=fmt, **kwargs)
            if response.status_code == 200:
                cache.set(key, (response.content, response["Content-Type"]), LIST_CACHE_SECONDS)
        else:
            response = HttpResponse(cached[0], content_type=cached[1])
        if response.status_code == 200:
            response["Cache-Control"] = f"public, max-age={LIST_CACHE_SECONDS}"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_http_methods(["GET"])
@_endpoint
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    info = catalogue.catalogue_file()
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": info.get("contact", ""),
        "key_service": info.get("key_service", ""),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render.document(data, root="discovery", fmt=fmt)


@require_http_methods(["GET"])
@_endpoint
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    rows = [
        {
            "service_code": service.code,
            "service_name": service.name,
            "description": service.description,
            "metadata": bool(service.attributes),
            "type": "realtime",
            "keywords": service.keywords,
            "group": service.group,
        }
        for service in _services()
    ]
    return render.document(rows, root="services", fmt=fmt)


@require_http_methods(["GET"])
@_endpoint
def service_definition(request: HttpRequest, *, code: str, fmt: str) -> HttpResponse:
    service = _service(code)
    data = {
        "service_code": service.code,
        "attributes": [
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": attribute.order,
                "description": attribute.description,
                "values": [{"key": key, "name": name} for key, name in attribute.values],
            }
            for attribute in service.attributes
        ],
    }
    return render.document(data, root="service_definition", fmt=fmt)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_endpoint
@_shared_list
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt=fmt)
    query = request.GET
    numbers = _list(query.get("service_request_id", ""))
    codes = _list(query.get("service_code", ""))
    statuses = _list(query.get("status", ""))
    for status in statuses:
        if status not in ("open", "closed"):
            raise Open311Error(400, f"status「{status}」不明：請用 open 或 closed。")
    by_code = {service.code: service for service in _services()}
    for code in codes:
        if code not in by_code:
            raise Open311Error(400, f"service_code「{code}」不是本市的公開服務。")
    start, end = _date_range(query.get("start_date", ""), query.get("end_date", ""))
    page_size = _int(query.get("page_size", ""), name="page_size", default=PAGE_SIZE_DEFAULT)
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise Open311Error(400, f"page_size 須介於 1 與 {PAGE_SIZE_MAX} 之間。")
    rows = selectors.requests_list(
        filters=selectors.RequestFilters(
            numbers=numbers,
            category_ids=tuple(by_code[code].category_id for code in codes),
            start=None if numbers else start,
            end=None if numbers else end,
            statuses=statuses,
        ),
        public_category_ids=tuple(service.category_id for service in by_code.values()),
        limit=page_size,
    )
    return render.document(rows, root="service_requests", fmt=fmt)


@require_http_methods(["GET"])
@_endpoint
def request_detail(request: HttpRequest, *, number: str, fmt: str) -> HttpResponse:
    rows = selectors.requests_list(
        filters=selectors.RequestFilters(numbers=(number,)),
        public_category_ids=tuple(service.category_id for service in _services()),
        limit=1,
    )
    if not rows:
        # The same answer for a number that does not exist and for one that is not public.
        raise Open311Error(404, f"找不到公開的服務請求「{number}」。")
    return render.document(rows, root="service_requests", fmt=fmt)


@require_http_methods(["GET"])
@_endpoint
@_shared_list
def request_updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    query = request.GET
    start, end = _date_range(query.get("start_date", ""), query.get("end_date", ""))
    rows = selectors.updates_list(
        public_category_ids=tuple(service.category_id for service in _services()),
        start=start,
        end=end,
        numbers=_list(query.get("service_request_id", "")),
        limit=UPDATES_LIMIT,
    )
    return render.document(rows, root="service_request_updates", fmt=fmt)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "xml" if rest.endswith(".xml") else "json"
    return render.errors((404, "沒有這個 Open311 路徑；格式請以 .json 或 .xml 結尾。"), fmt=fmt)


# --- POST requests ---------------------------------------------------------------------------


def _request_create(request: HttpRequest, *, fmt: str) -> HttpResponse:
    data = request.POST
    user = _api_key_user(data.get("api_key", "") or request.GET.get("api_key", ""))
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "請提供 service_code。")
    service = _service(code, status=400)
    latitude, longitude = _coordinate(data.get("lat", ""), "lat"), _coordinate(data.get("long", ""), "long")
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, "lat 與 long 須同時提供。")
    outside = latitude is not None and not LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
    outside |= longitude is not None and not LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]
    if outside:
        raise Open311Error(400, "lat/long 不在臺灣範圍內。")
    address = (data.get("address_string", "") or data.get("address_id", "")).strip()[:200]
    if latitude is None and not address:
        raise Open311Error(400, "請提供地點：lat 與 long，或 address_string。")
    notes = _attribute_notes(service, data)
    description = data.get("description", "").strip() or service.name
    if notes:
        description = f"{description}\n（{'；'.join(notes)}）"
    name = (data.get("last_name", "").strip() + data.get("first_name", "").strip())[:60]
    try:
        category = category_get_active(code=service.code)
        result = case_intake(
            kind="petition",
            channel=Channel.API,
            category=category,
            subject=f"{service.name}：{address or '地圖定位'}"[:200],
            description=description,
            petitioner=Petitioner(
                name=name,
                phone=data.get("phone", "").strip()[:30],
                email=data.get("email", "").strip()[:200],
                anonymous=not name,
            ),
            district=_district(address),
            location_text=address,
            latitude=latitude,
            longitude=longitude,
            actor=user,
        )
    except (ApplicationError, NotFoundError) as error:
        raise Open311Error(400, error.message) from error
    case = result.case
    similar = duplicate_candidates_find(
        text=f"{case.subject} {case.description}",
        category_code=service.code,
        latitude=float(latitude) if latitude is not None else None,
        longitude=float(longitude) if longitude is not None else None,
        address=address,
        received_at=case.received_at,
        exclude_case_id=case.pk,
        limit=1,
    )
    notice = f"附近已有相同案件 {similar[0].number} 辦理中，將一併處理。" if similar else ""
    rows = [{"service_request_id": case.number, "service_notice": notice, "account_id": ""}]
    return render.document(rows, root="service_requests", fmt=fmt, status=201)


def _api_key_user(key: str) -> Any:
    """The API key is the REST API's token of an account allowed to register cases (see ADR 0011)."""
    if not key:
        raise Open311Error(403, "POST 需要 api_key。")
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not can_register_case(token.user):
        raise Open311Error(403, "api_key 無效或無登錄案件之權限。")
    return token.user


def _attribute_notes(service: Service, data: Any) -> list[str]:
    notes = []
    for attribute in service.attributes:
        values = [value.strip() for value in data.getlist(f"attribute[{attribute.code}]") if value.strip()]
        if not values:
            if attribute.required:
                raise Open311Error(400, f"請提供 attribute[{attribute.code}]（{attribute.description}）。")
            continue
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            names = dict(attribute.values)
            unknown = [value for value in values if value not in names]
            if unknown or (attribute.datatype == "singlevaluelist" and len(values) > 1):
                raise Open311Error(
                    400, f"attribute[{attribute.code}] 的值「{'、'.join(values)}」不在選項內。"
                )
            values = [names[value] for value in values]
        notes.append(f"{attribute.description.rstrip('？?')}：{'、'.join(value[:100] for value in values)}")
    return notes


def _district(address: str) -> Agency | None:
    name = place_parse(address).district
    if not name:
        return None
    return Agency.objects.filter(Q(name__endswith=f"{name}公所"), kind=Agency.Kind.DISTRICT_OFFICE).first()


def _service(code: str, *, status: int = 404) -> Service:
    service = next((service for service in _services() if service.code == code), None)
    if service is None:
        raise Open311Error(status, f"service_code「{code}」不是本市的公開服務。")
    return service


def _list(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _int(value: str, *, name: str, default: int) -> int:
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise Open311Error(400, f"{name} 須為整數。") from error


def _coordinate(value: str, name: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation as error:
        raise Open311Error(400, f"{name} 須為數字（十進位度數）。") from error
    if not number.is_finite():
        raise Open311Error(400, f"{name} 須為數字（十進位度數）。")
    return number.quantize(Decimal("0.000001"))


def _date_range(start_text: str, end_text: str) -> tuple[datetime, datetime]:
    """The standard's range: both optional, at most 90 days; without either, the last 90 days."""
    start, end = _w3c(start_text, "start_date"), _w3c(end_text, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date 早於 start_date。")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date 至 end_date 不得超過 90 日。")
    return start, end


def _w3c(value: str, name: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError as error:
        raise Open311Error(400, f"{name} 須為 W3C 日期時間，例如 2026-01-01T00:00:00+08:00。") from error
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
