"""Two people edit the same record: the second save is refused with who changed what and when,
never silently putting back the first person's change; saving again keeps theirs on purpose."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from crm.models import Membership
from crm.phones import display_phone
from crm.versioning import StaleEditError
from tests.conftest import login_as
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
)


def post_data(form) -> dict:
    """What the browser sends back for a rendered form: each field's shown value."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(getattr(item, "pk", item)) for item in value]
            continue
        if isinstance(value, Model):
            value = value.pk
        if isinstance(value, datetime.date):
            value = value.isoformat()
        data[bound.html_name] = str(value)
    return data


def admin_post_data(context) -> dict:
    """The admin change form with its inlines, as the browser sends it back."""
    data = post_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        data.update(post_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(post_data(form))
    return data


@dataclass
class Case:
    name: str
    make: object  # company -> record
    url_name: str
    theirs: tuple[str, str, str]  # field, label, value the first person saves
    mine: tuple[str, str]  # field, value the second person types


CASES = [
    Case(
        "lead",
        lambda company: LeadFactory(company=company, phone="+49301111111"),
        "leads:lead_update",
        ("phone", "Phone", "+49302222222"),
        ("notes", "Called twice, no answer."),
    ),
    Case(
        "opportunity",
        lambda company: OpportunityFactory(company=company, title="Printers"),
        "leads:opportunity_update",
        ("title", "Title", "Printers for the new office"),
        ("expected_amount", "4500.00"),
    ),
    Case(
        "customer",
        lambda company: CustomerFactory(company=company, phone="+49401111111"),
        "customers:customer_update",
        ("phone", "Phone", "+49402222222"),
        ("email", "buying@example.com"),
    ),
    Case(
        "address",
        lambda company: AddressFactory(company=company, city="Berlin"),
        "addressbook:address_update",
        ("city", "City", "Hamburg"),
        ("street", "Elbchaussee 1"),
    ),
    Case(
        "contact",
        lambda company: ContactFactory(company=company, phone="+49301111111"),
        "addressbook:contact_update",
        ("phone", "Phone", "+49302222222"),
        ("email", "new@example.com"),
    ),
    Case(
        "product",
        lambda company: ProductFactory(company=company, unit_price=Decimal("100.00")),
        "crm:product_update",
        ("unit_price", "Net unit price", "120.00"),
        ("name", "Desk lamp, brass"),
    ),
]


@pytest.fixture
def people(company):
    dana = MembershipFactory(
        company=company,
        role=Membership.Role.MANAGER,
        user__first_name="Dana",
        user__last_name="Fox",
    ).user
    sam = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    return login_as(Client(), dana, company), login_as(Client(), sam, company)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_stale_edit_is_refused_with_the_differences(case, company, people):
    dana, sam = people
    record = case.make(company)
    url = reverse(case.url_name, args=[record.pk])
    page = sam.get(url)
    assert f'name="version" value="{record.version}"' in page.content.decode()  # sent back
    sams_form = post_data(page.context["form"])  # Sam opens the form...
    danas_form = post_data(dana.get(url).context["form"])  # ...and so does Dana.

    field, label, dana_value = case.theirs
    danas_form[field] = dana_value
    assert dana.post(url, danas_form).status_code == 302

    mine, sam_value = case.mine
    sams_form[mine] = sam_value
    response = sam.post(url, sams_form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dana Fox changed this" in page and "Nothing of yours was saved" in page
    differences = {row[0]: row[1:] for row in response.context["form"].stale_differences}
    assert label in differences  # Dana's field: saved value beside Sam's (stale) one
    assert len(differences) == 2  # and Sam's own change beside the saved value
    record.refresh_from_db()
    assert str(getattr(record, field)) == dana_value  # Dana's change stands
    assert str(getattr(record, mine)) != sam_value  # Sam's was not written

    # Sam has seen the differences: saving the same form again keeps Sam's values on purpose.
    again = post_data(response.context["form"])
    assert sam.post(url, again).status_code == 302
    record.refresh_from_db()
    assert str(getattr(record, mine)) == sam_value
    assert record.updated_by.first_name != "Dana"


def test_a_fresh_edit_saves_and_moves_the_version_on(company, people):
    dana, _sam = people
    lead = LeadFactory(company=company)
    url = reverse("leads:lead_update", args=[lead.pk])
    form = post_data(dana.get(url).context["form"])
    assert form["version"] == str(lead.version)
    form["phone"] = "+49 30 5555555"
    assert dana.post(url, form).status_code == 302
    lead.refresh_from_db()
    assert (lead.phone, lead.version, lead.updated_by.first_name) == ("+49305555555", 2, "Dana")


def test_a_status_move_in_between_makes_the_edit_stale_too(company, people):
    """Any write moves the version on, not only edit forms (here: a status change)."""
    dana, sam = people
    lead = LeadFactory(company=company)
    url = reverse("leads:lead_update", args=[lead.pk])
    form = post_data(sam.get(url).context["form"])
    dana.post(reverse("leads:lead_status", args=[lead.pk]), {"status": "contacted"})
    form["notes"] = "Late note"
    response = sam.post(url, form)
    assert response.status_code == 200
    assert "was changed at" in response.content.decode()
    lead.refresh_from_db()
    assert lead.notes != "Late note" and lead.status == "contacted"


def test_company_settings_are_versioned_too(company, people):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    other = MembershipFactory(company=company, role=Membership.Role.ADMIN).user
    first, second = login_as(Client(), owner, company), login_as(Client(), other, company)
    url = reverse("crm:settings")
    first_form = post_data(first.get(url).context["form"])
    second_form = post_data(second.get(url).context["form"])
    first_form["name"] = "Acme Trading GmbH"
    assert first.post(url, first_form).status_code == 302
    second_form["default_vat_rate"] = "7.00"
    response = second.post(url, second_form)
    assert response.status_code == 200 and "Nothing of yours was saved" in response.content.decode()
    company.refresh_from_db()
    assert company.name == "Acme Trading GmbH" and company.default_vat_rate != Decimal("7.00")


def test_the_admin_change_form_refuses_a_stale_save(company):
    admins = []
    for name in ("Dana", "Gus"):
        user = MembershipFactory(
            company=company, role=Membership.Role.ADMIN, user__is_staff=True, user__first_name=name
        ).user
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="leads"))
        admins.append(login_as(Client(), user, company))
    dana, gus = admins
    lead = LeadFactory(company=company, phone="+12127360100")
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    page = gus.get(url)
    assert f'name="version" value="{lead.version}"' in page.content.decode()  # sent back
    gus_form = admin_post_data(page.context)
    dana_form = admin_post_data(dana.get(url).context)
    assert gus_form["version"] == "1"
    dana_form["phone"] = "+1 212 736 0199"
    response = dana.post(url, dana_form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    gus_form["notes"] = "Gus was here"
    response = gus.post(url, gus_form)
    assert response.status_code == 200
    page = response.content.decode()
    # The differences show numbers as the pages do (crm.phones.display_phone).
    theirs, mine = (
        display_phone(n, region=company.dialing_region) for n in ("+12127360199", "+12127360100")
    )
    assert "changed this lead" in page and theirs in page and mine in page
    lead.refresh_from_db()
    assert (lead.phone, lead.notes) == ("+12127360199", "")


def test_two_saves_of_the_same_version_cannot_both_land(company):
    """The UPDATE itself checks the version: the form check cannot be raced past."""
    lead = LeadFactory(company=company)
    first, second = type(lead).objects.get(pk=lead.pk), type(lead).objects.get(pk=lead.pk)
    first.edited_by(None, seen_version=1)
    first.phone = "+1"
    first.save()
    second.edited_by(None, seen_version=1)
    second.phone = "+2"
    with pytest.raises(StaleEditError), transaction.atomic():
        second.save()
    lead.refresh_from_db()
    assert (lead.phone, lead.version) == ("+1", 2)


def test_an_admin_save_that_loses_the_race_after_the_form_check_says_so(company, monkeypatch):
    """Someone saves between the admin form's check and its UPDATE: no 500, nothing written."""
    from django.db.models import F

    from leads.admin import LeadAdmin
    from leads.models import Lead

    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="leads"))
    client = login_as(Client(), user, company)
    lead = LeadFactory(company=company, phone="+12127360100")
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    form = admin_post_data(client.get(url).context)
    original_save_model = LeadAdmin.save_model

    def save_after_someone_else(self, request, obj, form, change):
        Lead.objects.filter(pk=obj.pk).update(version=F("version") + 1, phone="+1 555 0142")
        original_save_model(self, request, obj, form, change)

    monkeypatch.setattr(LeadAdmin, "save_model", save_after_someone_else)
    form["notes"] = "Mine"
    response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    lead.refresh_from_db()
    # Nothing of this save was written (the stand-in "other save" ran inside the same request's
    # transaction, so it rolled back with it).
    assert (lead.notes, lead.version) == ("", 1)
