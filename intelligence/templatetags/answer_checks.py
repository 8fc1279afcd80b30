"""The answer check where staff verify: next to an answer on the appeal page, and on
the cards of appeals waiting for verification. Residents do not see it."""

from django import template

from .. import answers
from ..selectors import is_staff
from ..models import AnswerCheck

register = template.Library()


def _staff(context) -> bool:
    request = context.get("request")
    return request is not None and is_staff(request.user)


def _shown(check) -> dict:
    unchecked = any(isinstance(r, dict) and r.get("code") == "unchecked" for r in check.reasons or [])
    return {"check": check, "unchecked": unchecked, "reasons": answers.reason_texts(check),
            "percent": round(check.score * 100)}


@register.inclusion_tag("intelligence/answer_check.html", takes_context=True)
def answer_check(context, answer):
    """The verdict on one answer, with the signals that failed."""
    if not _staff(context):
        return {}
    check = AnswerCheck.objects.filter(answer=answer).first()
    return _shown(check) if check else {}


@register.inclusion_tag("intelligence/answer_flag.html", takes_context=True)
def answer_flag(context, appeal):
    """A flag on an appeal's card when its latest answer may not address it."""
    if not _staff(context):
        return {}
    check = answers.latest_check(appeal)
    return _shown(check) if check and check.flagged else {}
