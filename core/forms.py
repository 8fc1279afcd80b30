"""Form pieces shared by the apps' list pages."""

from django import forms


class ListFilterForm(forms.Form):
    """A list page's filters, read the same way by the page and by its Excel export."""

    def filters(self) -> dict:
        """The valid filters, each "" when absent or not one of the choices: a stale or hand-edited
        link narrows nothing rather than failing."""
        result = {}
        for name, field in self.fields.items():
            value = str(self.data.get(name) or "").strip()
            if isinstance(field, forms.ChoiceField):
                result[name] = value if value in {str(k) for k, _label in field.choices} else ""
            else:
                result[name] = value[:field.max_length]
        return result
