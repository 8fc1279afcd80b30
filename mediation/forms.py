"""Forms of the mediation pages.

They render the fields and carry what the user typed back after an error. They
do not judge the values: `mediation.services` does, once, for the pages and the
API alike. `service_kwargs()` hands the raw values on.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Unit

from . import selectors
from .workflow import (
    TRANSITIONS,
    Action,
    DisputeType,
    MediatorKind,
    Partner,
    PartyRole,
    ReferralResult,
    Risk,
    Source,
)

PARTY_ROWS = 4
SIGNED_ACCEPT = "image/jpeg,image/png,image/webp,image/gif,application/pdf"
DANGER_ACTIONS = frozenset({Action.WITHDRAW, Action.REOPEN, Action.ESCALATE, Action.REFER})


class _Raw(forms.Form):
    def value(self, name: str) -> str:
        key = self.add_prefix(name)
        return (self.data.get(key) or "").strip() if self.is_bound else ""


def _blank(choices, label=None):
    return [("", label or "—")] + list(choices)


class RecordForm(_Raw):
    """A grid worker on the phone or staff at the counter records a dispute."""

    title = forms.CharField(label=_("Title"), required=False, max_length=120,
                            help_text=_("Optional. A short summary, e.g. “Water leaking from upstairs”."))
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
                                  help_text=_("Who, what, since when; any threats said. At least 5 characters."))
    dispute_type = forms.ChoiceField(label=_("Type of dispute"), choices=_blank(DisputeType.choices))
    source = forms.ChoiceField(label=_("Where it came from"),
                               choices=[c for c in Source.choices if c[0] != Source.APPEAL], initial=Source.GRID)
    grid = forms.ChoiceField(label=_("Grid"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        grids = list(selectors.recordable_grids(user))
        self.fields["grid"].choices = _blank([(g.code, f"{g.parent.name} · {g.name}") for g in grids])
        if len(grids) == 1:
            self.fields["grid"].initial = grids[0].code
        self.party_rows = []
        for i in range(PARTY_ROWS):
            self.fields[f"party{i}_name"] = forms.CharField(label=_("Name"), required=False, max_length=64)
            self.fields[f"party{i}_phone"] = forms.CharField(
                label=_("Phone"), required=False, max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
            self.fields[f"party{i}_role"] = forms.ChoiceField(
                label=_("Role"), required=False, choices=PartyRole.choices,
                initial=PartyRole.APPLICANT if i == 0 else PartyRole.RESPONDENT)
            self.party_rows.append((self[f"party{i}_name"], self[f"party{i}_phone"], self[f"party{i}_role"]))

    def parties(self) -> list[dict]:
        rows = []
        for i in range(PARTY_ROWS):
            name, phone, role = (self.value(f"party{i}_{k}") for k in ("name", "phone", "role"))
            if name or phone:
                rows.append({"name": name, "phone": phone, "role": role})
        return rows

    def service_kwargs(self) -> dict:
        return dict(title=self.value("title"), description=self.value("description"),
                    dispute_type=self.value("dispute_type"), source=self.value("source"),
                    grid=self.value("grid") or None, parties=self.parties())


class FromAppealForm(RecordForm):
    """转为矛盾纠纷调解 on the appeal page: the appeal gives the place and the story."""

    def __init__(self, *args, appeal=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("source", "grid"):
            del self.fields[name]
        self.fields["description"].required = False
        self.fields["description"].label = _("Note (optional)")
        self.fields["description"].help_text = _("Added below the appeal's own text.")
        if appeal is not None:
            self.fields["title"].initial = appeal.title
            self.fields["party0_name"].initial = appeal.reporter_name

    def service_kwargs(self) -> dict:
        return dict(title=self.value("title"), note=self.value("description"),
                    dispute_type=self.value("dispute_type"), parties=self.parties())


class ActionForm(_Raw):
    """One action's form on the dispute page; fields depend on the action."""

    def __init__(self, *args, action: Action, dispute=None, **kwargs):
        kwargs.setdefault("prefix", action.value)
        super().__init__(*args, **kwargs)
        self.action = action
        self.is_danger = action in DANGER_ACTIONS
        self.takes_file = action == Action.SIGN
        transition = TRANSITIONS[action]
        f = self.fields
        if action == Action.ACCEPT:
            candidates = selectors.mediator_candidates(dispute) if dispute is not None else []
            f["mediator_user"] = forms.ChoiceField(label=_("Mediator (an account)"), required=False,
                                                   choices=_blank([(u.pk, u.display_name) for u in candidates]))
            f["mediator_name"] = forms.CharField(label=_("…or the mediator's name"), required=False, max_length=64,
                                                 help_text=_("A people's mediator, elder or lawyer without an account."))
            f["mediator_kind"] = forms.ChoiceField(label=_("Kind of mediator"), choices=MediatorKind.choices,
                                                   initial=MediatorKind.PEOPLES_MEDIATOR)
        if action == Action.AGREE:
            f["facts"] = forms.CharField(label=_("Facts of the dispute"),
                                         widget=forms.Textarea(attrs={"rows": 3, "maxlength": 4000}))
            f["terms"] = forms.CharField(label=_("Agreed terms"),
                                         widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
                                         help_text=_("One term per line: who does what by when."))
        if action == Action.SIGN:
            f["signed_copy"] = forms.FileField(label=_("Signed agreement (photo or PDF)"),
                                               widget=forms.ClearableFileInput(attrs={"accept": SIGNED_ACCEPT}))
        if action == Action.REFER:
            f["partner"] = forms.ChoiceField(label=_("Linkage partner"), choices=_blank(Partner.choices))
            f["partner_name"] = forms.CharField(label=_("Partner's name"), required=False, max_length=100,
                                                help_text=_("e.g. the court or police station"))
            f["unit"] = forms.ChoiceField(label=_("Unit on Linli (optional)"), required=False,
                                          choices=_blank([(u.pk, u.name) for u in Unit.objects.filter(
                                              is_active=True, kind__in=[Unit.Kind.POLICE, Unit.Kind.DEPARTMENT,
                                                                        Unit.Kind.OTHER])]))
        if action == Action.FEEDBACK:
            f["result"] = forms.ChoiceField(label=_("Result"), choices=_blank(ReferralResult.choices))
        f["note"] = forms.CharField(
            label=_("Note") if transition.note_required else _("Note (optional)"), required=transition.note_required,
            widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}))
        if action == Action.FEEDBACK:
            f["note"].label = _("The partner's feedback")
        if action == Action.REFER:
            f["note"].label = _("Why it is referred")

    def service_kwargs(self, files=None) -> dict:
        keys = ("mediator_user", "mediator_name", "mediator_kind", "facts", "terms", "partner", "partner_name",
                "unit", "result")
        kwargs = {k: self.value(k) for k in keys if k in self.fields}
        kwargs["note"] = self.value("note")
        kwargs["expected_version"] = self.value("expected_version") or None
        if self.takes_file:
            kwargs["signed_copy"] = (files or {}).get(self.add_prefix("signed_copy"))
        return kwargs


class SessionForm(_Raw):
    prefix = "session"
    held_at = forms.CharField(label=_("When"), required=False,
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                              help_text=_("Empty: now."))
    place = forms.ChoiceField(label=_("Mediation room"), required=False)
    location = forms.CharField(label=_("…or where"), required=False, max_length=200)
    attendees = forms.CharField(label=_("Who was there"), required=False, max_length=400)
    notes = forms.CharField(label=_("Session notes"), widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}))

    def __init__(self, *args, dispute=None, **kwargs):
        super().__init__(*args, **kwargs)
        from places.models import Place

        places = Place.objects.filter(is_active=True, region_id__in=[dispute.community_id, dispute.street_id]) \
            if dispute is not None else Place.objects.none()
        rooms = sorted(places, key=lambda p: (p.kind != Place.Kind.MEDIATION_ROOM, p.name))
        self.fields["place"].choices = _blank([(p.pk, p.name) for p in rooms])

    def service_kwargs(self) -> dict:
        return {k: self.value(k) for k in ("held_at", "place", "location", "attendees", "notes")}


class FollowUpForm(_Raw):
    prefix = "follow"
    holds = forms.ChoiceField(label=_("Does the agreement hold?"), widget=forms.RadioSelect,
                              choices=[("yes", _("Yes, it holds")), ("no", _("No, it is broken"))])
    note = forms.CharField(label=_("What you found"), widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))
    close = forms.BooleanField(label=_("Close the dispute now (only if it holds)"), required=False)

    def service_kwargs(self) -> dict:
        return dict(holds=self.value("holds"), note=self.value("note"), close=self.value("close") in ("on", "1", "true"),
                    expected_version=self.value("expected_version") or None)


class MediatorForm(_Raw):
    prefix = "mediator"
    user = forms.ChoiceField(label=_("An account"), required=False)
    name = forms.CharField(label=_("…or a name"), required=False, max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=MediatorKind.choices, initial=MediatorKind.VOLUNTEER)

    def __init__(self, *args, dispute=None, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = selectors.mediator_candidates(dispute) if dispute is not None else []
        self.fields["user"].choices = _blank([(u.pk, u.display_name) for u in candidates])

    def service_kwargs(self) -> dict:
        return dict(user=self.value("user") or None, name=self.value("name"), kind=self.value("kind"))


class RiskForm(_Raw):
    prefix = "risk"
    level = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}))

    def service_kwargs(self) -> dict:
        return dict(level=self.value("level"), reason=self.value("reason"),
                    expected_version=self.value("expected_version") or None)


class WorkbenchFilterForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), required=False)
    risk = forms.ChoiceField(label=_("Risk"), required=False, choices=_blank(Risk.choices, _("All")))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = _blank(
            [(c.pk, c.name) for c in selectors.workbench_communities(user)], _("All"))
