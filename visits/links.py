"""What the appeal page says about appeals that came from a visit, a door knock or a patrol."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors


def appeal_links(appeal, user) -> list[dict]:
    """Panels for the appeal page; only users who can see the visits record get its link."""
    from .models import Knock, PatrolFinding, Visit

    links = []
    visit = Visit.objects.select_related("subject__person").filter(appeal_id=appeal.pk).first()
    if visit is not None:
        visible = selectors.visible_subjects(user).filter(pk=visit.subject_id).exists()
        links.append({"key": "visit", "label": _("Opened on a visit"),
                      "text": _("Found on a visit by %(who)s on %(date)s") % {
                          "who": visit.visitor_name, "date": timezone.localtime(visit.visited_at).date().isoformat()},
                      "url": reverse("visits:subject", args=[visit.subject_id]) if visible else ""})
    finding = PatrolFinding.objects.select_related("patrol__worker").filter(appeal_id=appeal.pk).first()
    if finding is not None:
        visible = selectors.visible_patrols(user).filter(pk=finding.patrol_id).exists()
        links.append({"key": "patrol", "label": _("Found on patrol"),
                      "text": _("Found on patrol by %(who)s on %(date)s") % {
                          "who": finding.patrol.worker.display_name,
                          "date": timezone.localtime(finding.created_at).date().isoformat()},
                      "url": reverse("visits:patrol_detail", args=[finding.patrol_id]) if visible else ""})
    knock = Knock.objects.select_related("campaign", "knocked_by").filter(appeal_id=appeal.pk).first()
    if knock is not None:
        visible = selectors.visible_campaigns(user).filter(pk=knock.campaign_id).exists()
        links.append({"key": "knock", "label": _("Found door-knocking"),
                      "text": _("Found in the door-knocking drive “%(title)s” by %(who)s") % {
                          "title": knock.campaign.title, "who": knock.knocked_by.display_name if knock.knocked_by else ""},
                      "url": reverse("visits:campaign", args=[knock.campaign_id]) if visible else ""})
    return links
