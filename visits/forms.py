"""Forms of the visits pages: they shape what the user typed for the services,
which do the checking; a LinliError is shown above the form, input kept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ListFilterForm

from appeals.selectors import active_categories
from appeals.workflow import Urgency

from .workflow import CampaignStatus, CampaignTarget, Frequency, KnockResult, Mode, Wellbeing

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
OPEN_CHOICES = [("", _("Nothing else")), ("appeal", _("An appeal (诉求)")), ("order", _("A service order (点单)")),
                ("dispute", _("A dispute to mediate (纠纷)"))]


def _category_choices():
    return [("", _("Choose…"))] + [(c.code, c.name) for c in active_categories().filter(children__isnull=True)]


class VisitForm(forms.Form):
    mode = forms.ChoiceField(label=_("How"), choices=Mode.choices, initial=Mode.HOME, widget=forms.RadioSelect)
    findings = forms.CharField(label=_("What you found"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    flags = forms.MultipleChoiceField(label=_("Worth a follow-up"), choices=Wellbeing.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    visited_at = forms.CharField(label=_("When (leave empty for now)"), required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    also_open = forms.ChoiceField(label=_("Also open"), choices=OPEN_CHOICES, required=False,
                                  widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("Appeal category"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, required=False)
    title = forms.CharField(label=_("Title of what is opened (optional)"), required=False, max_length=120)
    dispute_type = forms.ChoiceField(label=_("Kind of dispute"), required=False)

    def __init__(self, *args, can_order: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()
        choices = [c for c in OPEN_CHOICES if can_order or c[0] != "order"]
        self.fields["also_open"].choices = choices
        self.fields["dispute_type"].choices = _dispute_types()

    def value(self, name):
        return self.data.get(name, "") if self.is_bound else ""

    def service_kwargs(self, photos) -> dict:
        d = self.data
        also = d.get("also_open", "")
        spec_title = d.get("title", "")
        kwargs = dict(mode=d.get("mode") or Mode.HOME, findings=d.get("findings", ""),
                      flags=d.getlist("flags") if hasattr(d, "getlist") else d.get("flags", []),
                      visited_at=d.get("visited_at") or None, lng=d.get("lng") or None, lat=d.get("lat") or None,
                      expected_version=d.get("version") or None, photos=photos)
        if also == "appeal":
            kwargs["appeal"] = {"category": d.get("category", ""), "urgency": d.get("urgency") or "normal",
                                "title": spec_title}
        elif also == "order":
            kwargs["order"] = {"title": spec_title}
        elif also == "dispute":
            kwargs["dispute"] = {"title": spec_title, "dispute_type": d.get("dispute_type", "")}
        return kwargs


def _dispute_types():
    try:
        from mediation.workflow import DisputeType
    except ImportError:  # pragma: no cover - mediation is installed with visits
        return [("", "")]
    return [("", _("Choose…"))] + list(DisputeType.choices)


class SubjectForm(forms.Form):
    person = forms.CharField(widget=forms.HiddenInput)
    tags = forms.MultipleChoiceField(label=_("Care tags"), widget=forms.CheckboxSelectMultiple)
    frequency_override = forms.ChoiceField(label=_("Visit frequency"), required=False,
                                           help_text=_("Empty: the most frequent of the tags."))
    responsible = forms.ChoiceField(label=_("Responsible grid worker"), required=False)
    started_on = forms.DateField(label=_("Care starts on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tags=(), workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(t.code, f"{t.name} · {t.get_frequency_display()}") for t in tags]
        self.fields["frequency_override"].choices = [("", _("From the tags"))] + list(Frequency.choices)
        self.fields["responsible"].choices = [("", _("Any grid worker of the grid"))] + [
            (str(u.pk), u.display_name) for u in workers]

    def service_kwargs(self) -> dict:
        d = self.data
        return dict(person=d.get("person"), tags=d.getlist("tags"), frequency_override=d.get("frequency_override", ""),
                    responsible=d.get("responsible") or None, started_on=d.get("started_on") or None,
                    note=d.get("note", ""))


class TagForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=64)
    name_en = forms.CharField(label=_("English name"), max_length=64, required=False)
    frequency = forms.ChoiceField(label=_("Visit frequency"), choices=Frequency.choices)
    sort = forms.IntegerField(label=_("Order"), required=False, min_value=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("What to ask and check at each door"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    community = forms.ChoiceField(label=_("Community"), required=False)
    grid = forms.ChoiceField(label=_("Grid (empty: the whole community)"), required=False)
    target = forms.ChoiceField(label=_("Households"), choices=CampaignTarget.choices, initial=CampaignTarget.ALL,
                               widget=forms.RadioSelect)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        communities = list(communities)
        self.fields["community"].choices = [("", _("Choose…"))] + [(c.code, c.name) for c in communities]
        from regions.models import Region

        grids = Region.objects.filter(parent__in=communities, level=Region.Level.GRID).order_by("code")
        self.fields["grid"].choices = [("", _("The whole community"))] + [(g.code, f"{g.parent.name} {g.name}")
                                                                         for g in grids.select_related("parent")]

    def service_kwargs(self) -> dict:
        d = self.data
        return dict(title=d.get("title", ""), description=d.get("description", ""), community=d.get("community") or None,
                    grid=d.get("grid") or None, target=d.get("target") or CampaignTarget.ALL,
                    starts_on=d.get("starts_on") or None, ends_on=d.get("ends_on") or None)


KNOCK_CHOICES = [c for c in KnockResult.choices if c[0]]


class FindingForm(forms.Form):
    note = forms.CharField(label=_("What you see"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("Category (optional)"), required=False)
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()


class CampaignFilterForm(ListFilterForm):
    """Filters of the drives list; an unknown value is ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *CampaignStatus.choices])
    community = forms.ChoiceField(label=_("Community"), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", _("All")), *((str(c.pk), c.name) for c in communities)]
