"""Open311 GeoReport v2: JSON and XML, the standard's filters and errors, POST with an API key, and
what must never be reachable (non-public categories, confidential petitions, transferred cases,
personal data in descriptions)."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from yankao.cases.kinds import TransferPayload, case_kind_receivers
from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_accept, case_intake, case_reply, case_transfer_kind
from yankao.core.services.users import user_token_rotate

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
BASE = "/open311/v2"
PUBLIC = {
    "road_pothole",
    "street_light",
    "traffic_signal",
    "illegal_parking",
    "illegal_dumping",
    "drainage",
    "park_tree",
}


def file(
    *,
    category: str = "road_pothole",
    description: str = "建國二路120號前有一個大坑洞。",
    location: str = "三民區建國二路120號",
    at: datetime | None = None,
    confidential: bool = False,
    name: str = "王小明",
) -> Case:
    return case_intake(
        kind="petition",
        channel="web",
        category=Category.objects.get(code=category),
        subject="坑洞",
        description=description,
        location_text=location,
        latitude=Decimal("22.639000"),
        longitude=Decimal("120.302000"),
        petitioner=Petitioner(name=name, phone="0912-345-678", confidential=confidential),
        received_at=at,
    ).case


def xml(response: Any) -> ElementTree.Element:
    return ElementTree.fromstring(response.content)


@pytest.fixture
def bullying_receiver() -> Iterator[None]:
    def receive(payload: TransferPayload) -> str:
        return "B-0001"

    case_kind_receivers.register("test_bullying", receive)
    yield
    case_kind_receivers._entries.pop("test_bullying")


def test_services_list_only_the_public_categories_in_json_and_xml(client: Client, seeded: None) -> None:
    rows = client.get(f"{BASE}/services.json").json()
    assert {row["service_code"] for row in rows} == PUBLIC
    pothole = next(row for row in rows if row["service_code"] == "road_pothole")
    assert pothole["service_name"] == "道路坑洞"
    assert pothole["metadata"] is True
    assert pothole["type"] == "realtime"
    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = xml(response)
    assert root.tag == "services"
    assert {service.findtext("service_code") for service in root.findall("service")} == PUBLIC


def test_a_service_definition_lists_its_attributes(client: Client, seeded: None) -> None:
    data = client.get(f"{BASE}/services/street_light.json").json()
    assert data["service_code"] == "street_light"
    problem = next(attribute for attribute in data["attributes"] if attribute["code"] == "problem")
    assert problem["required"] is True
    assert problem["datatype"] == "singlevaluelist"
    assert {"key": "off", "name": "不亮"} in problem["values"]
    root = xml(client.get(f"{BASE}/services/street_light.xml"))
    assert root.tag == "service_definition"
    keys = [value.findtext("key") for value in root.iter("value")]
    assert "flicker" in keys


def test_errors_use_the_standards_format(client: Client, seeded: None) -> None:
    response = client.get(f"{BASE}/services/noise.json")  # a category that is not public
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    response = client.get(f"{BASE}/requests.xml", {"status": "pending"})
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "errors"
    assert root.find("error/code").text == "400"
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    too_long = {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"}
    assert "90" in client.get(f"{BASE}/requests.json", too_long).json()[0]["description"]
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "379000000A"}).status_code == 404
    assert client.get(f"{BASE}/requests.json", {"service_code": "noise"}).status_code == 400
    assert client.get(f"{BASE}/requests.csv").json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests.json", {"page_size": "5000"}).status_code == 400
    assert client.get(f"{BASE}/requests/P0000000-00000.json").status_code == 404


def test_requests_show_public_cases_without_personal_data(client: Client, seeded: None) -> None:
    case = file(description="我是王小明，電話0912-345-678，建國二路120號前坑洞，身分證 E123456789。")
    data = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "397000000A"}).json()
    assert [row["service_request_id"] for row in data] == [case.number]
    row = data[0]
    assert row["status"] == "open"
    assert row["service_code"] == "road_pothole"
    assert row["lat"] == pytest.approx(22.639)
    assert row["long"] == pytest.approx(120.302)
    assert "王小明" not in row["description"]
    assert "0912" not in row["description"]
    assert "E123456789" not in row["description"]
    assert "坑洞" in row["description"]
    assert "王小明" not in client.get(f"{BASE}/requests.xml").content.decode()
    # Public and the same for every client: cacheable for a short while.
    assert "public" in client.get(f"{BASE}/requests.json")["Cache-Control"]


def test_nothing_of_a_non_public_confidential_or_transferred_case_is_reachable(
    client: Client, seeded: None, officer: Any, bullying_receiver: None
) -> None:
    noise = file(category="noise", description="樓下酒吧太吵")
    secret = file(confidential=True)
    moved = file()
    case_transfer_kind(case=moved, to_kind="test_bullying", user=officer)
    visible = file()
    listed = client.get(f"{BASE}/requests.json").json()
    assert [row["service_request_id"] for row in listed] == [visible.number]
    for hidden in (noise, secret, moved):
        assert client.get(f"{BASE}/requests/{hidden.number}.json").status_code == 404
        by_id = client.get(f"{BASE}/requests.json", {"service_request_id": hidden.number}).json()
        assert by_id == []
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert {row["service_request_id"] for row in updates} <= {visible.number}


def test_the_standards_filters(client: Client, seeded: None, officer: Any) -> None:
    now = timezone.now()
    old = file(at=now - timedelta(days=40))
    light = file(category="street_light", description="路燈不亮")
    closed = file(description="中華路坑洞")
    closed = case_reply(case=case_accept(case=closed, user=officer), user=officer, reply="已修補。")

    def numbers(**params: str) -> list[str]:
        return [row["service_request_id"] for row in client.get(f"{BASE}/requests.json", params).json()]

    assert numbers(service_code="street_light") == [light.number]
    assert numbers(status="closed") == [closed.number]
    assert set(numbers(status="open")) == {old.number, light.number}
    recent = (now - timedelta(days=7)).isoformat()
    assert old.number not in numbers(start_date=recent)
    window = {
        "start_date": (now - timedelta(days=50)).isoformat(),
        "end_date": (now - timedelta(days=30)).isoformat(),
    }
    assert numbers(**window) == [old.number]
    # service_request_id overrides the other filters, comma separated.
    assert set(numbers(service_request_id=f"{old.number},{light.number}", status="closed")) == {
        old.number,
        light.number,
    }
    detail = client.get(f"{BASE}/requests/{closed.number}.xml")
    request = xml(detail).find("request")
    assert request is not None
    assert request.findtext("status") == "closed"
    assert request.findtext("status_notes") == "已答復"
    updates = client.get(f"{BASE}/servicerequestupdates.json", {"service_request_id": closed.number}).json()
    assert updates
    assert updates[0]["status"] == "closed"


def test_post_needs_a_valid_api_key(client: Client, seeded: None, auditor: Any) -> None:
    form = {"service_code": "road_pothole", "lat": "22.639", "long": "120.302", "description": "坑洞"}
    response = client.post(f"{BASE}/requests.json", form)
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    auditor_key = user_token_rotate(user=auditor)  # staff, but not allowed to register cases
    assert client.post(f"{BASE}/requests.json", {**form, "api_key": auditor_key}).status_code == 403
    assert client.post(f"{BASE}/requests.json", {**form, "api_key": "nope"}).status_code == 403
    assert not Case.objects.exists()


def test_post_registers_a_request_and_answers_its_public_number(
    client: Client, seeded: None, operator: Any
) -> None:
    key = user_token_rotate(user=operator)
    form = {
        "api_key": key,
        "service_code": "street_light",
        "address_string": "苓雅區光華一路50號",
        "description": "公車站旁路燈不亮",
        "first_name": "小美",
        "last_name": "林",
        "phone": "0912-000-111",
        "attribute[problem]": "off",
        "attribute[pole_number]": "A12345",
    }
    response = client.post(f"{BASE}/requests.json", form)
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert (case.channel, case.category.code, case.location_text) == (
        "api",
        "street_light",
        "苓雅區光華一路50號",
    )
    assert "不亮" in case.description
    assert "A12345" in case.description
    assert case.district is not None
    assert case.district.name.endswith("苓雅區公所")
    assert case.petitioner_name_masked == "林○美"
    shown = client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert shown["service_request_id"] == number
    assert "0912" not in shown["description"]

    again = client.post(f"{BASE}/requests.xml", {**form, "description": "光華一路公車站路燈熄滅"})
    assert again.status_code == 201
    request = xml(again).find("request")
    assert request is not None
    assert number in (request.findtext("service_notice") or "")  # the duplicate is pointed out


def test_post_errors_change_nothing(client: Client, seeded: None, operator: Any) -> None:
    key = user_token_rotate(user=operator)
    base = {"api_key": key, "service_code": "street_light", "address_string": "苓雅區光華一路50號"}
    cases = [
        ({**base, "attribute[problem]": ""}, "attribute[problem]"),  # required attribute missing
        ({**base, "attribute[problem]": "exploded"}, "選項"),
        ({"api_key": key, "service_code": "street_light", "attribute[problem]": "off"}, "地點"),
        ({**base, "service_code": "noise", "attribute[problem]": "off"}, "noise"),
        ({**base, "attribute[problem]": "off", "lat": "35.0", "long": "139.0"}, "臺灣"),
        ({**base, "attribute[problem]": "off", "lat": "abc", "long": "120.3"}, "lat"),
    ]
    for form, words in cases:
        response = client.post(f"{BASE}/requests.json", form)
        assert response.status_code == 400, form
        assert words in response.json()[0]["description"]
    assert not Case.objects.exists()


def test_discovery_names_the_endpoint_and_formats(client: Client, seeded: None) -> None:
    data = client.get(f"{BASE}/discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    assert "text/xml" in endpoint["formats"]
    assert xml(client.get(f"{BASE}/discovery.xml")).tag == "discovery"


# --- an Open311 client library from PyPI, unchanged, against a live server -----------------------


@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_reads_services_and_requests(live_server: Any, seeded: None) -> None:
    from georeport import GeoReport

    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=TAIPEI), tick=True):
        case = file(description="民族一路坑洞，聯絡電話 0912-345-678")
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2/", jurisdiction="397000000A", output_format=fmt)
        services = client.get_service_list()
        assert {service["service_code"] for service in services} == PUBLIC
        definition = client.get_service_definition("road_pothole")
        assert definition["service_code"] == "road_pothole"
        requests = client.get_service_requests(
            start_date="2026-11-01T00:00:00+08:00", end_date="2026-11-27T00:00:00+08:00"
        )
        listed = requests if isinstance(requests, list) else [requests]
        assert [row["service_request_id"] for row in listed] == [case.number]
        one = client.get_service_request(case.number)
        assert one["service_request_id"] == case.number
        assert "0912" not in one["description"]


def test_the_petitioners_name_is_taken_out_wherever_it_was_written(client: Client, seeded: None) -> None:
    file(description="林美玲反映：建國二路120號前坑洞，林美玲敬上", name="林美玲")
    row = client.get(f"{BASE}/requests.json").json()[0]
    assert "林美玲" not in row["description"]
    assert "坑洞" in row["description"]
