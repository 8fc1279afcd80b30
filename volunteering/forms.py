"""Forms of the volunteering pages.

Like the appeal forms they render labelled fields and carry what the user
typed back after an error; they do not judge the values — `services` does,
once, for the pages and the API alike. `service_kwargs()` hands the raw
values on.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .workflow import TeamKind


class _RawForm(forms.Form):
    """Every field optional and unchecked here; the service says what is wrong."""

    SERVICE_FIELDS: tuple[str, ...] = ()

    def value(self, name: str) -> str:
        return (self.data.get(self.add_prefix(name)) or "").strip() if self.is_bound else ""

    def service_kwargs(self) -> dict:
        return {name: self.value(name) for name in self.SERVICE_FIELDS}


def _local_input(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


class ActivityForm(_RawForm):
    team = forms.CharField(label=_("Team"), required=False)
    community = forms.CharField(label=_("Community"), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=100)
    place = forms.CharField(label=_("Place"), required=False, max_length=200,
                            help_text=_("Where volunteers gather, e.g. “North gate of 工行南小区”."))
    starts_at = forms.CharField(label=_("Starts"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.CharField(label=_("Ends"), required=False,
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    capacity = forms.CharField(label=_("Seats"), required=False,
                               widget=forms.NumberInput(attrs={"min": 1, "max": 1000, "inputmode": "numeric"}))
    max_hours = forms.CharField(label=_("Most hours credited"), required=False,
                                widget=forms.NumberInput(attrs={"min": "0.1", "step": "0.1", "inputmode": "decimal"}),
                                help_text=_("Leave empty to credit up to the activity's full length."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}))
    lng = forms.CharField(label=_("Longitude (optional)"), required=False,
                          widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lat = forms.CharField(label=_("Latitude (optional)"), required=False,
                          widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    SERVICE_FIELDS = ("title", "place", "starts_at", "ends_at", "capacity", "max_hours", "description", "lng", "lat")

    def __init__(self, *args, user, activity=None, **kwargs):
        if activity is not None and not args and "data" not in kwargs:
            kwargs["initial"] = {
                "title": activity.title, "place": activity.place, "description": activity.description,
                "starts_at": _local_input(activity.starts_at), "ends_at": _local_input(activity.ends_at),
                "capacity": activity.capacity,
                "max_hours": "" if activity.max_hours == activity.length_hours else activity.max_hours,
                "lng": "" if activity.lng is None else activity.lng, "lat": "" if activity.lat is None else activity.lat,
            }
        super().__init__(*args, **kwargs)
        self.editing = activity is not None
        if self.editing:
            del self.fields["team"], self.fields["community"]
            return
        communities = list(selectors.publishable_communities(user))
        managed = {c.pk for c in communities}
        teams = [t for t in selectors.teams() if t.community_id in managed or t.leader_id == user.pk]
        team_choices = [(str(t.pk), f"{t.community.name} · {t.name}") for t in teams]
        if communities:
            team_choices.insert(0, ("", _("— no team (community activity) —")))
        self.fields["team"].widget = forms.Select(choices=team_choices)
        if communities:
            self.fields["community"].widget = forms.Select(choices=[(str(c.pk), c.name) for c in communities])
            self.fields["community"].help_text = _("For an activity without a team. A team's activity is in its community.")
        else:
            del self.fields["community"]

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        if not self.editing:
            kwargs["team"] = self.value("team") or None
            kwargs["community"] = self.value("community") or None
        return kwargs


class TeamForm(_RawForm):
    name = forms.CharField(label=_("Team name"), required=False, max_length=100)
    community = forms.CharField(label=_("Community"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=TeamKind.choices)
    custom_kind = forms.CharField(label=_("Kind, in your words"), required=False, max_length=40,
                                  help_text=_("Only for “Other”, e.g. “Patrol volunteers”."))
    leader = forms.CharField(label=_("Leader (user name)"), required=False, max_length=150,
                             help_text=_("The person who approves members and runs the team's activities."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))
    is_active = forms.BooleanField(label=_("Active (takes new members and activities)"), required=False, initial=True)

    SERVICE_FIELDS = ("name", "kind", "custom_kind", "leader", "description")

    def __init__(self, *args, user, team=None, **kwargs):
        if team is not None and not args and "data" not in kwargs:
            kwargs["initial"] = {"name": team.name, "kind": team.kind, "custom_kind": team.custom_kind,
                                 "leader": team.leader.username if team.leader_id else "",
                                 "description": team.description, "is_active": team.is_active}
        super().__init__(*args, **kwargs)
        self.editing = team is not None
        if self.editing:
            del self.fields["community"]
        else:
            del self.fields["is_active"]
            self.fields["community"].widget = forms.Select(
                choices=[(str(c.pk), c.name) for c in selectors.publishable_communities(user)])

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        if self.editing:
            kwargs["is_active"] = self.value("is_active") in ("on", "1", "true", "True")
        else:
            kwargs["community"] = self.value("community")
        return kwargs


class CancelForm(_RawForm):
    reason = forms.CharField(label=_("Why is it cancelled?"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
                             help_text=_("Everyone signed up receives this message."))


class CorrectionForm(_RawForm):
    checked_in_at = forms.CharField(label=_("Checked in at"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    checked_out_at = forms.CharField(label=_("Checked out at"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(label=_("Reason for the correction"), required=False, max_length=500)

    SERVICE_FIELDS = ("checked_in_at", "checked_out_at", "note")

    def __init__(self, *args, signup=None, **kwargs):
        if signup is not None and not args and "data" not in kwargs:
            kwargs["initial"] = {"checked_in_at": _local_input(signup.checked_in_at),
                                 "checked_out_at": _local_input(signup.checked_out_at)}
            kwargs.setdefault("prefix", f"s{signup.pk}")
        super().__init__(*args, **kwargs)


class CertificateForm(_RawForm):
    period_start = forms.CharField(label=_("From (optional)"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.CharField(label=_("Until (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))

    SERVICE_FIELDS = ("period_start", "period_end")


class RevokeForm(_RawForm):
    code = forms.CharField(label=_("Certificate code"), required=False, max_length=32)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    SERVICE_FIELDS = ("code", "reason")


class JoinForm(_RawForm):
    note = forms.CharField(label=_("A word to the leader (optional)"), required=False, max_length=500)

    SERVICE_FIELDS = ("note",)


class DecideForm(_RawForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    SERVICE_FIELDS = ("note",)
