"""Writes for category suggestion: model versions (train, install, roll back), the
per-street auto-route setting, suggestions recorded at intake and staff corrections.
Each is one transaction with its audit row."""

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import user_scopes
from appeals.models import Appeal, AppealEvent
from appeals.workflow import OPEN_STATES, Channel
from core.audit import actor_name, audit
from core.db import busy_is_conflict, check_version, lock_or_404
from core.errors import Conflict, NotAllowed, ValidationFailed
from core.models import AuditLog

from . import selectors
from .classifier import (MIN_EXAMPLES, MIN_PER_LABEL, CategoryClassifier, TooFewExamples, check_trainable, cross_validate,
                         rare_labels, read_jsonl)
from .models import Correction, RoutingSetting, Suggestion, TrainedModel, TrainingRun

CATEGORY = TrainedModel.Kind.CATEGORY


# ---------------------------------------------------------------- versions

def model_install(*, classifier, source, evaluation, actor=None, note="", kind=CATEGORY) -> TrainedModel:
    """Store a trained classifier as the next version of its kind and make it current."""
    blob = classifier.dumps()
    try:
        with busy_is_conflict(), transaction.atomic():
            versions = list(TrainedModel.objects.select_for_update().filter(kind=kind).values_list("version", flat=True))
            TrainedModel.objects.filter(kind=kind, is_current=True).update(is_current=False)
            model = TrainedModel.objects.create(
                kind=kind, version=max(versions, default=0) + 1, source=source, created_by=actor,
                trained_on=classifier.trained_on, labels=classifier.labels_, evaluation=evaluation, blob=blob,
                is_current=True, note=note[:200])
            audit(actor=actor, action=AuditLog.Action.CREATE, obj=model,
                  after={"version": model.version, "source": source, "trained_on": model.trained_on,
                         "macro_f1": evaluation.get("macro_f1")})
    except IntegrityError:
        raise Conflict()
    return model


@busy_is_conflict()
@transaction.atomic
def model_rollback(*, actor, kind=CATEGORY, expected_version=None) -> TrainedModel:
    """Make the version before the current one current again (the current one stays, for a roll forward)."""
    selectors.require_staff(actor)
    models = list(TrainedModel.objects.select_for_update().filter(kind=kind).defer("blob").order_by("-version"))
    current = next((m for m in models if m.is_current), None)
    if current is None:
        raise ValidationFailed(_("There is no current model to roll back."), code="no_model")
    check_version(expected_version, current.version)
    previous = selectors.rollback_target(models)  # the one the models page offers
    if previous is None:
        raise ValidationFailed(_("There is no earlier version to roll back to."), code="no_previous")
    TrainedModel.objects.filter(pk=current.pk).update(is_current=False)
    TrainedModel.objects.filter(pk=previous.pk).update(is_current=True)
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=previous, fields=["is_current"],
          before={"current_version": current.version}, after={"current_version": previous.version},
          note="rollback")
    previous.is_current = True
    return previous


def _too_few_message(labels) -> str:
    counts = Counter(labels)
    return _("Too few examples to train: %(n)d usable examples in %(k)d categories; at least %(min)d are needed, "
             "in two or more categories with %(per)d or more each.") % {
        "n": len(labels), "k": len(counts), "min": MIN_EXAMPLES, "per": MIN_PER_LABEL}


def category_train(*, titles, bodies, labels, source, actor=None, evaluate=True, note="") -> TrainedModel:
    """Train on the examples, cross-validate them (the evaluation kept with the version), install as current."""
    labels = [str(label) for label in labels]
    rare = set(rare_labels(labels))
    if rare:  # a category with one or two closed appeals is left out rather than stopping the training
        kept = [i for i, label in enumerate(labels) if label not in rare]
        titles, bodies, labels = [titles[i] for i in kept], [bodies[i] for i in kept], [labels[i] for i in kept]
    try:
        check_trainable(labels)
        evaluation = cross_validate(titles, bodies, labels, folds=5) if evaluate else {}
        classifier = CategoryClassifier().fit(titles, bodies, labels)
    except TooFewExamples:
        raise ValidationFailed(_too_few_message(labels), code="too_few_examples")
    evaluation["counts"] = dict(sorted(Counter(labels).items()))
    evaluation["left_out"] = sorted(rare)
    return model_install(classifier=classifier, source=source, evaluation=evaluation, actor=actor, note=note)


def category_train_files(*, paths, evaluate=False, actor=None) -> TrainedModel:
    """`train_classifier FILE...`: JSON Lines of {"title", "body", "label"}."""
    records = [record for path in paths for record in read_jsonl(path, labelled=True)]
    titles, bodies, labels = (list(column) for column in zip(*records)) if records else ([], [], [])
    return category_train(titles=titles, bodies=bodies, labels=labels, source=TrainedModel.Source.FILES,
                          actor=actor, evaluate=evaluate, note=", ".join(str(p) for p in paths))


def category_train_platform(*, actor=None) -> TrainedModel:
    """From the platform's closed appeals, corrections winning over their category."""
    titles, bodies, labels = selectors.training_examples()
    return category_train(titles=titles, bodies=bodies, labels=labels, source=TrainedModel.Source.PLATFORM,
                          actor=actor)


# ---------------------------------------------------------------- training runs

def training_run_request(*, actor) -> TrainingRun:
    """Staff ask for a retraining; the worker does it (training takes a while)."""
    from .tasks import train_category_task

    selectors.require_staff(actor)
    with transaction.atomic():
        if TrainingRun.objects.filter(kind=CATEGORY, status__in=[TrainingRun.Status.QUEUED,
                                                                TrainingRun.Status.RUNNING]).exists():
            raise Conflict(_("A training run is already queued or running."), code="already_running")
        run = TrainingRun.objects.create(kind=CATEGORY, requested_by=actor)
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=run, after={"kind": CATEGORY})
        transaction.on_commit(lambda: train_category_task.enqueue(run.pk))
    return run


SCHEDULED_EVERY = dt.timedelta(days=6)


def training_run_execute(run_id=None) -> TrainingRun | None:
    """Run a queued training (or, on schedule, a new one unless the current model is
    recent, so a restarted scheduler does not retrain at once): its status says the outcome."""
    if run_id is None:
        current = selectors.current_model()
        if current is not None and current.created_at > timezone.now() - SCHEDULED_EVERY:
            return None
        run = TrainingRun.objects.create(kind=CATEGORY)
    else:
        claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
            status=TrainingRun.Status.RUNNING)
        run = TrainingRun.objects.get(pk=run_id)
        if not claimed:
            return run
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.RUNNING)
    try:
        model = category_train_platform(actor=run.requested_by)
    except ValidationFailed as error:
        status, message, model = TrainingRun.Status.FAILED, error.message, None
    else:
        status = TrainingRun.Status.DONE
        message = _("Version %(v)d trained on %(n)d appeals.") % {"v": model.version, "n": model.trained_on}
    TrainingRun.objects.filter(pk=run.pk).update(status=status, message=message[:500], model=model,
                                                 finished_at=timezone.now())
    run.refresh_from_db()
    return run


# ---------------------------------------------------------------- routing setting

@busy_is_conflict()
@transaction.atomic
def routing_setting_save(*, street, auto_route, threshold, actor) -> RoutingSetting:
    """A street's auto-route switch and threshold; only its street staff (or admins) may change it."""
    from accounts.models import Role

    scopes = user_scopes(actor)
    if not (scopes.is_admin or street.pk in scopes.regions(Role.STREET_STAFF, street.level)):
        raise NotAllowed()
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        threshold = -1
    if not 0.5 <= threshold <= 1:
        raise ValidationFailed(_("The threshold is a confidence between 0.5 and 1."), code="bad_threshold")
    setting, _created = RoutingSetting.objects.select_for_update().get_or_create(street=street)
    before = {"auto_route": setting.auto_route, "threshold": setting.threshold}
    setting.auto_route, setting.threshold, setting.updated_by = bool(auto_route), threshold, actor
    setting.save()
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=setting, fields=["auto_route", "threshold"],
          before=before, after={"auto_route": setting.auto_route, "threshold": threshold})
    return setting


# ---------------------------------------------------------------- intake and corrections

def _recategorize(appeal, category, *, actor, note, data):
    """Change an open appeal's category with a timeline event (the unit follows at the next whistle)."""
    now = timezone.now()
    before = appeal.category
    Appeal.objects.filter(pk=appeal.pk).update(category=category, version=appeal.version + 1, updated_at=now)
    AppealEvent.objects.create(
        appeal=appeal, action="recategorize", from_status=appeal.status, to_status=appeal.status, actor=actor,
        actor_name=actor_name(actor), at=now, note=note,
        data={"from": before.code, "to": category.code, **data})
    audit(actor=actor, action=AuditLog.Action.UPDATE, obj=appeal, fields=["category"],
          before={"category": before.code}, after={"category": category.code}, note=note)
    appeal.category, appeal.version = category, appeal.version + 1


def suggestion_record(*, appeal, actor, **_ignored) -> Suggestion | None:
    """At intake (inside the submit transaction): keep what the model suggested. A staff
    member who recorded another category has corrected it; a resident's report is routed
    by the suggestion when the street lets confident suggestions route themselves."""
    found = selectors.suggest_category(title=appeal.title, content=appeal.content, grid=appeal.grid)
    if found is None:
        return None
    suggestion = Suggestion.objects.create(appeal=appeal, model=found["model"], category=found["category"],
                                           confidence=found["confidence"])
    if found["category"].pk == appeal.category_id:
        return suggestion
    if appeal.channel != Channel.RESIDENT:
        Correction.objects.create(appeal=appeal, model=found["model"], suggested=found["category"],
                                  chosen=appeal.category, by=actor)
    elif found["auto_route"] and found["above_threshold"]:
        _recategorize(appeal, found["category"], actor=None, note=_("Routed by the category suggestion"),
                      data={"confidence": found["confidence"], "model_version": found["model"].version})
        Suggestion.objects.filter(pk=suggestion.pk).update(auto_routed=True)
        suggestion.auto_routed = True
    return suggestion


@busy_is_conflict()
@transaction.atomic
def category_correct(*, appeal_id, category, actor, expected_version=None) -> Correction:
    """Staff say which category an appeal really belongs to. An open appeal moves to it; a
    closed one keeps its history and only teaches the next model."""
    from appeals.selectors import visible_appeals
    from appeals.services import _category

    selectors.require_staff(actor)
    appeal = lock_or_404(Appeal.objects.select_related("category", "grid"), appeal_id)
    if not visible_appeals(actor).filter(pk=appeal.pk).exists():
        raise NotAllowed()
    check_version(expected_version, appeal.version)
    category = _category(category)
    suggestion = appeal.suggestions.select_related("category", "model").first()
    if category.pk == appeal.category_id and (suggestion is None or suggestion.category_id == category.pk):
        raise ValidationFailed(_("The appeal already has this category."), code="same_category")
    correction = Correction.objects.create(
        appeal=appeal, model=suggestion.model if suggestion else None,
        suggested=suggestion.category if suggestion else appeal.category, chosen=category, by=actor)
    if appeal.status in OPEN_STATES and category.pk != appeal.category_id:
        _recategorize(appeal, category, actor=actor, note=_("Category corrected by staff"), data={})
    else:
        audit(actor=actor, action=AuditLog.Action.CREATE, obj=correction,
              after={"appeal": appeal.pk, "chosen": category.code})
    return correction
