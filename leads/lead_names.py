"""The names an opportunity is found by through its lead, stored on it (``lead_names``).

The search boxes (the opportunity list's and the top bar's) find an opportunity by its title and
by its lead's name, organization, e-mail and phone. Asked through the lead, a fragment went
first to the leads' trigram index, which read every lead of every company holding it ("ange" at a
million leads: 18,909 index entries, 15 ms, for the 101 opportunities wanted), then to the
opportunities by their lead key. Stored, the opportunities' own trigram index (over the title and
this copy, ``crm.ui.search``) answers it like any other column, and the search asks one index.

The copy is the lead's search document (its ``search_fields`` joined by spaces), "" without a
lead: a search term holds no space, so the opportunity's document (title, space, copy) holds a
term exactly when its title or its lead's document does. ``crm.stored_names`` keeps it
(``OPPORTUNITY_LEAD_NAMES``): the opportunity's ``save()`` writes it when the opportunity is new
or its lead changed, a saved lead refreshes its opportunity (connected in ``leads.apps``), the
generator writes it with the rows, a migration filled in the existing ones, and
``manage.py verify_figures`` checks it (``opportunity_lead_names``).
"""

from __future__ import annotations

from django.db.models import Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from crm.stored_names import Source, StoredNames
from crm.ui.search import search_document

# The lead's columns whose change shows on its opportunity: the ones its search document holds.
LEAD_NAMES = ("first_name", "last_name", "organization_name", "email", "phone")


def names_expression(models_, *, lead_id):
    """The names of an opportunity whose lead is ``lead_id``. Unscoped: the very lead the
    opportunity points at."""
    if lead_id is None:
        return Value("", output_field=TextField())
    if models_ is None:
        from leads.models import Lead
    else:
        Lead = models_["Lead"]
    rows = (
        Lead._base_manager.filter(pk=lead_id)
        .annotate(names=search_document(LEAD_NAMES))
        .values("names")[:1]
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


def _opportunities_of(lead):
    from leads.models import Opportunity

    return Opportunity._base_manager.filter(lead=lead.pk)


OPPORTUNITY_LEAD_NAMES = StoredNames(
    model="leads.Opportunity",
    column="lead_names",
    keys=("lead_id",),
    expression=names_expression,
    repaired=gettext_noop(
        "The names this opportunity is searched by disagreed with its lead and were "
        "copied again: %(problems)s."
    ),
    sources=(Source("leads.Lead", rows=_opportunities_of, fields=frozenset(LEAD_NAMES)),),
)
