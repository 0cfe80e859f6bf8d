import pytest
from django.contrib import admin

from addressbook.owners import register_owner, unregister_owner
from crm.models import Membership
from tests.factories import MembershipFactory


@pytest.fixture
def membership_owner(company):
    """A second owner type for tests: memberships of company A may own addresses too."""
    model_admin = admin.site._registry[Membership]
    inlines = list(model_admin.inlines)
    register_owner("crm.membership", select_related=("user", "company"))
    yield MembershipFactory(company=company)
    unregister_owner("crm.membership")
    model_admin.inlines = inlines


@pytest.fixture
def panel_request(rf, company, member):
    """A request as the panels see it: company A active."""
    request = rf.get("/")
    request.company = company
    request.user = member
    return request
