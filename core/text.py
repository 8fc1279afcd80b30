"""Checks on free text typed by users."""

import re

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:|on[a-z]+\s*=\s*[\"']", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value, *, field: str, min_length: int = 0, max_length: int = 4000, required: bool = False) -> str:
    """Strip, refuse markup and control characters, check length. `field` names it in the message."""
    text = _CONTROL.sub("", str(value or "")).strip()
    if required and not text:
        raise ValidationFailed(_("Please fill in %(field)s.") % {"field": field}, code="required")
    if text and _MARKUP.search(text):
        raise ValidationFailed(_("%(field)s may not contain HTML tags or scripts.") % {"field": field}, code="markup")
    if text and len(text) < min_length:
        raise ValidationFailed(_("%(field)s is too short (at least %(n)d characters).") % {"field": field, "n": min_length},
                               code="too_short")
    if len(text) > max_length:
        raise ValidationFailed(_("%(field)s is too long (at most %(n)d characters).") % {"field": field, "n": max_length},
                               code="too_long")
    return text


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def clean_phone(value, *, required: bool = False) -> str:
    phone = re.sub(r"[\s()（）]", "", str(value or ""))
    phone = re.sub(r"^(\+86|0086)-?", "", phone)  # +86 138… is how many people type it
    if _MOBILE.match(phone.replace("-", "")):
        phone = phone.replace("-", "")  # 138-1234-5678 → 13812345678
    if not phone:
        if required:
            raise ValidationFailed(_("Please give a contact phone number."), code="required")
        return ""
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationFailed(_("The phone number is not valid: give an 11-digit mobile or a landline with area code."),
                               code="bad_phone")
    return phone
