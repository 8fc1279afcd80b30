"""Forms of the places pages. They render the fields and carry what the user
typed back after an error; `places.services` judges the values, once, for the
pages and the API alike."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import hours as H
from .models import AMENITY_ICONS, Amenity, Place


class _Raw(forms.Form):
    def value(self, name: str) -> str:
        return (self.data.get(name) or "").strip() if self.is_bound else ""


class NearbyForm(forms.Form):
    """The public page's filters (GET)."""

    open = forms.BooleanField(label=_("Open now"), required=False)
    amenity = forms.ChoiceField(label=_("Offering"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    community = forms.ChoiceField(label=_("Near the centre of"), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amenity"].choices = [("", _("Any offering"))] + [
            (c, f"{AMENITY_ICONS.get(c, '')} {label}") for c, label in Amenity.choices]
        self.fields["kind"].choices = [("", _("Any kind"))] + list(Place.Kind.choices)
        self.fields["community"].choices = [("", _("The street centre"))] + [(c.code, c.name) for c in communities]


class PlaceForm(_Raw):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 长青社区党群服务站"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Place.Kind.choices)
    region = forms.ChoiceField(label=_("Community or street"))
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    phone = forms.CharField(label=_("Public phone of the place"), required=False, max_length=32,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}),
                            help_text=_("The station's own line, shown to the public; not a person's mobile."))
    contact_name = forms.CharField(label=_("Contact post"), required=False, max_length=64,
                                   help_text=_("A post, not a person: e.g. 值班社工"))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))
    is_public = forms.BooleanField(label=_("Show on the public map"), required=False, initial=True)
    closes_on_holidays = forms.BooleanField(label=_("Closed on statutory public holidays"), required=False)
    hours_note = forms.CharField(label=_("Note on the hours"), required=False, max_length=200)
    lng = forms.CharField(label=_("Longitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lat = forms.CharField(label=_("Latitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        for day in range(7):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=H.weekday_name(day), required=False, max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "08:30-12:00, 14:00-18:00"}))

    def hour_fields(self):
        return [self[f"hours_{day}"] for day in range(7)]

    def amenity_rows(self, current: dict[str, str] | None = None):
        """(code, label, icon, checked, own hours) for the offerings table."""
        current = current or {}
        rows = []
        for code, label in Amenity.choices:
            if self.is_bound:
                checked = code in self.data.getlist("amenities")
                own = self.value(f"amenity_hours_{code}")
            else:
                checked = code in current
                own = current.get(code, "")
            rows.append({"code": code, "label": label, "icon": AMENITY_ICONS.get(code, ""), "checked": checked,
                         "own": own})
        return rows

    def service_kwargs(self) -> dict:
        data = {name: self.value(name) for name in ("name", "kind", "region", "address", "phone", "contact_name",
                                                     "description", "hours_note", "lng", "lat")}
        data["is_public"] = bool(self.data.get("is_public"))
        data["closes_on_holidays"] = bool(self.data.get("closes_on_holidays"))
        data["hours"] = {day: self.value(f"hours_{day}") for day in range(7)}
        data["amenities"] = {code: self.value(f"amenity_hours_{code}") for code in self.data.getlist("amenities")}
        return data


class SpecialDayForm(_Raw):
    date = forms.CharField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_closed = forms.ChoiceField(label=_("That day"), widget=forms.RadioSelect, initial="1",
                                  choices=[("1", _("Closed")), ("0", _("Special hours"))])
    hours = forms.CharField(label=_("Special hours"), required=False, max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": "09:00-12:00"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=100, help_text=_("e.g. 春节闭馆"))

    def service_kwargs(self) -> dict:
        return {"date": self.value("date"), "is_closed": self.value("is_closed") != "0",
                "hours": self.value("hours"), "note": self.value("note")}


class UseForm(_Raw):
    date = forms.CharField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.CharField(label=_("People served"), widget=forms.NumberInput(attrs={"min": 0}))
    note = forms.CharField(label=_("Note"), required=False, max_length=100)

    def service_kwargs(self) -> dict:
        return {"date": self.value("date"), "count": self.value("count"), "note": self.value("note")}
