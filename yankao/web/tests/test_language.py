import pytest


@pytest.mark.django_db
def test_pages_are_in_chinese_even_for_an_english_browser(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "zh-hant"
    assert "服務" in response.content.decode()


@pytest.mark.django_db
def test_the_switch_turns_pages_to_english_and_back(client):
    # when the visitor picks English with the switch
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    # then pages are in English
    assert client.get("/")["Content-Language"] == "en"
    # and back
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"})
    assert client.get("/")["Content-Language"] == "zh-hant"


@pytest.mark.django_db
def test_api_clients_get_the_language_they_ask_for(client):
    response = client.get("/api/v1/calendar/working-days?from=bad", headers={"Accept-Language": "en"})
    assert response["Content-Language"] == "en"
