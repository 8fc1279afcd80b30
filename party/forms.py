"""Forms of the party pages.

They render labelled fields and carry what the user typed back after an
error; they do not judge the values — `party.services` does, once, for the
pages and the API alike. Every field is optional here for that reason.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ListFilterForm

from .models import Evaluation
from .workflow import EvaluationStatus


def _choices(items, label, *, blank=_("— choose —")) -> list:
    return [("", blank)] + [(str(i.pk), label(i)) for i in items]


class RegisterMemberForm(forms.Form):
    member = forms.ChoiceField(label=_("In-service member"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _choices(
            members, lambda m: f"{m.person.name} · {m.employer.name if m.employer_id else ''}")


class RegisterUnitForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _choices(units, lambda u: u.name)


class EndForm(forms.Form):
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=200)


class ProjectForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"), required=False,
                             help_text=_("Units registered with the community (双报到)."))
    title = forms.CharField(label=_("Title"), required=False, max_length=100)
    target = forms.CharField(label=_("Target"), required=False, max_length=300,
                             help_text=_("What counts as done, e.g. “Repaint the 3 stairwells of building 5”."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}))
    due_date = forms.CharField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _choices(units, lambda u: u.name)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), required=False,
                                  widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5, "inputmode": "numeric"}),
                                  help_text=_("100 marks the project done."))
    note = forms.CharField(label=_("What was done"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))


class QuarterForm(forms.Form):
    """Which report to show: a read filter, so it checks its own values."""

    community = forms.ChoiceField(label=_("Community"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    quarter = forms.ChoiceField(label=_("Quarter"), required=False,
                                choices=[("1", _("Q1 (Jan–Mar)")), ("2", _("Q2 (Apr–Jun)")), ("3", _("Q3 (Jul–Sep)")),
                                         ("4", _("Q4 (Oct–Dec)"))])

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(c.pk), c.name) for c in communities]


class PlaqueForm(forms.Form):
    pledge = forms.CharField(label=_("My pledge"), required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
                             help_text=_("What you promise your neighbours, e.g. “Help elderly neighbours with errands”."))
    is_public = forms.BooleanField(label=_("Show my identity plaque publicly (亮身份)"), required=False)


class ServedHouseholdForm(forms.Form):
    building = forms.ChoiceField(label=_("Building"), required=False)
    entrance = forms.IntegerField(label=_("Entrance (单元)"), required=False, initial=1,
                                  widget=forms.NumberInput(attrs={"min": 1, "max": 99}))
    room = forms.CharField(label=_("Room"), required=False, max_length=16)

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = _choices(buildings, str)


class AwardForm(forms.Form):
    title = forms.CharField(label=_("Honour"), required=False, max_length=100,
                            help_text=_("e.g. “Outstanding party member of the district”."))
    awarded_on = forms.CharField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class EvaluationForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=Evaluation.Kind.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=100,
                            help_text=_("e.g. “2026 Pioneer party members of Changqing”."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}))
    nominate_until = forms.CharField(label=_("Nominations until"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    vote_until = forms.CharField(label=_("Voting until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    winners = forms.IntegerField(label=_("Number of winners"), required=False, initial=3,
                                 widget=forms.NumberInput(attrs={"min": 1, "max": 50}))
    votes_per_voter = forms.IntegerField(label=_("Votes per voter"), required=False, initial=1,
                                         widget=forms.NumberInput(attrs={"min": 1, "max": 20}))
    award_points = forms.IntegerField(label=_("Points for each winner"), required=False, initial=0,
                                      widget=forms.NumberInput(attrs={"min": 0, "max": 1000}))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(c.pk), c.name) for c in communities]


class NominateForm(forms.Form):
    """Residents name a neighbour and their building; staff may also pick from the list."""

    person = forms.ChoiceField(label=_("Nominee"), required=False)
    name = forms.CharField(label=_("Nominee's name"), required=False, max_length=64)
    building = forms.ChoiceField(label=_("Nominee's building"), required=False)
    reason = forms.CharField(label=_("Why this nominee"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}))

    def __init__(self, *args, buildings=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = _choices(buildings, str)
        if people is None:
            del self.fields["person"]
        else:
            self.fields["person"].choices = _choices(people, lambda p: f"{p.name} · {p.household.building}"
                                                     if p.household_id else p.name,
                                                     blank=_("— or type a name and building below —"))


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)


class EvaluationFilterForm(ListFilterForm):
    """Filters of the evaluations list; an unknown value is ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    community = forms.ChoiceField(label=_("Community"), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        kwargs.setdefault("auto_id", "filter_%s")  # the page also has the "start an evaluation" form
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *EvaluationStatus.choices]
        self.fields["kind"].choices = [("", _("All")), *Evaluation.Kind.choices]
        self.fields["community"].choices = _choices(communities, lambda c: c.name, blank=_("All"))
