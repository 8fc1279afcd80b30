"""Personal data at rest: Fernet-encrypted fields, keyed HMAC for exact
look-ups (an encrypted column cannot be searched), and masking for lists."""

import base64
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionError(RuntimeError):
    """Ciphertext no configured key can open. Raised, never swallowed: reading it as
    empty would let the next save overwrite real personal data with nothing."""


def _derive(material: str, purpose: str) -> bytes:
    return hashlib.sha256(f"linli-{purpose}:{material}".encode()).digest()


@lru_cache(maxsize=4)
def _keys(secret: str, field_keys: str) -> tuple[MultiFernet, bytes]:
    """FIELD_ENCRYPTION_KEY may list several keys, newest first: the first encrypts,
    all decrypt, so keys can be rotated without losing data."""
    materials = [k.strip() for k in field_keys.split(",") if k.strip()] or [secret]
    fernets = [Fernet(base64.urlsafe_b64encode(_derive(m, "field-encryption"))) for m in materials]
    return MultiFernet(fernets), _derive(materials[0], "blind-index")


def _fernet() -> MultiFernet:
    return _keys(settings.SECRET_KEY, settings.FIELD_ENCRYPTION_KEY)[0]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("personal data cannot be decrypted: check FIELD_ENCRYPTION_KEY / SECRET_KEY") from None


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


_NUMBER_RUN = re.compile(r"\d{7,}[\dXx]?")


def mask_numbers_in_text(text: str | None) -> str:
    """Free text (an import's error message quoting a cell, say) with every run of seven or more
    digits masked: 15/18-character runs as ID numbers, the rest as phones."""
    if not text:
        return text or ""
    return _NUMBER_RUN.sub(lambda m: mask_id_number(m.group()) if len(m.group()) >= 15 else mask_phone(m.group()), text)


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name
