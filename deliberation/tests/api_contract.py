"""The deliberation operations of the API and the errors each must document
(read by core/tests/test_api_openapi.py)."""

_P = "/api/v1/deliberation"
EXPECTED: dict = {
    ("get", f"{_P}/matters"): {400},
    ("post", f"{_P}/matters"): {400},
    ("get", f"{_P}/matters/{{matter_id}}"): {404},
    ("post", f"{_P}/matters/{{matter_id}}/actions/{{action}}"): {400, 404, 409},
    ("post", f"{_P}/matters/{{matter_id}}/cosign"): {400, 404, 409},
    ("post", f"{_P}/matters/{{matter_id}}/ratings"): {400, 404, 409},
    ("post", f"{_P}/matters/{{matter_id}}/checks"): {400, 404, 409},
    ("post", f"{_P}/matters/{{matter_id}}/tasks"): {400, 404, 409},
    ("get", f"{_P}/tasks"): {400},
    ("post", f"{_P}/tasks/{{task_id}}/actions/{{action}}"): {400, 404, 409},
    ("post", f"{_P}/tasks/{{task_id}}/whistle"): {400, 404, 409},
    ("get", f"{_P}/meetings"): {400},
    ("post", f"{_P}/meetings"): {400},
    ("get", f"{_P}/meetings/{{meeting_id}}"): {404},
    ("post", f"{_P}/meetings/{{meeting_id}}/actions/{{action}}"): {400, 404, 409},
    ("post", f"{_P}/meetings/{{meeting_id}}/agenda"): {400, 404, 409},
    ("post", f"{_P}/meetings/{{meeting_id}}/invitations"): {400, 404, 409},
    ("post", f"{_P}/meetings/{{meeting_id}}/decisions"): {400, 404, 409},
}
PUBLIC: set = set()
