"""An independent client (the `georeport` package from PyPI) reads our endpoint over HTTP."""

import urllib.parse
import urllib.request

import pytest
from django.core.cache import cache

from appeals.models import Appeal
from integrations.open311.testing import build_open311_world
from testing.loop import act

georeport = pytest.importorskip("georeport")

pytestmark = pytest.mark.django_db(transaction=True)


def test_georeport_client_against_live_server(live_server):
    cache.clear()
    o3 = build_open311_world()
    body = urllib.parse.urlencode(o3.post_data()).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{live_server.url}/open311/v2/requests.json", data=body)) as r:
        assert r.status == 201
    appeal = Appeal.objects.get()
    act(appeal, "reject", o3.world.users["grid_worker"], note="已由物业处理")

    for fmt in ("json", "xml"):
        client = georeport.GeoReport(f"{live_server.url}/open311/v2", jurisdiction=o3.jurisdiction.jurisdiction_id,
                                     output_format=fmt)
        services = client.get_service_list()
        services = services if isinstance(services, list) else [services]
        assert "streetlight" in [s["service_code"] for s in services]
        definition = client.get_service_definition("streetlight")
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert [a["code"] for a in attributes] == ["pole", "lamp"]
        found = client.get_service_requests(service_request_id=appeal.number)
        found = found[0] if isinstance(found, list) else found
        assert found["service_request_id"] == appeal.number and found["status"] == "closed"
        single = client.get_service_request(appeal.number)
        assert single["status_notes"] == "已由物业处理" and single["service_code"] == "streetlight"
