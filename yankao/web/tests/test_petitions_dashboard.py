"""The console's petition dashboard: who sees what, the period filter in ROC or ISO dates, charts drawn in the page."""

import re
from datetime import date

import pytest

from yankao.servicedesk.tests.test_selectors import (  # noqa: F401 - the fixture
    file,
    replied,
    survey_switch,
    surveyed,
    taipei,
)

pytestmark = pytest.mark.django_db

URL = "/console/petitions/dashboard/"
YEAR_2023 = {"date_from": "112/01/01", "date_to": "2023-12-31", "as_of": "113/03/31"}


@pytest.fixture
def petitions(db, seeded):
    """Two petitions for 工務局 in 2023, one letter to the mayor."""
    file(at=taipei(2023, 3, 6, 9))
    file(at=taipei(2023, 7, 3, 9), channel="mayors_mailbox")


def test_rdec_staff_see_the_city_with_svg_charts_and_their_data_tables(client, rdec_staff, petitions):
    client.force_login(rdec_staff)
    response = client.get(URL, YEAR_2023)
    html = response.content.decode()
    assert response.status_code == 200
    assert "全市各機關" in html
    assert re.search(r"民眾陳情</span>\s*<span class=\"figure-card__value\">2<", html)
    # every chart is inline SVG with an accessible name, followed by a table of the same numbers
    assert html.count("<svg") == html.count("資料表</caption>") >= 4
    assert 'role="img" aria-label="每月陳情件數（單位：件）"' in html
    assert "<script" not in html.split("<main", 1)[1]
    assert " style=" not in html


def test_an_officer_sees_the_agency_and_another_agency_sees_none_of_it(
    client, officer, officer_of_other_agency, petitions
):
    client.force_login(officer)
    html = client.get(URL, YEAR_2023).content.decode()
    assert "高雄市政府工務局及所屬機關" in html
    assert 'figure-card__value">2<' in html
    client.force_login(officer_of_other_agency)
    html = client.get(URL, YEAR_2023).content.decode()
    assert "環境保護局" in html
    assert 'figure-card__value">0<' in html
    assert "統計期間內無陳情案件" in html


@pytest.mark.parametrize("persona", ["operator", "investigator", "citizen"])
def test_others_are_refused(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_a_bad_date_says_what_is_wrong_and_shows_no_figures(client, rdec_staff):
    client.force_login(rdec_staff)
    response = client.get(URL, {"date_from": "113/13/45"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "113/13/45" in html
    assert "figure-card" not in html
    response = client.get(URL, {"date_from": "113/03/01", "date_to": "113/01/01"})
    assert "晚於" in response.content.decode()


def test_the_console_navigation_links_the_dashboard_for_those_who_may_see_it(client, liaison, operator):
    client.force_login(liaison)
    assert f'href="{URL}"' in client.get("/console/").content.decode()
    client.force_login(operator)
    assert f'href="{URL}"' not in client.get("/console/").content.decode()


@pytest.mark.usefixtures("surveyed")
def test_the_survey_block_shows_the_response_rate_both_averages_and_two_charts(client, rdec_staff):
    client.force_login(rdec_staff)
    html = client.get(URL, YEAR_2023).content.decode()
    block = html.split(">滿意度調查</h2>", 1)[1].split("</section>", 1)[0]
    # the response rate with its counts, as of 113/03/31 (the January answer is in)
    assert "回覆率80%（已寄5件，回覆4件）" in block
    assert re.search(r"回覆率</span>\s*<span class=\"figure-card__value\">80<", block)
    # the process and the outcome side by side, each its own card: 3.5 and 2.75 (one decimal shown)
    assert re.search(r"處理過程滿意度</span>\s*<span class=\"figure-card__value\">3.5<", block)
    assert re.search(r"處理結果滿意度</span>\s*<span class=\"figure-card__value\">2.8<", block)
    # two SVG charts, each with its data table
    assert block.count("<svg") == block.count("資料表</caption>") == 2
    assert 'aria-label="處理過程滿意度分布（單位：件）"' in block
    assert 'aria-label="處理結果滿意度分布（單位：件）"' in block
    assert "分別詢問處理過程與處理結果" in block


def test_the_survey_block_says_plainly_when_the_survey_was_off(client, rdec_staff, officer):
    survey_switch(on=False, effective_from=date(2023, 1, 1))
    replied(received=taipei(2023, 3, 6, 9), replied=taipei(2023, 3, 8, 15), user=officer)
    client.force_login(rdec_staff)
    html = client.get(URL, YEAR_2023).content.decode()
    block = html.split(">滿意度調查</h2>", 1)[1].split("</section>", 1)[0]
    assert "統計期間內未辦理滿意度調查" in block
    assert "<svg" not in block
