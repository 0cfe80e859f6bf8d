"""The access settings page's form: one select per record type, action and editable role."""

from django import forms
from django.utils.translation import gettext as _

from crm.access.defaults import FIXED_ROLES
from crm.access.engine import role_level
from crm.access.registry import record_types
from crm.access.vocabulary import Action, Level
from crm.models import Membership

__all__ = ["AccessLevelsForm"]


def _field_name(record_type: str, action: str, role: str) -> str:
    return f"{record_type.replace('.', '__')}--{action}--{role}"


class AccessLevelsForm(forms.Form):
    """``rows`` lists, per record type and action, the owner's fixed level and the bound select
    of each other role, in the order of ``roles``: the template draws them as a table."""

    # The levels' version the page was drawn with: a save over someone else's is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["version"].initial = company.access_version
        self.roles = list(Membership.Role)
        self.rows = []
        self._keys: dict[str, tuple[str, str, str]] = {}
        for record_type in record_types():
            for action in record_type.actions:
                cells = []
                for role in self.roles:
                    current = role_level(company, role, record_type, action)
                    if role in FIXED_ROLES:
                        cells.append((role, Level(current).label, None))
                        continue
                    name = _field_name(record_type.label, action, role)
                    self.fields[name] = forms.ChoiceField(
                        label=_("%(role)s may %(action)s %(records)s")
                        % {
                            "role": role.label,
                            "action": str(Action(action).label).lower(),
                            "records": record_type.verbose_name_plural,
                        },
                        choices=Level.choices,
                        initial=current,
                    )
                    self._keys[name] = (record_type.label, action, role)
                    cells.append((role, None, name))
                self.rows.append(
                    {
                        "records": record_type.verbose_name_plural,
                        "action": Action(action).label,
                        "cells": cells,
                    }
                )

    def bound_rows(self):
        for row in self.rows:
            yield {
                **row,
                "cells": [
                    (role, fixed, self[name] if name else None)
                    for role, fixed, name in row["cells"]
                ],
            }

    def describe(self, record_type: str, action: str, role: str) -> str:
        """The label of the select for this setting ("Salesperson may edit leads")."""
        return str(self.fields[_field_name(record_type, action, role)].label)

    def levels(self) -> dict[tuple[str, str, str], str]:
        return {key: self.cleaned_data[name] for name, key in self._keys.items()}
