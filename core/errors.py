"""One application error type. Views show `message` to the user; the API
returns `{"code", "message"}` with `status`. Messages are translatable and
default to Chinese."""

from django.utils.translation import gettext_lazy as _


class LinliError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, code: str | None = None, details: dict | None = None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.message)


class ValidationFailed(LinliError):
    code = "invalid"
    status = 400
    default_message = _("The data you entered is not valid.")


class NotAllowed(LinliError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(LinliError):
    code = "not_found"
    status = 404
    default_message = _("Not found, or you cannot see it.")


class Conflict(LinliError):
    """Somebody else changed the record first: the loser of a race gets this."""

    code = "conflict"
    status = 409
    default_message = _("Someone else has just acted on this record. Reload it and try again.")


class InvalidTransition(LinliError):
    code = "invalid_transition"
    status = 409
    default_message = _("This action is not possible in the record's current state.")
