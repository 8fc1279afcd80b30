"""The mediation operations of the API and the errors each must document
(read by core/tests/test_api_openapi.py)."""

EXPECTED: dict = {}
PUBLIC: set = set()
