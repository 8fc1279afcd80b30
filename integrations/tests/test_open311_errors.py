"""Every endpoint's refusals, in both formats, as the spec's list of errors:
JSON `[{"code": 404, "description": "…"}]`, XML `<errors><error><code>404</code>
<description>…</description></error></errors>`, with the HTTP status the code
names (400 bad input, 403 no valid key, 404 nothing there)."""

import json
from xml.etree import ElementTree as ET

import pytest

from appeals.models import Appeal
from integrations.models import Open311Jurisdiction
from testing.factories import RegionFactory

from .test_open311_post import o3  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

V2 = "/open311/v2"


def errors_of(response, fmt) -> list[tuple[int, str]]:
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = json.loads(response.content)
        assert isinstance(body, list) and all(set(e) == {"code", "description"} for e in body)
        return [(e["code"], e["description"]) for e in body]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and [child.tag for child in root] == ["error"] * len(root)
    out = []
    for error in root:
        assert [c.tag for c in error] == ["code", "description"]
        out.append((int(error.findtext("code")), error.findtext("description")))
    return out


def second_jurisdiction():
    other = RegionFactory(code="150302005", name="另一街道", level="street")
    Open311Jurisdiction.objects.create(jurisdiction_id="other.street", street=other)


# (what, method, path without the format, data, set-up, status)
CASES = [
    ("unknown jurisdiction", "get", "/services", {"jurisdiction_id": "nowhere.gov"}, None, 404),
    ("jurisdiction needed", "get", "/services", {}, second_jurisdiction, 400),
    ("unknown service", "get", "/services/nope", {}, None, 404),
    ("service of an unknown jurisdiction", "get", "/services/streetlight", {"jurisdiction_id": "x"}, None, 404),
    ("unknown request", "get", "/requests/19990101000001", {}, None, 404),
    ("bad list filter", "get", "/requests", {"status": "pending"}, None, 400),
    ("range over 90 days", "get", "/requests", {"start_date": "2024-01-01", "end_date": "2024-06-01"}, None, 400),
    ("list without jurisdiction among several", "get", "/requests", {}, second_jurisdiction, 400),
    ("unknown token", "get", "/tokens/nope", {}, None, 404),
    ("post without a key", "post", "/requests", {"api_key": None}, None, 403),
    ("post with a wrong key", "post", "/requests", {"api_key": "o311_wrong"}, None, 403),
    ("post of an unknown service", "post", "/requests", {"service_code": "nope"}, None, 404),
    ("post without a place", "post", "/requests", {"lat": None, "long": None}, None, 400),
    ("post without a required attribute", "post", "/requests", {"attribute[pole]": None}, None, 400),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("what,method,path,data,setup,status", CASES, ids=[c[0] for c in CASES])
def test_each_refusal_is_the_spec_error_list(client, o3, fmt,  # noqa: F811
                                             what, method, path, data, setup, status):
    if setup:
        setup()
    url = f"{V2}{path}.{fmt}"
    if method == "post":
        response = client.post(url, o3.post_data(**data))
    else:
        response = client.get(url, data)
    assert response.status_code == status, response.content
    [(code, description)] = errors_of(response, fmt)
    assert code == status and description.strip()
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Appeal.objects.count() == 0  # nothing saved on a refusal
