"""The published OpenAPI document tells clients every error they can get,
and the docs page works without any CDN."""

import importlib
import re

import pytest

pytestmark = pytest.mark.django_db

API = "/api/v1"
ERROR_REF = "#/components/schemas/ErrorOut"

# Error statuses each operation must document beyond 401/403/500 (which every authenticated one has).
EXPECTED = {
    ("get", "/api/v1/me"): set(),
    ("get", "/api/v1/tokens"): set(),
    ("post", "/api/v1/tokens"): {400},
    ("delete", "/api/v1/tokens/{token_id}"): {404},
    ("get", "/api/v1/notifications"): {400},
    ("post", "/api/v1/notifications/{notification_id}/read"): {404},
    ("get", "/api/v1/regions"): {400},
    ("get", "/api/v1/regions/{code}"): {404},
    ("get", "/api/v1/locate"): {400},
    ("get", "/api/v1/categories"): set(),
    ("get", "/api/v1/units"): set(),
    ("get", "/api/v1/appeals"): {400},
    ("post", "/api/v1/appeals"): {400},
    ("post", "/api/v1/appeals/with-photos"): {400},
    ("get", "/api/v1/appeals/{appeal_id}"): {404},
    ("post", "/api/v1/appeals/{appeal_id}/actions/{action}"): {400, 404, 409},
    ("post", "/api/v1/appeals/{appeal_id}/actions/{action}/with-photos"): {400, 404, 409},
    ("post", "/api/v1/appeals/{appeal_id}/supervise"): {400, 404, 409},
    ("get", "/api/v1/appeals/{appeal_id}/attachments/{attachment_id}"): {404},
    ("get", "/api/v1/tasks"): set(),
    # services: 三单制 orders, wishes, errands
    ("get", "/api/v1/skills"): set(),
    ("get", "/api/v1/orders"): {400},
    ("post", "/api/v1/orders"): {400},
    ("post", "/api/v1/orders/with-photos"): {400},
    ("get", "/api/v1/orders/{order_id}"): {404},
    ("post", "/api/v1/orders/{order_id}/actions/{action}"): {400, 404, 409},
    ("post", "/api/v1/orders/{order_id}/actions/{action}/with-photos"): {400, 404, 409},
    ("post", "/api/v1/orders/{order_id}/items/{item_id}"): {400, 404},
    ("get", "/api/v1/orders/{order_id}/suggestions"): {404},
    ("get", "/api/v1/orders/{order_id}/photos/{photo_id}"): {404},
    ("get", "/api/v1/providers/me"): {404},
    ("put", "/api/v1/providers/me"): {400},
    ("get", "/api/v1/wishes"): {400},
    # points: ledger, 爱心超市
    ("get", "/api/v1/points/me"): set(),
    ("get", "/api/v1/points/me/entries"): {400},
    ("get", "/api/v1/points/people"): {400},
    ("get", "/api/v1/points/people/{user_id}"): {404},
    ("get", "/api/v1/points/people/{user_id}/entries"): {400, 404},
    ("post", "/api/v1/points/adjustments"): {400, 404, 409},
    ("post", "/api/v1/points/entries/{entry_id}/reverse"): {400, 404, 409},
    ("get", "/api/v1/rewards"): {400, 404},
    ("get", "/api/v1/redemptions"): {400},
    ("post", "/api/v1/redemptions"): {400, 404, 409},
    ("post", "/api/v1/redemptions/{redemption_id}/cancel"): {400, 404, 409},
    ("get", "/api/v1/points/rules/{region_id}"): {404},
    ("put", "/api/v1/points/rules/{region_id}"): {400, 404},
    # volunteering
    ("get", "/api/v1/teams"): {400},
    ("post", "/api/v1/teams/{team_id}/join"): {400, 404, 409},
    ("get", "/api/v1/activities"): {400},
    ("post", "/api/v1/activities"): {400},
    ("get", "/api/v1/activities/{activity_id}"): {404},
    ("post", "/api/v1/activities/{activity_id}/cancel"): {400, 404, 409},
    ("post", "/api/v1/activities/{activity_id}/finish"): {400, 404, 409},
    ("post", "/api/v1/activities/{activity_id}/signup"): {400, 404, 409},
    ("delete", "/api/v1/activities/{activity_id}/signup"): {400, 404, 409},
    ("post", "/api/v1/checkin"): {400, 404, 409},
    ("get", "/api/v1/me/hours"): set(),
    ("post", "/api/v1/me/certificates"): {400},
    ("get", "/api/v1/certificates/{code}"): {404, 429},
    # party: 双报到, projects, evaluations
    ("get", "/api/v1/dual-reports"): {400},
    ("post", "/api/v1/dual-reports"): {400, 404, 409},
    ("post", "/api/v1/dual-reports/{report_id}/end"): {400, 404, 409},
    ("get", "/api/v1/quarter-report"): {400, 404},
    ("get", "/api/v1/me/dual-record"): {404},
    ("get", "/api/v1/projects"): {400},
    ("post", "/api/v1/projects"): {400, 404, 409},
    ("post", "/api/v1/projects/{project_id}/updates"): {400, 404, 409},
    ("get", "/api/v1/evaluations"): {400},
    ("post", "/api/v1/evaluations"): {400, 404},
    ("get", "/api/v1/evaluations/{evaluation_id}/nominations"): {404},
    ("post", "/api/v1/evaluations/{evaluation_id}/nominations"): {400, 404, 409},
    ("post", "/api/v1/nominations/{nomination_id}/review"): {400, 404, 409},
    ("post", "/api/v1/nominations/{nomination_id}/votes"): {400, 404, 409},
    ("post", "/api/v1/evaluations/{evaluation_id}/open-voting"): {400, 404, 409},
    ("post", "/api/v1/evaluations/{evaluation_id}/close"): {400, 404, 409},
}
# Open to anyone on purpose: the public wish wall and certificate checks.
PUBLIC = {("get", "/api/v1/certificates/{code}"), ("get", "/api/v1/wishes")}

# Newer apps keep their part of the table next to their own tests.
for _app in ("deliberation", "mediation", "visits", "places", "intelligence"):
    _contract = importlib.import_module(f"{_app}.tests.api_contract")
    EXPECTED.update(_contract.EXPECTED)
    PUBLIC |= _contract.PUBLIC


@pytest.fixture
def schema(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_every_operation_is_known_to_this_test(schema):
    assert {(m, p) for m, p, _ in operations(schema)} == set(EXPECTED)


def test_every_operation_documents_its_errors_with_the_error_schema(schema):
    for method, path, operation in operations(schema):
        documented = {int(code) for code in operation["responses"]}
        errors = {code for code in documented if code >= 400}
        where = f"{method.upper()} {path}"
        if (method, path) in PUBLIC:
            assert not operation.get("security") and 500 in errors, f"{where} is public"
        else:
            assert operation.get("security"), f"{where} must require authentication"
            assert {401, 403, 500} <= errors, where
        assert EXPECTED[(method, path)] <= errors, where
        if "{" in path:
            assert 404 in errors, f"{where} takes an id, so it can miss"
        if operation.get("parameters") and any(p["in"] == "query" for p in operation["parameters"]) \
                or "requestBody" in operation:
            assert 400 in errors, f"{where} takes input, so it can be invalid"
        for code in errors:
            content = operation["responses"][str(code)]["content"]["application/json"]["schema"]
            assert content == {"$ref": ERROR_REF}, (where, code)
            assert operation["responses"][str(code)]["description"] not in ("", "Unknown Status Code"), (where, code)
        success = documented - errors
        assert len(success) == 1, where


def test_error_schema_is_code_and_message(schema):
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message"} and set(error["required"]) == {"code", "message"}


def test_both_ways_of_authenticating_are_described(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["type"] == "apiKey" and schemes["SessionAuth"]["in"] == "cookie"
    tokens = schema["paths"]["/api/v1/tokens"]["post"]
    assert tokens["security"] == [{"SessionAuth": []}]


def test_docs_page_uses_only_local_assets(client):
    response = client.get(API + "/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "<script>" not in html  # CSP forbids inline script; settings come as application/json
