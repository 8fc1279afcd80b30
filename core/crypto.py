"""Personal data at rest: Fernet-encrypted fields, keyed HMAC for exact
look-ups (an encrypted column cannot be searched), and masking for lists."""

import base64
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _keys(secret: str, field_key: str) -> tuple[Fernet, bytes]:
    material = field_key or secret
    digest = hashlib.sha256(("linli-field-encryption:" + material).encode()).digest()
    index_key = hashlib.sha256(("linli-blind-index:" + material).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest)), index_key


def _fernet() -> Fernet:
    return _keys(settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY)[0]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def blind_index(value: str) -> str:
    """Deterministic keyed hash so `phone = X` can be looked up without decrypting."""
    key = _keys(settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY)[1]
    normalised = re.sub(r"\s+", "", value or "").upper()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest() if normalised else ""


class EncryptedCharField(models.TextField):
    """Stores Fernet ciphertext; Python sees plain text. Not filterable: use a blind index."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = phone.strip()
    # At least four characters stay hidden: 138****5678, a local number ****5678, anything shorter entirely.
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 8:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    n = number.strip()
    if len(n) <= 8:
        return "*" * len(n)
    if len(n) >= 15:  # resident ID (18 or old 15 digits): region code and last four, never the birth date
        return n[:6] + "*" * (len(n) - 10) + n[-4:]
    return n[:2] + "*" * (len(n) - 4) + n[-2:]  # passports and permits: 9–14 characters


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name
