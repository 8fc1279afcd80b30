"""Reads for category suggestion: the current model (loaded once per version and
process), what it suggests for a text, the examples the platform trains on."""

import hashlib
import threading

from django.db.models import OuterRef, Subquery

from accounts.selectors import user_scopes
from appeals.models import Appeal, Category
from appeals.workflow import Status
from core.errors import NotAllowed

from .classifier import CategoryClassifier
from .models import Correction, RoutingSetting, TrainedModel, TrainingRun

_cache_lock = threading.Lock()
# kind -> ((pk, created_at), blob digest, loaded model): one loaded version per kind and process.
_loaded: dict[str, tuple[tuple, bytes, object]] = {}


def is_staff(user) -> bool:
    """Who sees what intelligence says (suggestions, answer checks, appeal numbers of duplicates,
    the models): the project's staff rule — any role but resident or party member, or an administrator."""
    return user_scopes(user).is_staff_member


def require_staff(user, *, error=NotAllowed):
    """Raise `error` (pages pass Http404, so residents do not learn the page exists) unless the
    user is staff. None is the system itself (management commands, the worker) and passes."""
    if user is not None and not is_staff(user):
        raise error()


def current_model(kind=TrainedModel.Kind.CATEGORY):
    return TrainedModel.objects.filter(kind=kind, is_current=True).defer("blob").first()


def current_loaded(kind, loads):
    """(TrainedModel, loads(blob)) for the current version of `kind`, or (None, None).

    The blob is unpickled once per version and process; a rollback or a new version is
    seen at the next call. A row is known by (pk, created_at), as a pk alone may come
    back for another row after a rollback of the transaction that made it; a row whose
    blob is the one already loaded (same digest) reuses the loaded model."""
    row = current_model(kind)
    if row is None:
        return None, None
    key = (row.pk, row.created_at)
    cached = _loaded.get(kind)
    if cached is None or cached[0] != key:
        with _cache_lock:
            cached = _loaded.get(kind)
            if cached is None or cached[0] != key:
                blob = bytes(TrainedModel.objects.values_list("blob", flat=True).get(pk=row.pk))
                digest = hashlib.sha256(blob).digest()
                model = cached[2] if cached is not None and cached[1] == digest else loads(blob)
                cached = (key, digest, model)
                _loaded[kind] = cached
    return row, cached[2]


def current_classifier():
    """(TrainedModel, CategoryClassifier) for the current category model, or (None, None)."""
    return current_loaded(TrainedModel.Kind.CATEGORY, CategoryClassifier.loads)


def category_for_label(label):
    """The active leaf category a model label names: its code (platform models) or its name (file models)."""
    leaves = Category.objects.filter(is_active=True, children__isnull=True)
    return leaves.filter(code=label).first() or leaves.filter(name=label).first()


def routing_setting(street):
    """The street's auto-route setting (unsaved default: off, 0.9) ."""
    if street is None:
        return RoutingSetting(auto_route=False, threshold=0.9)
    return RoutingSetting.objects.filter(street=street).first() or RoutingSetting(street=street)


def suggest_category(*, title="", content="", grid=None):
    """What the current model suggests for a text: category, confidence, the unit it routes
    to in the grid's region (if known), and whether the street lets it route by itself.
    None without a model, without text, or when the model's label is no category here."""
    from appeals.forms import default_unit_for

    if not (title or "").strip() and len((content or "").strip()) < 2:
        return None
    row, classifier = current_classifier()
    if classifier is None:
        return None
    label, confidence = classifier.predict_one(title or "", content or "")
    category = category_for_label(label)
    if category is None:
        return None
    unit = category.default_unit
    setting = routing_setting(None)
    if grid is not None:
        community = grid.parent
        unit = default_unit_for(Appeal(category=category, grid=grid, community=community,
                                       street_id=community.parent_id if community else None))
        setting = routing_setting(community.parent if community else None)
    return {
        "category": category, "label": label, "confidence": confidence, "unit": unit, "model": row,
        "threshold": setting.threshold, "auto_route": setting.auto_route,
        "above_threshold": confidence >= setting.threshold,
    }


def training_examples():
    """(titles, bodies, labels) of closed appeals, labelled by their leaf category code,
    or by the latest staff correction where there is one (a correction wins)."""
    corrected = Correction.objects.filter(appeal=OuterRef("pk")).order_by("-at", "-id").values("chosen__code")[:1]
    rows = (Appeal.objects.filter(status=Status.CLOSED, parent__isnull=True)
            .annotate(corrected=Subquery(corrected))
            .values_list("title", "content", "category__code", "corrected").order_by("pk"))
    titles, bodies, labels = [], [], []
    for title, content, code, corrected_code in rows:
        titles.append(title)
        bodies.append(content)
        labels.append(corrected_code or code)
    return titles, bodies, labels


def training_example_count():
    return Appeal.objects.filter(status=Status.CLOSED, parent__isnull=True).count()


def model_versions(kind=TrainedModel.Kind.CATEGORY):
    return list(TrainedModel.objects.filter(kind=kind).defer("blob").select_related("created_by").order_by("-version"))


def rollback_target(versions):
    """The version a rollback would make current (the latest before the current one), or None."""
    current = next((v for v in versions if v.is_current), None)
    if current is None:
        return None
    return max((v for v in versions if v.version < current.version), key=lambda v: v.version, default=None)


def training_runs(kind=TrainedModel.Kind.CATEGORY, limit=10):
    return list(TrainingRun.objects.filter(kind=kind).select_related("requested_by", "model")[:limit])


def latest_suggestion(appeal):
    return appeal.suggestions.select_related("category", "model").first()


def corrections_of(appeal):
    return list(appeal.category_corrections.select_related("suggested", "chosen", "by"))
