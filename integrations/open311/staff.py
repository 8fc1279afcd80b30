"""The staff page for Open311 API keys: issue one (shown once), see who uses which, revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import LinliError

from . import keys


class IssueForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Client system"), max_length=100,
                           help_text=gettext_lazy("Who will use the key, e.g. the district's 12345 platform"))
    street = forms.ChoiceField(label=gettext_lazy("Street (jurisdiction)"))

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [(s.pk, f"{s.name} · {s.code}") for s in streets]


@login_required
def key_list(request):
    streets = list(keys.manageable_streets(request.user))
    if not streets:
        raise Http404()
    form = IssueForm(request.POST or None, streets=streets)
    new_key = error = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, new_key = keys.issue_key(actor=request.user, street_id=form.cleaned_data["street"],
                                          name=form.cleaned_data["name"])
            form = IssueForm(streets=streets)
        except LinliError as e:
            error = e.message
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    return render(request, "integrations/open311_keys.html", {
        "form": form, "new_key": new_key, "error": error, "keys": keys.visible_keys(request.user),
    }, status=400 if error else 200)


@require_POST
@login_required
def key_revoke(request, pk):
    try:
        key = keys.revoke_key(actor=request.user, key_id=pk)
        messages.success(request, _("Key %(p)s… revoked: the client can no longer create requests.") % {"p": key.prefix})
    except LinliError as e:
        if e.status == 404:
            raise Http404()
        messages.error(request, e.message)
    return redirect("open311:keys")
