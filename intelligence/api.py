"""Intelligence over HTTP, under /api/v1/intelligence/."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from appeals import services as appeal_services
from appeals.selectors import visible_appeals
from core.api import errors
from core.errors import NotFound, ValidationFailed
from regions.models import Region

from . import answers, selectors, services
from .dup_hooks import staff_appeal
from .duplicates import duplicates_of

router = Router(tags=["intelligence"])


class ReasonOut(Schema):
    code: str
    text: str


class AnswerCheckOut(Schema):
    answer_id: int
    unit: str | None
    answered_at: dt.datetime
    score: float
    flagged: bool
    reasons: list[ReasonOut]
    model_version: int | None
    checked_at: dt.datetime


@router.get("/intelligence/appeals/{int:appeal_id}/answer-checks",
            response={200: list[AnswerCheckOut], **errors(404)}, summary="Answer checks of an appeal's answers")
def appeal_answer_checks(request: HttpRequest, appeal_id: int):
    """For staff who may see the appeal: each answer (答卷 or resolve report) with the answer
    check's verdict — `flagged` when it may not address the appeal, and the signals that failed."""
    return [
        {"answer_id": c.answer_id, "unit": c.answer.unit.name if c.answer.unit else None,
         "answered_at": c.answer.at, "score": c.score, "flagged": c.flagged,
         "reasons": [{"code": code, "text": text} for code, text in answers.reason_pairs(c)],
         "model_version": c.model.version if c.model else None, "checked_at": c.at}
        for c in answers.checks_for_appeal(request.auth, appeal_id)
    ]


# ---------------------------------------------------------------- category suggestion

class SuggestIn(Schema):
    title: str = ""
    content: str = ""
    grid: str = ""


class SuggestionOut(Schema):
    category: str | None
    category_name: str | None
    confidence: float | None
    unit: str | None
    auto_route: bool
    above_threshold: bool
    model_version: int | None


class ModelOut(Schema):
    version: int
    source: str
    is_current: bool
    trained_on: int
    labels: list[str]
    macro_f1: float | None
    accuracy: float | None
    created_at: dt.datetime


def _model_out(m):
    return {"version": m.version, "source": m.source, "is_current": m.is_current, "trained_on": m.trained_on,
            "labels": m.labels, "macro_f1": (m.evaluation or {}).get("macro_f1"),
            "accuracy": (m.evaluation or {}).get("accuracy"), "created_at": m.created_at}


@router.post("/intelligence/suggest", response={200: SuggestionOut, **errors(400)},
             summary="Suggest the category (and unit) for a text")
def suggest_category(request: HttpRequest, payload: SuggestIn):
    """The current category model's suggestion for a report being written: category code and
    name, confidence, the unit it goes to in `grid` (a grid code, optional) and whether the
    street lets it route by itself. All fields null when there is no model or too little text."""
    if len(payload.title) > 120 or len(payload.content) > 4000:
        raise ValidationFailed(_("The title may have 120 characters and the description 4000."), code="too_long")
    grid = None
    if payload.grid:
        grid = Region.objects.filter(code=payload.grid.strip(), level=Region.Level.GRID).first()
        if grid is None:
            raise ValidationFailed(_("Unknown grid code."), code="unknown_grid")
    found = selectors.suggest_category(title=payload.title, content=payload.content, grid=grid)
    if found is None:
        return {"category": None, "category_name": None, "confidence": None, "unit": None,
                "auto_route": False, "above_threshold": False, "model_version": None}
    return {"category": found["category"].code, "category_name": found["category"].name,
            "confidence": found["confidence"], "unit": found["unit"].name if found["unit"] else None,
            "auto_route": found["auto_route"], "above_threshold": found["above_threshold"],
            "model_version": found["model"].version}


@router.get("/intelligence/models", response={200: list[ModelOut], **errors()},
            summary="Versions of the category model")
def category_models(request: HttpRequest):
    """Staff only: every version, newest first, with its cross-validated macro-F1 and accuracy."""
    selectors.require_staff(request.auth)
    return [_model_out(m) for m in selectors.model_versions()]


@router.get("/intelligence/models/current", response={200: ModelOut, **errors(404)},
            summary="The current category model")
def category_model_current(request: HttpRequest):
    """Staff only: 404 `not_found` when no model has been trained yet."""
    selectors.require_staff(request.auth)
    model = selectors.current_model()
    if model is None:
        raise NotFound()
    return _model_out(model)


@router.post("/intelligence/models/rollback", response={200: ModelOut, **errors(400, 409)},
             summary="Roll the category model back to the previous version")
def category_model_rollback(request: HttpRequest):
    """Staff only: 400 `no_previous` when there is no earlier version; audited."""
    return _model_out(services.model_rollback(actor=request.auth))


# ---------------------------------------------------------------- duplicates (一事多诉) and support (附议)

class DuplicateOut(Schema):
    appeal_id: int
    number: str | None
    title: str
    status: str
    score: float
    same_grid: bool
    metres: float | None
    days: int
    reasons: list[str]


class SupportOut(Schema):
    appeal_id: int
    supported: bool
    supporters: int


@router.get("/intelligence/appeals/{int:appeal_id}/duplicates", response={200: list[DuplicateOut], **errors(404)},
            summary="Likely duplicates of an appeal")
def appeal_duplicates(request: HttpRequest, appeal_id: int):
    """For region staff over the appeal: open or just-closed appeals in its grid or within 300 m,
    ±30 days, whose text is alike, most alike first. Merge them with the appeal's `merge` action."""
    appeal = staff_appeal(request.auth, appeal_id)
    return [{"appeal_id": m.appeal.pk, "number": m.appeal.number, "title": m.appeal.title, "status": m.appeal.status,
             "score": round(m.score, 4), "same_grid": m.same_grid, "metres": m.metres, "days": m.days,
             "reasons": m.reasons}
            for m in duplicates_of(appeal, among=visible_appeals(request.auth), explain=False)]


@router.post("/intelligence/appeals/{int:appeal_id}/support", response={200: SupportOut, **errors(400, 404, 409)},
             summary="我也遇到: support an appeal")
def appeal_support(request: HttpRequest, appeal_id: int):
    """Once per person: `supported` is false when this person already supported it. The support
    goes to the appeal that goes on when this one was merged; a finished appeal answers 409."""
    row, created = appeal_services.appeal_support(appeal_id=appeal_id, actor=request.auth)
    return {"appeal_id": row.appeal_id, "supported": created, "supporters": row.appeal.supports.count()}
