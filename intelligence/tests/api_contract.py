"""The intelligence operations of the API and the errors each must document
(read by core/tests/test_api_openapi.py)."""

EXPECTED: dict = {
    ("get", "/api/v1/intelligence/appeals/{appeal_id}/answer-checks"): {404},
    ("post", "/api/v1/intelligence/suggest"): {400},
    ("get", "/api/v1/intelligence/models"): set(),
    ("get", "/api/v1/intelligence/models/current"): {404},
    ("post", "/api/v1/intelligence/models/rollback"): {400, 409},
    ("get", "/api/v1/intelligence/appeals/{appeal_id}/duplicates"): {404},
    ("post", "/api/v1/intelligence/appeals/{appeal_id}/support"): {400, 404, 409},
}
PUBLIC: set = set()
