"""The visits operations of the API and the errors each must document
(read by core/tests/test_api_openapi.py)."""

_V = "/api/v1/visits"

EXPECTED: dict = {
    ("get", _V + "/subjects"): {400},
    ("get", _V + "/subjects/{subject_id}"): {404},
    ("post", _V + "/subjects/{subject_id}/visits"): {400, 404, 409},
    ("get", _V + "/patrols/current"): {404},
    ("post", _V + "/patrols"): {400, 409},
    ("post", _V + "/patrols/{patrol_id}/end"): {400, 404, 409},
    ("post", _V + "/patrols/{patrol_id}/findings"): {400, 404, 409},
    ("post", _V + "/findings/{finding_id}/report"): {400, 404, 409},
    ("get", _V + "/campaigns"): set(),
    ("get", _V + "/campaigns/{campaign_id}"): {404},
    ("post", _V + "/campaigns/{campaign_id}/knocks/{knock_id}"): {400, 404, 409},
}
PUBLIC: set = set()
