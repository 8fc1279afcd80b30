"""The places operations of the API and the errors each must document
(read by core/tests/test_api_openapi.py)."""

EXPECTED: dict = {
    ("get", "/api/v1/places"): {400},
    ("get", "/api/v1/places/{place_id}"): {404},
    ("post", "/api/v1/places"): {400},
    ("patch", "/api/v1/places/{place_id}"): {400, 404, 409},
    ("post", "/api/v1/places/{place_id}/special-days"): {400, 404},
    ("post", "/api/v1/places/{place_id}/uses"): {400, 404},
}
# The stations map is for everyone, riders without an account included.
PUBLIC: set = {("get", "/api/v1/places"), ("get", "/api/v1/places/{place_id}")}
