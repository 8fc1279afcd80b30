"""Intelligence over HTTP, under /api/v1/intelligence/."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from core.api import errors

from . import answers

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
