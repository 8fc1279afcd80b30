"""Helpers for the category suggestion's API handlers (kept out of the shared api.py)."""

from django.utils.translation import gettext as _

from accounts.selectors import user_scopes
from core.errors import NotAllowed, ValidationFailed
from regions.models import Region

from . import selectors


def staff_only(user):
    if not user_scopes(user).is_staff_member:
        raise NotAllowed()


def suggestion_payload(user, title, content, grid_code) -> dict:
    if len(title or "") > 120 or len(content or "") > 4000:
        raise ValidationFailed(_("The title may have 120 characters and the description 4000."), code="too_long")
    grid = None
    if grid_code:
        grid = Region.objects.filter(code=grid_code.strip(), level=Region.Level.GRID).first()
        if grid is None:
            raise ValidationFailed(_("Unknown grid code."), code="unknown_grid")
    found = selectors.suggest_category(title=title, content=content, grid=grid)
    if found is None:
        return {"category": None, "category_name": None, "confidence": None, "unit": None,
                "auto_route": False, "above_threshold": False, "model_version": None}
    return {"category": found["category"].code, "category_name": found["category"].name,
            "confidence": found["confidence"], "unit": found["unit"].name if found["unit"] else None,
            "auto_route": found["auto_route"], "above_threshold": found["above_threshold"],
            "model_version": found["model"].version}
