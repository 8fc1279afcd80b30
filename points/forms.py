"""Forms of the points pages.

They render labelled fields and carry what the user typed back to the page
after an error; they do not judge the values — `points.services` does, once,
for the pages and the API alike.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PointsRule

NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


def _text(label, *, max_length=200, help_text="", **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.TextInput(attrs={"maxlength": max_length, **attrs}))


def _number(label, *, help_text="", **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.NumberInput(attrs={**NUMBER, **attrs}))


class RawForm(forms.Form):
    def raw(self, name: str) -> str:
        """What the user typed, unjudged (a bound form never needs is_valid() here)."""
        value = self.data.get(self.add_prefix(name), "") if self.is_bound else ""
        return value if isinstance(value, str) else ""


class SearchForm(RawForm):
    q = forms.CharField(label=_("Name or phone number"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "maxlength": 40, "autocomplete": "off",
                                                      "placeholder": _("e.g. Zhang Guilan or 13912345678")}),
                        help_text=_("A phone number must be complete; looking one up is logged."))


class RedeemForm(RawForm):
    reward = forms.ChoiceField(label=_("Item"), required=False)
    quantity = _number(_("Quantity"), min=1, max=20)

    def __init__(self, *args, rewards=(), **kwargs):
        kwargs.setdefault("initial", {"quantity": 1})
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for r in rewards:
            label = _("%(name)s — %(points)d points (%(stock)d in stock)") % {
                "name": r.name, "points": r.points, "stock": r.stock}
            groups.setdefault(r.community.name, []).append((str(r.pk), label))
        choices = [("", _("Choose an item"))]
        choices += list(groups.items()) if len(groups) > 1 else next(iter(groups.values()), [])
        self.fields["reward"].choices = choices


class ReasonForm(RawForm):
    reason = _text(_("Reason"))


class AdjustForm(RawForm):
    amount = _number(_("Points"), help_text=_("Positive to grant, negative (e.g. -20) to take away."))
    reason = _text(_("Reason"), help_text=_("Shown to the person in their ledger."))
    community = forms.ChoiceField(label=_("Booked by"), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(c.pk), c.name) for c in communities]


class RewardForm(RawForm):
    name = _text(_("Name"), max_length=100)
    points = _number(_("Points"), min=1)
    stock = _number(_("Stock"), min=0, help_text=_("Items on the shelf now."))
    description = _text(_("Description"), max_length=500, help_text=_("Optional: size, brand, how to use a voucher."))

    def __init__(self, *args, with_stock: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_stock:
            del self.fields["stock"]


class RestockForm(RawForm):
    delta = _number(_("Add to stock"), help_text=_("A negative number writes items off."))
    note = _text(_("Note"), help_text=_("Optional: delivery, donor, or why items were written off."))


class RulesForm(RawForm):
    """One field per rule key; empty means "inherit from the street or the default"."""

    def __init__(self, *args, table=(), **kwargs):
        super().__init__(*args, **kwargs)
        for row in table:
            self.fields[row["key"]] = forms.CharField(
                label=PointsRule.Key(row["key"]).label, required=False, initial=row["own"],
                widget=forms.NumberInput(attrs={**NUMBER, "min": 0, "max": 1000,
                                                "placeholder": str(row["effective"])}))
