import re

from django.urls import URLPattern, URLResolver, get_resolver

# The schema document and its docs page describe the API; they are not operations of it.
NOT_OPERATIONS = {"/api/v1/openapi.json", "/api/v1/docs/"}


def _api_routes() -> set[str]:
    """Every route under /api/v1/, in OpenAPI's path syntax ({name} for a parameter)."""
    routes: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return {route for route in routes if route.startswith("/api/v1/")}


def test_openapi_document_is_public_openapi_3(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "Token" in str(document["components"]["securitySchemes"])


def test_every_api_route_appears_in_the_openapi_document(client, db):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    routes = _api_routes() - NOT_OPERATIONS
    assert routes, "no /api/v1/ routes found"
    missing = routes - paths
    assert not missing, f"routes missing from openapi.json: {sorted(missing)}"


def test_the_first_endpoints_are_documented(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/me", "/api/v1/agencies", "/api/v1/calendar/working-days"} <= set(paths)


def test_the_docs_page_is_served_without_cdn_and_without_inline_script(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
        assert "nonce=" in tag, tag
    assert "<style" not in html
    script = client.get("/api/v1/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_schema_generates_without_warnings_and_names_each_component_once(tmp_path, db):
    from django.core.management import call_command

    out = tmp_path / "openapi.json"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out)
    )
    import json

    schemas = json.loads(out.read_text())["components"]["schemas"]
    assert "Output" not in schemas
    assert {"Me", "Agency", "WorkingDays", "DayOff"} <= set(schemas)
