"""Briefing pages (工作简报): the list for the user's scope with downloads, and
"generate now". Thin: parse the request, call insights.briefings, render."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import LinliError, NotFound

from . import briefings, selectors
from .models import Briefing

PAGE_SIZE = 30


class BriefingForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Area or unit"))
    kind = forms.ChoiceField(label=gettext_lazy("Briefing"), choices=Briefing.Kind.choices)
    day = forms.DateField(label=gettext_lazy("Any day in the period"),
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          error_messages={"invalid": gettext_lazy("Enter a date, e.g. 2026-03-02.")})

    def __init__(self, *args, scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        indent = {"street": "", "community": "\u3000", "grid": "\u3000\u3000"}
        choices = []
        for scope in scopes:
            prefix = indent.get(getattr(scope, "level", ""), "")
            choices.append((briefings.scope_key(scope), f"{prefix}{scope.name}"))
        self.fields["scope"].choices = choices
        self.fields["scope"].error_messages["invalid_choice"] = _(
            "Choose a street, community, grid or unit you may see.")


def _scopes_or_403(user):
    if not selectors.can_see_figures(user):
        raise PermissionDenied(_("Briefings are for street, community, grid and department staff."))
    return briefings.allowed_scopes(user)


def _render_list(request, form, status=200, error=""):
    kind = request.GET.get("kind") or ""
    page = Paginator(briefings.briefing_list(request.user, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/briefings.html", {
        "form": form, "page": page, "error": error, "kind": kind if kind in Briefing.Kind.values else "",
        "kinds": Briefing.Kind.choices,
    }, status=status)


@login_required
def briefing_list(request):
    scopes = _scopes_or_403(request.user)
    today = timezone.localdate()
    last_week = briefings.last_complete_period(briefings.WEEK, today)
    initial = {"kind": briefings.WEEK, "day": last_week.start}
    if scopes:
        initial["scope"] = briefings.scope_key(scopes[0])
    return _render_list(request, BriefingForm(initial=initial, scopes=scopes))


@login_required
@require_POST
def briefing_generate(request):
    scopes = _scopes_or_403(request.user)
    form = BriefingForm(request.POST, scopes=scopes)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    data = form.cleaned_data
    try:
        briefing = briefings.briefing_generate(actor=request.user, scope=data["scope"], kind=data["kind"],
                                               start=data["day"])
    except LinliError as e:
        return _render_list(request, form, status=e.status, error=e.message)
    if briefing.version > 1:
        messages.success(request, _("Briefing “%(title)s” made again (version %(version)d).")
                         % {"title": briefing.title, "version": briefing.version})
    else:
        messages.success(request, _("Briefing “%(title)s” is ready.") % {"title": briefing.title})
    return redirect("insights:briefings")


@login_required
def briefing_download(request, pk):
    _scopes_or_403(request.user)
    try:
        briefing = briefings.briefing_download(actor=request.user, pk=pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
    try:
        handle = briefing.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The briefing file is missing; generate it again."))
    return FileResponse(handle, as_attachment=True, filename=f"{briefing.title}.docx",
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
