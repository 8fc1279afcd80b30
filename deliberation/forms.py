"""Filter form of the meetings list: it renders the choices and keeps what the user
picked; an unknown value is ignored rather than refused, as the page does."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ListFilterForm

from .workflow import MeetingKind, MeetingStatus


def _blank(choices, label):
    return [("", label), *choices]


class MeetingFilterForm(ListFilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(MeetingStatus.choices, _("All")))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(MeetingKind.choices, _("All")))
    community = forms.ChoiceField(label=_("Community"), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = _blank([(c.code, c.name) for c in communities], _("All"))
