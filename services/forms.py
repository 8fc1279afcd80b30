"""Forms of the services pages.

They render the fields (with labels) and carry what the user typed back to
the page after an error. They do not judge the values: `services.services`
does, once, for the pages and the API alike. `service_kwargs()` hands the raw
values on.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Region

from .models import Provider
from .selectors import active_skills, managed_community_list, serving_providers, skill_label
from .workflow import TRANSITIONS, Action, Channel, Kind

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
WEEKDAYS = [("1", _("Mon")), ("2", _("Tue")), ("3", _("Wed")), ("4", _("Thu")), ("5", _("Fri")), ("6", _("Sat")),
            ("7", _("Sun"))]
KIND_HELP = {
    Kind.SERVICE: _("Someone comes to help: a repair, a haircut, company for an elderly neighbour …"),
    Kind.WISH: _("A small wish shown on the public wall until a party member or volunteer claims it."),
    Kind.ERRAND: _("Staff or party members do paperwork for you; list the documents needed."),
}


def skill_choices() -> list[tuple[str, str]]:
    return [(s.code, skill_label(s)) for s in active_skills()]


def community_choices(communities) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in communities]


class _Raw(forms.Form):
    def value(self, name: str) -> str:
        key = self.add_prefix(name)
        return (self.data.get(key) or "").strip() if self.is_bound else ""

    def values(self, name: str) -> list[str]:
        return [v for v in self.data.getlist(self.add_prefix(name)) if v] if self.is_bound else []


class AskForm(_Raw):
    kind = forms.ChoiceField(label=_("What do you need?"), choices=Kind.choices, widget=forms.RadioSelect,
                             initial=Kind.SERVICE)
    title = forms.CharField(label=_("Title"), required=False, max_length=60,
                            help_text=_("Optional. A short summary, e.g. “Kitchen tap drips”."))
    content = forms.CharField(label=_("Describe it"), required=True,
                              widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
                              help_text=_("What, where, anything the helper should know. At least 5 characters."))
    items = forms.CharField(label=_("Documents needed (errands)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1300}),
                            help_text=_("One per line, e.g. ID card copy, household register."))
    skills = forms.MultipleChoiceField(label=_("Skills needed (optional)"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    preferred_time = forms.CharField(label=_("Preferred time"), required=False, max_length=64,
                                     help_text=_("e.g. Saturday morning"))
    preferred_date = forms.CharField(label=_("Preferred date (optional)"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=200)
    community = forms.ChoiceField(label=_("Community"), required=False)
    grid = forms.ChoiceField(label=_("Grid (optional)"), required=False)
    # Staff recording a request taken by phone or at the counter:
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[(Channel.PHONE.value, Channel.PHONE.label),
                                         (Channel.WALK_IN.value, Channel.WALK_IN.label)])
    requester_name = forms.CharField(label=_("Requester's name"), required=False, max_length=64)
    requester_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    STAFF_FIELDS = ("channel", "requester_name", "grid")

    def __init__(self, *args, user, is_staff: bool, needs_community: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_staff = is_staff
        self.fields["skills"].choices = skill_choices()
        self.kind_help = KIND_HELP
        if is_staff:
            communities = managed_community_list(user)
            self.fields["community"].choices = community_choices(communities)
            self.fields["community"].required = True
            grids = Region.objects.filter(parent__in=communities, level=Region.Level.GRID).select_related("parent")
            self.fields["grid"].choices = [("", _("— whole community —"))] + [
                (g.code, f"{g.parent.name} · {g.name}") for g in grids.order_by("code")]
            self.fields["requester_name"].required = True
            self.fields["requester_phone"].label = _("Requester's phone")
        else:
            for name in self.STAFF_FIELDS:
                del self.fields[name]
            self.fields["requester_phone"].help_text = _("Optional. Your registered number is used otherwise; "
                                                         "only staff and your helper can see it.")
            if needs_community:
                self.fields["community"].choices = [("", _("— choose your community —"))] + community_choices(
                    Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
                self.fields["community"].required = True
            else:
                del self.fields["community"]

    def service_kwargs(self, photos) -> dict:
        kwargs = {
            "kind": self.value("kind") or Kind.SERVICE, "title": self.value("title"), "content": self.value("content"),
            "items": self.value("items") if self.value("kind") == Kind.ERRAND else "",
            "skills": self.values("skills"), "preferred_time": self.value("preferred_time"),
            "preferred_date": self.value("preferred_date") or None, "address": self.value("address"),
            "requester_phone": self.value("requester_phone"), "photos": photos,
        }
        if "community" in self.fields:
            kwargs["community"] = self.value("community")
        if self.is_staff:
            kwargs.update(channel=self.value("channel") or Channel.PHONE, requester_name=self.value("requester_name"),
                          grid=self.value("grid"))
        return kwargs


NOTE_LABELS = {
    Action.PUBLISH: _("Note (optional)"),
    Action.WITHDRAW: _("Why it comes off the board"),
    Action.DISPATCH: _("Note to the provider (optional)"),
    Action.ACCEPT: _("Note (optional)"),
    Action.DECLINE: _("Why you cannot take it"),
    Action.CLAIM: _("Note (optional)"),
    Action.RELEASE: _("Why you give it back"),
    Action.NO_SHOW: _("What happened"),
    Action.COMPLETE: _("What was done"),
    Action.REOPEN: _("What is still not done"),
    Action.CONFIRM: _("Note (optional)"),
    Action.CANCEL: _("Why it is cancelled"),
}
DANGER_ACTIONS = {Action.WITHDRAW, Action.DECLINE, Action.RELEASE, Action.NO_SHOW, Action.REOPEN, Action.CANCEL}
RATING_CHOICES = [("5", "★★★★★ 5"), ("4", "★★★★ 4"), ("3", "★★★ 3"), ("2", "★★ 2"), ("1", "★ 1")]


class ActionForm(_Raw):
    """One action on one order; fields depend on the action."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))

    def __init__(self, *args, action: Action, order, user, suggestions=None, **kwargs):
        super().__init__(*args, prefix=action.value, **kwargs)
        self.action = Action(action)
        self.order = order
        transition = TRANSITIONS[self.action]
        self.takes_photos = self.action in (Action.COMPLETE, Action.REOPEN)
        self.is_danger = self.action in DANGER_ACTIONS
        self.suggestions = suggestions or []
        self.fields["expected_version"].initial = order.version
        note = self.fields["note"]
        note.label = NOTE_LABELS.get(self.action, _("Note"))
        note.required = transition.note_required
        if transition.note_required:
            note.widget.attrs["required"] = True
        if self.action == Action.CONFIRM:
            label = (_("How was it?") if order.requester_id == user.pk
                     else _("The requester's rating (asked by phone or in person)"))
            self.fields["rating"] = forms.ChoiceField(label=label, choices=RATING_CHOICES, widget=forms.RadioSelect,
                                                      required=True)
            self.fields["thanks"] = forms.CharField(label=_("A word of thanks (optional)"), required=False,
                                                    widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}))
            del self.fields["note"]
        elif self.action == Action.DISPATCH:
            self.fields["provider"] = forms.ChoiceField(
                label=_("Suggested providers"), required=False, widget=forms.RadioSelect,
                choices=[(str(s.provider.pk), s.provider.display_name) for s in self.suggestions])
            suggested = {s.provider.pk for s in self.suggestions}
            others = [p for p in serving_providers(order).order_by("created_at", "id")
                      if p.pk not in suggested and p.user_id != order.requester_id]
            self.has_providers = bool(self.suggestions or others)
            self.selected = self.value("provider") if self.is_bound else (
                str(self.suggestions[0].provider.pk) if self.suggestions else "")
            if others:
                self.fields["provider_other"] = forms.ChoiceField(
                    label=_("…or another provider of the area"), required=False,
                    choices=[("", "—")] + [(str(p.pk), p.display_name) for p in others])
        self.order_fields([f for f in self.fields if f != "note"] + ["note"])

    def service_kwargs(self, files) -> dict:
        version = self.value("expected_version")
        kwargs = {"note": self.value("note"), "expected_version": version or None,  # garbled: a stale screen
                  "files": files if self.takes_photos else ()}
        if self.action == Action.CONFIRM:
            kwargs.update(rating=self.value("rating") or None, thanks=self.value("thanks"))
        elif self.action == Action.DISPATCH:
            kwargs["provider"] = self.value("provider") or self.value("provider_other")
        return kwargs


class ProviderForm(_Raw):
    kind = forms.ChoiceField(label=_("I take orders as"), choices=Provider.Kind.choices, widget=forms.RadioSelect)
    shop_name = forms.CharField(label=_("Shop name (merchants)"), required=False, max_length=100)
    skills = forms.MultipleChoiceField(label=_("What I can do"), required=True, widget=forms.CheckboxSelectMultiple)
    service_area = forms.MultipleChoiceField(label=_("Where I serve"), required=False,
                                             widget=forms.CheckboxSelectMultiple,
                                             help_text=_("Whole communities, or single grids. Empty: your home "
                                                         "community."))
    available_days = forms.MultipleChoiceField(label=_("Days I am usually free"), required=False, choices=WEEKDAYS,
                                               widget=forms.CheckboxSelectMultiple)
    availability_note = forms.CharField(label=_("When exactly"), required=False, max_length=100,
                                        help_text=_("e.g. weekday evenings after 6"))

    def __init__(self, data=None, *, provider: Provider | None = None, **kwargs):
        if provider is not None and data is None:
            kwargs.setdefault("initial", {
                "kind": provider.kind, "shop_name": provider.shop_name,
                "skills": [s.code for s in provider.skills.all()],
                "service_area": [r.code for r in provider.service_area.all()],
                "available_days": [str(d) for d in provider.available_days or []],
                "availability_note": provider.availability_note,
            })
        super().__init__(data, **kwargs)
        self.fields["skills"].choices = skill_choices()
        regions = list(Region.objects.filter(level__in=[Region.Level.COMMUNITY, Region.Level.GRID]).order_by("code"))
        self.fields["service_area"].choices = [(r.code, r.name) for r in regions]
        chosen = set(self.values("service_area")) if self.is_bound else set(self.initial.get("service_area", []))
        # Communities, each with its grids folded away: 83 grids are too many to show at once.
        groups: dict[int, dict] = {}
        for r in regions:
            if r.level == Region.Level.COMMUNITY:
                groups[r.pk] = {"code": r.code, "name": r.name, "checked": r.code in chosen, "grids": []}
        for r in regions:
            if r.level == Region.Level.GRID and r.parent_id in groups:
                groups[r.parent_id]["grids"].append({"code": r.code, "name": r.name, "checked": r.code in chosen})
        for group in groups.values():
            group["grids_checked"] = sum(1 for g in group["grids"] if g["checked"])
        self.area_groups = list(groups.values())

    def service_kwargs(self) -> dict:
        return {"kind": self.value("kind"), "shop_name": self.value("shop_name"), "skills": self.values("skills"),
                "service_area": self.values("service_area"), "available_days": self.values("available_days"),
                "availability_note": self.value("availability_note")}


class FromAppealForm(_Raw):
    kind = forms.ChoiceField(label=_("Handle it as"), choices=Kind.choices, widget=forms.RadioSelect,
                             initial=Kind.SERVICE)
    skills = forms.MultipleChoiceField(label=_("Skills needed (optional)"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    items = forms.CharField(label=_("Documents needed (errands)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One per line."))
    note = forms.CharField(label=_("Note for the provider (optional)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = skill_choices()

    def service_kwargs(self) -> dict:
        kind = self.value("kind") or Kind.SERVICE
        return {"kind": kind, "skills": self.values("skills"), "note": self.value("note"),
                "items": self.value("items") if kind == Kind.ERRAND else ""}


class WorkbenchFilterForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    queue = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, communities, queues, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["community"].choices = everything + community_choices(communities)
        self.fields["kind"].choices = everything + list(Kind.choices)
        self.fields["queue"].choices = everything + [(k, label) for k, label in queues]
        if len(communities) <= 1:
            del self.fields["community"]

    def filters(self) -> dict:
        if not self.is_bound:
            return {"community": "", "kind": "", "queue": ""}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: (data.get(k) or "") for k in ("community", "kind", "queue")}
