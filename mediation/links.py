"""How mediation joins the appeal loop (registered in apps.py).

* On the appeal page: a panel naming the dispute it became (with its status and
  risk), and for the grid worker or community staff handling an open appeal a
  button “Mediate as a dispute” (转为矛盾纠纷调解).
* After an appeal moves, its disputes' timelines note the step, so the mediator
  sees that the resident's appeal was closed, reopened or merged elsewhere.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors
from .models import Dispute, DisputeEvent
from .workflow import Risk


def appeal_page_links(appeal, user) -> list[dict]:
    links = []
    visible = selectors.visible_disputes(user)
    for dispute in selectors.disputes_for_appeal(appeal):
        can_open = visible.filter(pk=dispute.pk).exists()
        text = _("Mediated as dispute %(n)s — %(status)s") % {"n": dispute.number,
                                                               "status": dispute.get_status_display()}
        if can_open and dispute.risk_level != Risk.LOW:
            text += f" · {dispute.get_risk_level_display()}"
        links.append({"key": "mediation", "label": _("Dispute mediation"), "text": text,
                      "url": reverse("mediation:detail", args=[dispute.pk]) if can_open else ""})
    return links


def appeal_conversions(appeal, user) -> list[dict]:
    if not selectors.can_convert_appeal(user, appeal):
        return []
    return [{"key": "mediation", "label": _("Mediate as a dispute"),
             "help": _("A quarrel between neighbours, with a landlord or an employer: a mediator sits the parties "
                       "down, and the appeal is reported resolved when the dispute is closed."),
             "url": reverse("mediation:from_appeal", args=[appeal.pk])}]


def after_appeal_transition(*, appeal, action, target, actor, now, **kwargs) -> None:
    """Cheap, inside the appeal's transaction; silent for appeals with no dispute."""
    if not Dispute.objects.filter(source_appeal_id=appeal.pk).exists():
        return
    from core.audit import actor_name

    for dispute in Dispute.objects.filter(source_appeal_id=appeal.pk).only("pk", "status"):
        DisputeEvent.objects.create(
            dispute=dispute, action="appeal", from_status=dispute.status, to_status=dispute.status, actor=actor,
            actor_name=actor_name(actor), role="", at=now,
            data={"appeal": appeal.number, "appeal_action": str(getattr(action, "value", action)),
                  "appeal_status": str(target)})
