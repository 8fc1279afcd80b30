from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    """Only carries the values back to the page; accounts.services checks them."""

    username = forms.CharField(label=_("User name"), max_length=150, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                                             "spellcheck": "false", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=128, required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
