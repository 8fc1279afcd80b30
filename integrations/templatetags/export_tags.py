"""`{% export_links "appeals.workbench" %}`: the "Export Excel" link(s) of a list page,
carrying the page's current filters, and a full-data link for those who may reveal."""

from django import template
from django.urls import reverse

from integrations.exports import get_spec, may_export_full

register = template.Library()


@register.inclusion_tag("integrations/exports/_links.html", takes_context=True)
def export_links(context, name, **params):
    request = context["request"]
    spec = get_spec(name)
    query = request.GET.copy()
    for key in ("page", "full"):
        query.pop(key, None)
    for key, value in params.items():  # a page's own parameters; "" removes one the page does not filter by
        if value in ("", None):
            query.pop(key, None)
        else:
            query[key] = value
    base = reverse("integrations:export", args=[name])
    encoded = query.urlencode()
    url = f"{base}?{encoded}" if encoded else base
    full = may_export_full(spec, request.user)
    query["full"] = "1"
    return {"name": name, "url": url, "full_url": f"{base}?{query.urlencode()}" if full else ""}
