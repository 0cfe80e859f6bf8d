"""The filter forms' markup written in Python (crm.ui.fast_forms) is exactly what Django's widget
templates write, for every list's filters, empty, filled in and with errors, in both languages."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

import crm.ui.fast_forms
import crm.ui.filters
from crm.models import Membership
from crm.ui.dates import LocalDateField
from crm.ui.fast_forms import FastFormRenderer, field_html
from crm.ui.filters import SearchFilterSet
from tests.factories import (
    IndividualPartnerFactory,
    LeadFactory,
    LeadSourceFactory,
    MembershipFactory,
    OpportunityStageFactory,
    SalespersonFactory,
)


def _filtersets() -> list[type[SearchFilterSet]]:
    import addressbook.filters  # noqa: F401
    import crm.filters  # noqa: F401
    import customers.filters  # noqa: F401
    import leads.filters  # noqa: F401
    import selling.filters  # noqa: F401

    found, pending = [], list(SearchFilterSet.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__qualname__)


FILTERSETS = _filtersets()


def _markup(form, renderer) -> str:
    form.renderer = renderer
    return "".join(
        f"{field.label_tag()}|{field}|{field.errors}" for field in form if not field.is_hidden
    ) + "".join(str(field) for field in form if field.is_hidden)


@pytest.fixture
def filter_request(company):
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN).user
    SalespersonFactory(company=company, name="Ada <Lovelace> & Co", user=user)
    LeadSourceFactory(company=company, name="Fair “2026”")
    OpportunityStageFactory(company=company, name="Talks & offers")
    IndividualPartnerFactory(company=company, name="Partner 'quoted'")
    request = RequestFactory().get("/")
    request.user = user
    request.company = company
    return request


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda cls: cls.__qualname__)
def test_every_filter_form_renders_as_the_templates_do(filterset, language, filter_request):
    bound_values = {
        "q": 'a "quoted" <b>term</b> & more',
        "status": "no-such-status",  # an error under the select
        "created_from": "2026-13-40",  # and one under the date
        "created_to": "2026-02-01",
        "min_total": "-5",
        "is_active": "true",
    }
    with translation.override(language):
        for data in (None, {}, bound_values):
            fast = filterset(
                data, queryset=filterset._meta.model.objects.all(), request=filter_request
            )
            slow = filterset(
                data, queryset=filterset._meta.model.objects.all(), request=filter_request
            )
            if data:
                fast.form.is_valid()
                slow.form.is_valid()
            expected = _markup(slow.form, DjangoTemplates())
            assert _markup(fast.form, FastFormRenderer()) == expected
            assert "<option" in expected or "<input" in expected


def test_the_choices_of_an_existing_row_are_selected_as_the_templates_do(filter_request, company):
    import leads.filters

    source = LeadSourceFactory(company=company, name="Referral")
    data = {"source": str(source.pk), "q": "x"}
    fast = leads.filters.LeadFilter(data, queryset=None, request=filter_request).form
    slow = leads.filters.LeadFilter(data, queryset=None, request=filter_request).form
    html = _markup(fast, FastFormRenderer())
    assert html == _markup(slow, DjangoTemplates())
    assert f'<option value="{source.pk}" selected>Referral</option>' in html


def test_option_groups_and_odd_widgets_render_as_the_templates_do():
    class Odd(forms.Form):
        grouped = forms.ChoiceField(
            choices=[("", "-"), ("Fruit", [("a", "Apple & pear"), ("b", "<Banana>")]), ("c", "C")]
        )
        ticked = forms.BooleanField(required=False)  # a template the renderer leaves alone
        many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two")])
        numbered = forms.ChoiceField(choices=[(1, 1000), (2, 2000)])  # labels to localize
        note = forms.CharField(widget=forms.Textarea, help_text="<b>help</b>")
        hidden = forms.CharField(widget=forms.HiddenInput, initial='"x"')

    for data in (None, {"grouped": "b", "many": ["2"], "numbered": "2", "note": "<i>"}):
        fast, slow = Odd(data), Odd(data)
        assert _markup(fast, FastFormRenderer()) == _markup(slow, DjangoTemplates())


def _filter_form(html: str) -> str:
    return re.search(r'<form class="filters".*?</form>', html, re.S).group(0)


@pytest.mark.parametrize(
    "url_name", ["leads:lead_list", "leads:opportunity_list", "customers:customer_list"]
)
def test_a_list_page_serves_the_same_filter_markup(member_client, company, url_name, monkeypatch):
    LeadFactory(company=company)
    url = reverse(url_name)
    params = {"q": "ada", "created_from": "2026-01-01", "status": "bogus"}
    fast = _filter_form(member_client.get(url, params).content.decode())
    monkeypatch.setattr(crm.ui.filters, "fast_renderer", DjangoTemplates())
    slow = _filter_form(member_client.get(url, params).content.decode())
    assert fast == slow


def _field_template(field, wide) -> str:
    return get_template("crm/partials/_field.html").render({"field": field, "wide": wide})


@pytest.mark.parametrize("language", ["en", "id"])
def test_form_field_writes_what_the_field_template_writes(language, filter_request):
    class Odd(forms.Form):
        name = forms.CharField(help_text="Say <who> & why", max_length=5)
        ticked = forms.BooleanField(help_text="tick")
        choice = forms.ChoiceField(choices=[("a", "<A>"), ("b", "B & b")])
        day = LocalDateField(required=False)
        secret = forms.CharField(widget=forms.HiddenInput, initial='"x"', required=False)

    import leads.filters

    forms_to_render = []
    with translation.override(language):
        bad = {
            "name": "<too long>",
            "choice": "zz",
            "day": "40/40/2026",
            "status": "no-such-status",
            "created_from": "2026-13-40",
        }
        for data in (None, bad):
            forms_to_render.append(Odd(data))
            forms_to_render.append(
                leads.filters.LeadFilter(data or None, queryset=None, request=filter_request).form
            )
        for form in forms_to_render:
            form.is_valid()
            for field in form:
                for wide in (False, True):
                    assert str(field_html(field, wide=wide)) == _field_template(field, wide)
            assert any(field.errors for field in form) or not form.is_bound


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_bulk_bar_renders_as_the_templates_do(language, filter_request, company):
    from leads.forms import SalesRecordBulkForm
    from leads.models import Lead
    from leads.views.leads import lead_bulk_actions

    actions = list(lead_bulk_actions)
    with translation.override(language):
        for data in (None, {"action": "nope", "salesperson": "x"}):
            fast, slow = (
                SalesRecordBulkForm(
                    data, actions=actions, company=company, model=Lead, auto_id="bulk_%s"
                )
                for _ in range(2)
            )
            assert isinstance(fast.renderer, FastFormRenderer)
            fast.is_valid()
            slow.is_valid()
            assert _markup(fast, fast.renderer) == _markup(slow, DjangoTemplates())


def _with_radios(form, renderer) -> str:
    form.renderer = renderer
    radios = "".join(
        f"{radio.tag()}|{radio.tag(wrap_label=True)}|{radio.choice_label}"
        for field in form
        if field.widget_type == "radio"
        for radio in field
    )
    return _markup(form, renderer) + radios


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_detail_pages_small_forms_render_as_the_templates_do(language, company):
    from addressbook.forms import AddressNewLinkForm, ContactNewLinkForm
    from crm.forms import ActivityForm

    MembershipFactory(company=company)
    posted = {
        "kind": "call",
        "body": '<b>Said</b> "yes" & left\n\n',
        "duration_minutes": "-3",
        "new-contact-notes": "<i>x</i>",
        "new-contact-is_primary": "on",
        "new-address-is_primary": "on",
    }
    with translation.override(language):
        for data in (None, posted):
            for form_class, options in (
                (ActivityForm, {"auto_id": "timeline-x-%s"}),
                (AddressNewLinkForm, {"prefix": "new-address"}),
                (ContactNewLinkForm, {"prefix": "new-contact"}),
            ):
                fast, slow = (form_class(data, company=company, **options) for _ in range(2))
                fast.is_valid()
                slow.is_valid()
                expected = _with_radios(slow, DjangoTemplates())
                assert _with_radios(fast, FastFormRenderer()) == expected
                assert "<textarea" in expected or "checkbox" in expected


def _fields(form) -> list[str]:
    return [str(field_html(field)) for field in form]


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda cls: cls.__qualname__)
def test_kept_filter_markup_is_what_the_field_template_writes(filterset, language, filter_request):
    """The second rendering comes from the kept markup; both are the template's."""
    crm.ui.fast_forms._RENDERED.forget()
    with translation.override(language):
        for data in (None, {"q": '"x" & <y>', "created_to": "2026-02-01", "is_active": "false"}):
            for _visit in range(2):
                form = filterset(data, queryset=None, request=filter_request).form
                form.is_valid()
                assert form.cache_rendered_fields
                assert _fields(form) == [_field_template(field, False) for field in form]
    assert crm.ui.fast_forms._RENDERED


def test_a_form_with_errors_is_not_kept(filter_request):
    import leads.filters

    crm.ui.fast_forms._RENDERED.forget()
    form = leads.filters.LeadFilter({"status": "bogus"}, queryset=None, request=filter_request).form
    assert not form.is_valid()
    assert 'class="field-error"' in "".join(_fields(form))
    assert not crm.ui.fast_forms._RENDERED


def test_kept_markup_follows_the_values_the_language_and_the_lists(filter_request, company):
    from django_scopes import scope

    import leads.filters

    source = LeadSourceFactory(company=company, name="Referral")

    def source_field(data=None, language="en") -> str:
        with translation.override(language):
            form = leads.filters.LeadFilter(data, queryset=None, request=filter_request).form
            form.is_valid()
            return str(field_html(form["source"])) + str(field_html(form["status"]))

    first = source_field()
    assert source_field() == first
    assert ">Referral</option>" in first
    chosen = source_field({"source": str(source.pk), "status": "new"})
    assert f'<option value="{source.pk}" selected>Referral</option>' in chosen
    assert '<option value="new" selected>' in chosen
    assert source_field(language="id") != first
    # A renamed source bumps the company's lists version: the next request reads it anew.
    source.name = "Word of mouth"
    source.save()
    company.refresh_from_db()
    filter_request.company = company
    with scope(company=company):
        renamed = source_field()
    assert ">Word of mouth</option>" in renamed
    assert "Referral" not in renamed


def test_kept_bulk_bar_markup_is_what_the_field_template_writes(filter_request, company):
    from leads.forms import SalesRecordBulkForm
    from leads.models import Lead
    from leads.views.leads import lead_bulk_actions

    crm.ui.fast_forms._RENDERED.forget()
    for _visit in range(2):
        form = SalesRecordBulkForm(
            actions=list(lead_bulk_actions), company=company, model=Lead, auto_id="bulk_%s"
        )
        assert _fields(form) == [_field_template(field, False) for field in form]
    assert crm.ui.fast_forms._RENDERED
