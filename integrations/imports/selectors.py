"""Who sees which import job: the uploader and administrators."""

from accounts.selectors import user_scopes
from core.errors import NotFound

from ..importers import IMPORTERS, Scope
from ..models import ImportJob


def visible_jobs(user):
    if user is None or not user.is_authenticated:
        return ImportJob.objects.none()
    qs = ImportJob.objects.select_related("created_by")
    return qs if user_scopes(user).is_admin else qs.filter(created_by=user)


def get_job(user, pk) -> ImportJob:
    try:
        return visible_jobs(user).get(pk=int(pk))
    except (ImportJob.DoesNotExist, TypeError, ValueError):
        raise NotFound()


def allowed_kinds(user) -> list[str]:
    """Kinds the user may import; empty for anyone who imports nothing."""
    scope = Scope.of(user)
    if scope.is_empty:
        return []
    kinds = [kind for kind, importer in IMPORTERS.items() if importer.allowed(scope)]
    kinds.append(ImportJob.Kind.GRIDS)
    return [k for k in ImportJob.Kind.values if k in kinds]
