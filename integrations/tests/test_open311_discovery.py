"""Discovery, services and service definitions, in both formats, shaped like the spec's examples."""

import json
from xml.etree import ElementTree as ET

import pytest

from appeals.models import Category
from integrations.models import Open311Jurisdiction
from integrations.open311.testing import build_open311_world
from testing.factories import CategoryFactory, RegionFactory

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


@pytest.fixture
def o3():
    return build_open311_world()


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def test_discovery_json_and_xml(client, o3):
    r = client.get("/open311/v2/discovery.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    doc = r.json()
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert doc["changeset"].endswith("+08:00")
    root = xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/type") == "production"


def test_services_list_matches_spec_shape(client, o3):
    CategoryFactory(code="lonely", name="独立类别")  # a leaf without parent: empty group
    services = client.get("/open311/v2/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    light = by_code["streetlight"]
    assert set(light) == SERVICE_FIELDS
    assert light == {"service_code": "streetlight", "service_name": "路灯", "description": "路灯 · 市政设施",
                     "metadata": True, "type": "realtime", "keywords": "路灯, 市政设施", "group": "市政设施"}
    assert by_code["lonely"]["metadata"] is False and by_code["lonely"]["group"] == ""
    assert "municipal" not in by_code  # a parent is a group, not a service one can file under
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    node = next(s for s in root.findall("service") if s.findtext("service_code") == "streetlight")
    assert {c.tag for c in node} == SERVICE_FIELDS
    assert node.findtext("metadata") == "true" and node.findtext("type") == "realtime"


def test_inactive_category_is_not_offered(client, o3):
    Category.objects.filter(code="streetlight").update(is_active=False)
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    assert "streetlight" not in codes
    assert client.get("/open311/v2/services/streetlight.json").status_code == 404


def test_batch_jurisdiction_says_batch(client):
    build_open311_world(service_type=Open311Jurisdiction.ServiceType.BATCH)
    light = next(s for s in client.get("/open311/v2/services.json").json() if s["service_code"] == "streetlight")
    assert light["type"] == "batch"


def test_service_definition_json_and_xml(client, o3):
    doc = client.get("/open311/v2/services/streetlight.json").json()
    assert doc["service_code"] == "streetlight"
    pole, lamp = doc["attributes"]
    assert pole == {"variable": True, "code": "pole", "datatype": "string", "required": True,
                    "datatype_description": None, "order": 1, "description": "路灯杆编号"}
    assert lamp["datatype"] == "singlevaluelist" and lamp["values"] == [{"key": "led", "name": "LED"},
                                                                        {"key": "sodium", "name": "钠灯"}]
    root = xml(client.get("/open311/v2/services/streetlight.xml"))
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["pole", "lamp"]
    assert [v.findtext("key") for v in root.findall("attributes/attribute/values/value")] == ["led", "sodium"]
    assert root.findtext("attributes/attribute/required") == "true"


def test_unknown_service_is_404_in_the_spec_error_shape(client, o3):
    r = client.get("/open311/v2/services/nope.json")
    assert r.status_code == 404
    [error] = r.json()
    assert error["code"] == 404 and "nope" in error["description"]
    root = xml(client.get("/open311/v2/services/nope.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_jurisdiction_handling(client, o3):
    ok = client.get("/open311/v2/services.json", {"jurisdiction_id": o3.jurisdiction.jurisdiction_id})
    assert ok.status_code == 200
    unknown = client.get("/open311/v2/services.json", {"jurisdiction_id": "nowhere.gov"})
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    other = RegionFactory(code="150302005", name="另一街道", level="street")
    Open311Jurisdiction.objects.create(jurisdiction_id="other.street", street=other)
    missing = client.get("/open311/v2/services.json")  # two served now: the id is required
    assert missing.status_code == 400 and missing.json()[0]["code"] == 400
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "other.street"}).status_code == 200
    Open311Jurisdiction.objects.filter(jurisdiction_id="other.street").update(is_active=False)
    assert client.get("/open311/v2/services.json").status_code == 200


def test_nothing_configured_is_a_clear_404(client, db):
    r = client.get("/open311/v2/services.xml")
    assert r.status_code == 404
    assert ET.fromstring(r.content).findtext("error/description")


def test_unknown_format_and_method(client, o3):
    r = client.get("/open311/v2/services.csv")
    assert r.status_code == 404 and ET.fromstring(r.content).tag == "errors"
    r = client.post("/open311/v2/services.json")
    assert r.status_code == 405 and r.json()[0]["code"] == 405


def test_english_names_when_asked(client, o3):
    Category.objects.filter(code="streetlight").update(name_en="Streetlight")
    client.cookies["django_language"] = "en"
    light = next(s for s in client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
                 if s["service_code"] == "streetlight")
    assert light["service_name"] == "Streetlight"
    assert json.loads(client.get("/open311/v2/services/nope.json", HTTP_ACCEPT_LANGUAGE="en").content)[0]["code"] == 404
