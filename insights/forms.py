"""The figures page's pickers: period and scope."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

THIS_MONTH, LAST_MONTH, THIS_YEAR, CUSTOM = "this_month", "last_month", "this_year", "custom"
PERIOD_CHOICES = [
    (THIS_MONTH, _("This month")),
    (LAST_MONTH, _("Last month")),
    (THIS_YEAR, _("This year")),
    (CUSTOM, _("Custom dates")),
]
DEFAULT_PERIOD = THIS_YEAR  # 今年以来: how the street reports its figures


def period_dates(choice: str, today: dt.date, start: dt.date | None = None,
                 end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First day and last day (inclusive) of the chosen period."""
    if choice == THIS_MONTH:
        first = today.replace(day=1)
        return first, _month_end(first)
    if choice == LAST_MONTH:
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        return first, _month_end(first)
    if choice == CUSTOM and start and end:
        return start, end
    return today.replace(month=1, day=1), today.replace(month=12, day=31)


def _month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


class FiguresForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    scope = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, regions=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {r.pk: r for r in regions}
        self.units = {u.pk: u for u in units}
        indent = {"street": "", "community": "\u3000", "grid": "\u3000\u3000"}
        self.fields["scope"].choices = [("", _("Everything I can see"))] + [
            (r.pk, f"{indent.get(r.level, '')}{r.name}") for r in regions]
        self.fields["unit"].choices = [("", _("All units"))] + [(u.pk, u.name) for u in units]

    def clean(self):
        data = super().clean()
        if data.get("period") == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Choose both a first and a last day for custom dates."))
            if start > end:
                raise forms.ValidationError(_("The first day must not be after the last day."))
        return data

    @property
    def has_units(self) -> bool:
        return bool(self.units)
