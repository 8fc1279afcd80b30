"""Filter form of the meetings list: it renders the choices and keeps what the user
picked; an unknown value is ignored rather than refused, as the page does."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .workflow import MeetingKind, MeetingStatus


def _blank(choices, label):
    return [("", label), *choices]


class MeetingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(MeetingStatus.choices, _("All")))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_blank(MeetingKind.choices, _("All")))
    community = forms.ChoiceField(label=_("Community"), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = _blank([(c.code, c.name) for c in communities], _("All"))

    def filters(self) -> dict:
        """The valid filters, each "" when absent or not one of the choices."""
        result = {}
        for name, field in self.fields.items():
            value = str(self.data.get(name) or "").strip()
            if isinstance(field, forms.ChoiceField):
                result[name] = value if value in {str(k) for k, _label in field.choices} else ""
            else:
                result[name] = value[:field.max_length]
        return result
