"""The code on the venue screen: a signed, short-lived token naming one activity
and one direction (in / out). A phone that scans it proves the person stood
in front of the screen within the last two minutes; nobody can make one
without the server's key, and a photo of it is useless soon after.

The signer takes its clock from `now`, so tests and the demo can make and
check tokens at any moment without sleeping.
"""

import datetime as dt
import time

from django.core import signing
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

from .workflow import Direction

SALT = "linli.volunteering.scan.v1"
MAX_AGE = 120          # seconds a code stays valid
REFRESH_SECONDS = 30   # how often the venue screen shows a new one
CLOCK_SKEW = 30        # a code "from the future" by more than this was not made by this server's clock


class _Signer(signing.TimestampSigner):
    def __init__(self, now: dt.datetime | None = None):
        super().__init__(salt=SALT)
        self.clock = now.timestamp() if now is not None else time.time()

    def timestamp(self):
        return signing.b62_encode(int(self.clock))

    def unsign(self, value, max_age=None):
        result = signing.Signer.unsign(self, value)
        value, stamp = result.rsplit(self.sep, 1)
        age = self.clock - signing.b62_decode(stamp)
        if max_age is not None and age > max_age:
            raise signing.SignatureExpired(f"code age {age:.0f} s > {max_age} s")
        if age < -CLOCK_SKEW:
            raise signing.BadSignature("code from the future")
        return value


def make_token(activity_id: int, direction: str, *, now: dt.datetime | None = None) -> str:
    return _Signer(now).sign_object({"a": int(activity_id), "d": Direction(direction).value})


class BadCode(ValidationFailed):
    code = "bad_code"


class ExpiredCode(ValidationFailed):
    code = "expired_code"


def read_token(token: str, *, now: dt.datetime | None = None) -> tuple[int, str]:
    """(activity id, direction) of a genuine, fresh code; BadCode or ExpiredCode otherwise."""
    try:
        data = _Signer(now).unsign_object(str(token or "").strip(), max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ExpiredCode(_("This code has expired. Scan the one on the screen now."))
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise BadCode(_("This is not a valid check-in code. Scan the code shown at the venue."))
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or data.get("d") not in Direction.values:
        raise BadCode(_("This is not a valid check-in code. Scan the code shown at the venue."))
    return data["a"], data["d"]
