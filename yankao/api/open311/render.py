"""GeoReport v2 documents in JSON and XML, and the standard's error list.

The XML follows the element names of the specification (services/service, service_requests/request,
service_definition/attributes/attribute/values/value, discovery/endpoints/endpoint,
service_request_updates/request_update, errors/error), so clients that read either format work.
"""

import json
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The XML element of each list item, by the list's root element.
ITEM_ELEMENTS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def document(data: Any, *, root: str, fmt: str, status: int = 200) -> HttpResponse:
    """`data` (a list for list documents, a dict otherwise) as JSON, or as XML under `root`."""
    if fmt == "xml":
        element = ElementTree.Element(root)
        _fill(element, data, root)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="utf-8")
        body = body.replace(b"<?xml version='1.0' encoding='utf-8'?>\n", b"")
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(*messages: tuple[int, str], fmt: str) -> HttpResponse:
    """The standard's error format: a list of {code, description}; the HTTP status is the first code."""
    rows = [{"code": code, "description": description} for code, description in messages]
    return document(rows, root="errors", fmt=fmt if fmt in CONTENT_TYPES else "json", status=messages[0][0])


def _fill(element: ElementTree.Element, data: Any, name: str) -> None:
    if isinstance(data, list):
        item_name = ITEM_ELEMENTS.get(name, "item")
        for item in data:
            child = ElementTree.SubElement(element, item_name)
            _fill(child, item, item_name)
    elif isinstance(data, dict):
        for key, value in data.items():
            child = ElementTree.SubElement(element, key)
            _fill(child, value, key)
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    elif data is None:
        element.text = ""
    else:
        element.text = str(data)
