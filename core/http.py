"""Small helpers for HTML views."""

from django.http import Http404
from django.utils.translation import gettext as _

from core.errors import NotFound


def or_404(fn, *args):
    """`fn(*args)`, usually a selector's get; its NotFound becomes the page's 404."""
    try:
        return fn(*args)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
