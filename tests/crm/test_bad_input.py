"""Whatever is typed into a form, the answer is a page (never a crash) and bad input writes nothing."""

from decimal import Decimal

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import Company

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=text, currency=text, vat=st.one_of(text, st.decimals(allow_nan=True).map(str)))
def test_company_settings_accept_only_valid_values(member_client, company, name, currency, vat):
    before = Company.objects.values("name", "currency", "default_vat_rate").get(pk=company.pk)
    response = member_client.post(
        reverse("crm:settings"), {"name": name, "currency": currency, "default_vat_rate": vat}
    )
    after = Company.objects.values("name", "currency", "default_vat_rate").get(pk=company.pk)
    if response.status_code == 302:
        assert after["currency"] == currency and len(currency) == 3 and currency.isupper()
        assert Decimal(0) <= after["default_vat_rate"] <= Decimal(100)
        Company.objects.filter(pk=company.pk).update(**before)
    else:
        assert response.status_code == 200
        assert after == before
        # The user is told what to fix, next to the field.
        assert 'class="field-error"' in response.content.decode()
