from django.contrib.auth.base_user import AbstractBaseUser

from core.middleware import current_request_id
from core.models import AuditLog


def actor_name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return user.display_name if hasattr(user, "display_name") else str(user)


def audit(*, actor: AbstractBaseUser | None, action: str, obj=None, object_type: str = "", object_id="",
          object_repr: str = "", before=None, after=None, fields=None, note: str = "") -> AuditLog:
    """Write one audit row; call it inside the service's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    return AuditLog.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_name=actor_name(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr[:200],
        before=before,
        after=after,
        fields=fields or [],
        request_id=current_request_id.get(),
        note=note[:500],
    )
