"""The mediation operations of the API and the errors each must document
(read by core/tests/test_api_openapi.py)."""

_D = "/api/v1/disputes/{dispute_id}"

EXPECTED: dict = {
    ("get", "/api/v1/disputes"): {400},
    ("post", "/api/v1/disputes"): {400},
    ("get", _D): {404},
    ("post", _D + "/actions/{action}"): {400, 404, 409},
    ("post", _D + "/signed-copy"): {400, 404, 409},
    ("get", _D + "/sessions"): {404},
    ("post", _D + "/sessions"): {400, 404, 409},
    ("post", _D + "/follow-ups"): {400, 404, 409},
    ("post", _D + "/mediators"): {400, 404, 409},
    ("post", _D + "/risk"): {400, 404, 409},
    ("get", _D + "/agreements/{agreement_id}/document"): {400, 404},
}
PUBLIC: set = set()
