"""Forms of the appeal pages.

They render the fields (with labels, for accessibility) and carry what the
user typed back to the page after an error. They do not judge the values:
`appeals.services` does, once, for the web pages, the API and imports alike.
`service_kwargs()` hands the raw values on.
"""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import user_scopes
from core.errors import ValidationFailed
from regions.models import Region

from .models import CategoryRoute
from .selectors import active_categories, active_units, duplicate_candidates
from .workflow import TRANSITIONS, Action, Channel, Satisfaction, Status, Urgency

STAFF_CHANNEL_CHOICES = [(c.value, c.label) for c in (Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL, Channel.BUILDING_HEAD)]
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


def category_label(category) -> str:
    if category.name_en and (get_language() or "").startswith("en"):
        return category.name_en
    return category.name


def category_choices(*, leaves_only: bool) -> list:
    """Active categories grouped under their parent (optgroups). Without
    `leaves_only` each group starts with its parent, meaning "all of these"."""
    categories = list(active_categories())
    parents = {c.parent_id for c in categories if c.parent_id}
    groups: dict[str, list] = {}
    for c in categories:
        if c.pk in parents:
            if not leaves_only:
                groups.setdefault(category_label(c), []).insert(0, (c.code, _("%(name)s (all)") % {"name": category_label(c)}))
            continue
        key = category_label(c.parent) if c.parent_id else str(_("Other"))
        groups.setdefault(key, []).append((c.code, category_label(c)))
    return list(groups.items())


def scope_regions(user) -> tuple[list[Region], list[Region]]:
    """Communities and grids inside the user's region roles (for choice lists)."""
    scopes = user_scopes(user)
    base = Region.objects.filter(level__in=[Region.Level.COMMUNITY, Region.Level.GRID]).select_related("parent")
    if not scopes.is_admin:
        ids: set[int] = set()
        for role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.BUILDING_HEAD):
            for level in ("street", "community", "grid"):
                ids |= scopes.regions(role, level)
        if not ids:
            return [], []
        q = Q()
        for path in Region.objects.filter(pk__in=ids).values_list("path", flat=True):
            q |= Q(path__startswith=path)
        base = base.filter(q)
    regions = list(base.order_by("code"))
    return ([r for r in regions if r.level == Region.Level.COMMUNITY], [r for r in regions if r.level == Region.Level.GRID])


def _select(choices, **attrs) -> forms.Select:
    return forms.Select(choices=choices, attrs=attrs)


class ReportForm(forms.Form):
    category = forms.CharField(label=_("Category"), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=120,
                            help_text=_("Optional. A short summary, e.g. “Street light out at the north gate”."))
    content = forms.CharField(label=_("What is the problem?"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}),
                              help_text=_("Describe what, where and since when. At least 5 characters."))
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    reporter_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=20,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                                     help_text=_("Optional. Only staff handling it can see it in full."))
    # Staff recording a report from another channel:
    channel = forms.CharField(label=_("Channel"), required=False)
    reporter_name = forms.CharField(label=_("Reporter's name"), required=False, max_length=64)
    grid = forms.CharField(label=_("Grid"), required=False,
                           help_text=_("For address-only reports (e.g. a hotline call) without a map pin."))
    urgency = forms.CharField(label=_("Urgency"), required=False)

    STAFF_FIELDS = ("channel", "reporter_name", "grid", "urgency")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scopes = user_scopes(user)
        self.is_staff = scopes.is_staff_member
        self.fields["category"].widget = _select([("", _("— choose a category —"))] + category_choices(leaves_only=True))
        if self.is_staff:
            _communities, grids = scope_regions(user)
            self.fields["grid"].widget = _select(
                [("", _("— place by the map pin —"))] + [(g.code, f"{g.parent.name} · {g.name}") for g in grids])
            self.fields["channel"].widget = _select(STAFF_CHANNEL_CHOICES)
            self.fields["urgency"].widget = _select(Urgency.choices)
            if Role.GRID_WORKER in scopes.roles:
                default_channel = Channel.PATROL
            elif Role.BUILDING_HEAD in scopes.roles:
                default_channel = Channel.BUILDING_HEAD
            else:
                default_channel = Channel.HOTLINE
            self.fields["channel"].initial = default_channel
            self.fields["urgency"].initial = Urgency.NORMAL
            self.fields["reporter_phone"].label = _("Reporter's phone")
            self.fields["reporter_phone"].help_text = ""
        else:
            for name in self.STAFF_FIELDS:
                del self.fields[name]

    def value(self, name: str) -> str:
        return (self.data.get(name) or "").strip() if self.is_bound else ""

    def service_kwargs(self, files) -> dict:
        kwargs = {
            "category": self.value("category"), "title": self.value("title"), "content": self.value("content"),
            "address": self.value("address"), "lng": self.value("lng") or None, "lat": self.value("lat") or None,
            "reporter_phone": self.value("reporter_phone"), "photos": files, "channel": Channel.RESIDENT,
        }
        if self.is_staff:
            kwargs.update(channel=self.value("channel") or Channel.HOTLINE, reporter_name=self.value("reporter_name"),
                          grid_code=self.value("grid"), urgency=self.value("urgency") or Urgency.NORMAL)
        return kwargs


class WorkbenchFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, title, text or address")}))
    status = forms.CharField(label=_("Status"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    category = forms.CharField(label=_("Category"), required=False)
    community = forms.CharField(label=_("Community"), required=False)
    grid = forms.CharField(label=_("Grid"), required=False)
    unit = forms.CharField(label=_("Lead unit"), required=False)
    channel = forms.CharField(label=_("Channel"), required=False)
    date_from = forms.DateField(label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Reported to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities, grids = scope_regions(user)
        everything = [("", _("All"))]
        self.fields["status"].widget = _select(everything + [("open", _("Open (not finished)"))] + list(Status.choices))
        self.fields["category"].widget = _select(everything + category_choices(leaves_only=False))
        self.fields["community"].widget = _select(everything + [(c.code, c.name) for c in communities])
        self.fields["grid"].widget = _select(everything + [(g.code, f"{g.parent.name} · {g.name}") for g in grids])
        self.fields["unit"].widget = _select(everything + [(str(u.pk), u.name) for u in active_units()])
        self.fields["channel"].widget = _select(everything + list(Channel.choices))
        if len(communities) <= 1:
            del self.fields["community"]

    def filters(self) -> dict:
        """Keyword arguments for selectors.filter_appeals; a malformed date is ignored (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        keys = ("q", "status", "category", "community", "grid", "unit", "channel")
        result = {k: (data.get(k) or "").strip() for k in keys if k in self.fields}
        result["overdue"] = "1" if data.get("overdue") else ""
        for k in ("date_from", "date_to"):
            if isinstance(data.get(k), dt.date):
                result[k] = data[k]
        return result


# Label of the note field per action, and whether the action takes photos.
NOTE_LABELS = {
    Action.ACCEPT: _("Note (optional)"),
    Action.REJECT: _("Reason for not accepting"),
    Action.MERGE: _("Note (optional)"),
    Action.HANDLE: _("Note (optional)"),
    Action.ESCALATE: _("Why it needs the next level"),
    Action.RESOLVE: _("How it was resolved"),
    Action.WHISTLE: _("Instructions to the units"),
    Action.CLAIM: _("Note (optional)"),
    Action.RETURN: _("Why it was sent to the wrong unit"),
    Action.ANSWER: _("Answer: what was done"),
    Action.PASS: _("Note on the site check (optional)"),
    Action.FAIL: _("What is still wrong"),
    Action.RATE: _("Comment (optional)"),
    Action.CLOSE: _("Why it is closed without a rating"),
    Action.SUSPEND: _("Reason for suspending"),
    Action.RESUME: _("Note (optional)"),
}
PHOTO_ACTIONS = {Action.RESOLVE, Action.ANSWER, Action.PASS, Action.FAIL}
# Actions a user should confirm twice (they end or divert the loop).
DANGER_ACTIONS = {Action.REJECT, Action.MERGE, Action.RETURN, Action.FAIL, Action.CLOSE, Action.SUSPEND}


def default_unit_for(appeal):
    """The unit a whistle goes to unless staff choose otherwise: the most local route, else the category's."""
    routes = {r.region_id: r.unit for r in CategoryRoute.objects.filter(
        category_id=appeal.category_id, region_id__in=[appeal.grid_id, appeal.community_id, appeal.street_id]
    ).select_related("unit")}
    for region_id in (appeal.grid_id, appeal.community_id, appeal.street_id):
        if region_id in routes:
            return routes[region_id]
    return appeal.category.default_unit


class ActionForm(forms.Form):
    """One action on one appeal; fields depend on the action."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}))

    def __init__(self, *args, action: Action, appeal, user, **kwargs):
        super().__init__(*args, prefix=action.value, **kwargs)
        self.action = Action(action)
        self.appeal = appeal
        transition = TRANSITIONS[self.action]
        self.note_required = transition.note_required
        self.takes_photos = self.action in PHOTO_ACTIONS
        self.is_danger = self.action in DANGER_ACTIONS
        self.fields["expected_version"].initial = appeal.version
        note = self.fields["note"]
        note.label = NOTE_LABELS.get(self.action, _("Note"))
        note.required = transition.note_required
        if transition.note_required:
            note.widget.attrs["required"] = True
        if self.action == Action.RATE:
            label = (_("How satisfied are you with the result?") if appeal.reporter_id == user.pk
                     else _("The resident's satisfaction (from the return visit)"))
            self.fields["satisfaction"] = forms.ChoiceField(label=label,
                                                            choices=Satisfaction.choices, widget=forms.RadioSelect,
                                                            required=True)
        elif self.action == Action.MERGE:
            candidates = [(str(a.pk), f"{a.number} {a.title}") for a in duplicate_candidates(user, appeal)]
            self.fields["parent"] = forms.CharField(
                label=_("Merge into (same grid and category)"), required=False,
                widget=_select([("", _("— choose —"))] + candidates))
            self.fields["parent_number"] = forms.CharField(
                label=_("…or type the appeal number"), required=False, max_length=24,
                widget=forms.TextInput(attrs={"inputmode": "numeric"}))
        elif self.action == Action.WHISTLE:
            units = list(active_units())
            default = default_unit_for(appeal)
            self.fields["lead_unit"] = forms.CharField(
                label=_("Lead unit"), required=True, initial=str(default.pk) if default else "",
                widget=_select([("", _("— choose the lead unit —"))] + [(str(u.pk), u.name) for u in units]))
            self.fields["helper_units"] = forms.MultipleChoiceField(
                label=_("Helping units (optional)"), required=False, choices=[(str(u.pk), u.name) for u in units],
                widget=forms.CheckboxSelectMultiple)
            self.fields["deadline_workdays"] = forms.CharField(
                label=_("Time limit (working days)"), required=True, initial=str(appeal.category.limits(appeal.urgency)[1]),
                widget=forms.NumberInput(attrs={"min": 1, "max": 60, "inputmode": "numeric"}))
        # Move the note to the end so the specific fields come first.
        self.order_fields([f for f in self.fields if f != "note"] + ["note"])

    def value(self, name: str) -> str:
        return (self.data.get(self.add_prefix(name)) or "").strip() if self.is_bound else ""

    def service_kwargs(self, files, *, user) -> dict:
        from .selectors import visible_appeals

        version = self.value("expected_version")
        kwargs = {"note": self.value("note"), "expected_version": int(version) if version.isdigit() else None,
                  "files": files if self.takes_photos else ()}
        if self.action == Action.RATE:
            kwargs["satisfaction"] = self.value("satisfaction")
        elif self.action == Action.MERGE:
            parent = self.value("parent")
            typed = self.value("parent_number")
            if typed:
                parent = visible_appeals(user).filter(number=typed).values_list("pk", flat=True).first()
                if parent is None:
                    raise ValidationFailed(gettext("The appeal to merge into was not found."), code="parent_not_found")
            kwargs["parent"] = parent
        elif self.action == Action.WHISTLE:
            kwargs["lead_unit"] = self.value("lead_unit")
            kwargs["helper_units"] = [v for v in self.data.getlist(self.add_prefix("helper_units")) if v]
            kwargs["deadline_workdays"] = self.value("deadline_workdays")
        return kwargs


class SuperviseForm(forms.Form):
    note = forms.CharField(label=_("Supervision notice"), required=True,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000, "required": True}),
                           help_text=_("Sent to whoever holds the appeal now and their leader."))
