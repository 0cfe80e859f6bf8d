"""The top bar and the menu come from the cache (crm.ui.layout), and never another user's."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Company, Membership
from crm.templatetags import crm_tags
from crm.ui import layout
from tests.conftest import login_as
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _top(html: str) -> str:
    return html[html.index('<header class="topbar">') : html.index('<div class="messages"')]


def _uncached(monkeypatch, client, url: str) -> str:
    """The page with the fragment rendered afresh with this request's values, no placeholders."""

    def fresh(context):
        request = context["request"]
        return layout._fragment(
            context,
            request,
            csrf_token=context["csrf_token"],
            next_path=request.get_full_path(),
            search_value=request.GET.get("q", ""),
        )

    with monkeypatch.context() as patch:
        patch.setattr(crm_tags, "cached_layout_top", fresh)
        return client.get(url).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/leads/?status=new&q=a%26b",
        "/leads/opportunities/board/",
        "/customers/",
        "/selling/quotations/",
        "/search/?q=%3Cb%3E%22x%22",
        "/settings/",
    ],
)
def test_the_cached_top_is_the_rendered_one(member_client, monkeypatch, url):
    member_client.get(url)  # fills the cache
    cached = member_client.get(url).content.decode()
    assert "\ue000" not in cached
    token = re.search(r'"X-CSRFToken": "([^"]+)"', cached).group(1)
    # The top bar's forms carry the page's token, as before.
    assert set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)"', _top(cached))) == {token}
    fresh = _uncached(monkeypatch, member_client, url)
    assert TOKEN.sub(r"\1-", _top(cached)) == TOKEN.sub(r"\1-", _top(fresh))


def test_the_search_words_and_the_address_are_escaped(member_client):
    url = reverse("crm:search") + "?q=%3Cscript%3E"
    member_client.get(url)
    html = member_client.get(url).content.decode()
    assert 'value="&lt;script&gt;"' in _top(html)
    assert 'name="next" value="/search/?q=%3Cscript%3E"' in html
    # Elsewhere the search box starts empty, whatever the query holds.
    html = member_client.get(reverse("leads:lead_list") + "?q=%3Cscript%3E").content.decode()
    assert (
        'name="q" maxlength="100" autocomplete="off" spellcheck="false"\n             value=""'
        in (_top(html))
    )


def test_each_user_sees_their_own_name_and_companies(company, other_company):
    ours = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scopes_disabled():
        theirs = MembershipFactory(company=other_company, role=Membership.Role.SALESPERSON).user
    ours.first_name, theirs.first_name = "Olivia", "Theo"
    ours.save()
    theirs.save()
    first = login_as(Client(), ours, company)
    second = login_as(Client(), theirs, other_company)
    for _ in range(2):
        mine = _top(first.get("/leads/").content.decode())
        other = _top(second.get("/leads/").content.decode())
        assert "Olivia" in mine and "Acme Trading" in mine
        assert "Theo" not in mine and "Globex Supplies" not in mine
        assert "Theo" in other and "Globex Supplies" in other
        assert "Olivia" not in other and "Acme Trading" not in other


def test_a_rename_a_new_role_and_a_new_company_show_at_once(
    member_client, member, company, other_company
):
    url = reverse("leads:lead_list")
    assert "Settings</a>" in _top(member_client.get(url).content.decode())
    Company.objects.filter(pk=company.pk).update(name="Acme Renamed")
    Membership.objects.filter(user=member, company=company).update(role=Membership.Role.SALESPERSON)
    top = _top(member_client.get(url).content.decode())
    assert "Acme Renamed" in top and "Acme Trading" not in top
    assert "Settings</a>" not in top
    with scopes_disabled():
        MembershipFactory(company=other_company, user=member)
    assert "Globex Supplies" in _top(member_client.get(url).content.decode())


def test_the_menu_marks_the_page_shown(member_client):
    leads = _top(member_client.get(reverse("leads:lead_list")).content.decode())
    customers = _top(member_client.get(reverse("customers:customer_list")).content.decode())
    assert '/leads/" aria-current="page">' in leads
    assert '/customers/" aria-current="page">' not in leads
    assert '/customers/" aria-current="page">' in customers
    assert '/leads/" aria-current="page">' not in customers
