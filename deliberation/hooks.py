"""How deliberation joins the appeal loop (registered in apps.py): a whistled
task follows its appeal, the appeal page shows the matter or task it belongs
to, and community staff can raise an open appeal as a matter."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors, services
from .models import Matter, Task


def after_transition(*, appeal, action, target, actor, now, **_rest) -> None:
    services.on_appeal_transition(appeal=appeal, action=action, target=target, actor=actor, now=now)


def page_links(appeal, user) -> list[dict]:
    links = []
    task = Task.objects.filter(appeal_id=appeal.pk).select_related("matter").first()
    visible = selectors.visible_matters(user)
    if task is not None:
        matter = task.matter
        links.append({
            "key": "deliberation_task",
            "label": _("Deliberation task (议事任务)"),
            "text": _("Task “%(t)s” of matter %(n)s “%(m)s” — %(s)s") % {
                "t": task.title, "n": matter.number, "m": matter.title, "s": task.get_status_display()},
            "url": reverse("deliberation:detail", args=[matter.pk]) if visible.filter(pk=matter.pk).exists() else "",
        })
    for matter in Matter.objects.filter(source_appeal_id=appeal.pk):
        links.append({
            "key": "deliberation_matter",
            "label": _("Deliberation matter (议题)"),
            "text": _("Raised as matter %(n)s “%(m)s” — %(s)s") % {
                "n": matter.number, "m": matter.title, "s": matter.get_status_display()},
            "url": reverse("deliberation:detail", args=[matter.pk]) if visible.filter(pk=matter.pk).exists() else "",
        })
    return links


def conversions(appeal, user) -> list[dict]:
    if appeal.status in ("closed", "rejected", "merged"):
        return []
    if not selectors.is_staff_for(user, appeal.community_id):
        return []
    if Matter.objects.filter(source_appeal_id=appeal.pk).exists() or Task.objects.filter(appeal_id=appeal.pk).exists():
        return []
    return [{
        "key": "deliberation",
        "label": _("Raise as a deliberation matter (转为议题)"),
        "help": _("For problems the neighbours need to decide together: the matter goes through the six steps of "
                  "deliberation."),
        "url": reverse("deliberation:from_appeal", args=[appeal.pk]),
    }]
