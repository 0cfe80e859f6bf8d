"""Countries in Bahasa Indonesia: django-countries has no Indonesian names, so an Indonesian user
typed "Jerman" and was refused, and read "Germany" on the address card."""

import pytest
from django.urls import reverse
from django.utils import translation

from addressbook.countries import CountryInput, country_code
from addressbook.models import Address
from crm.country_names import country_name
from crm.models import UserPreferences


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Jerman", "DE"), ("belanda", "NL"), ("Amerika Serikat", "US"), ("Tiongkok", "CN")],
)
def test_indonesian_names_are_found(typed, code):
    with translation.override("id"):
        assert country_code(typed) == code
    # Typed into an English page too (the team may mix languages), as "Deutschland" is.
    with translation.override("en"):
        assert country_code(typed) == code


def test_names_follow_the_language():
    with translation.override("id"):
        assert country_name("DE") == "Jerman"
        assert country_name("ID") == "Indonesia"
        assert country_code("Atlantis") is None
    with translation.override("en"):
        assert country_name("DE") == "Germany"
    assert country_name("") == ""


def test_every_kept_name_is_the_one_looked_up():
    """The names are kept per language and process; each is what django-countries (or, in
    Indonesian, ``OWN_NAMES``) gives, asked in either order, twice."""
    from django_countries import countries

    from crm.country_names import OWN_NAMES

    for _round in range(2):
        for language in ("id", "en"):
            with translation.override(language):
                for code, _name in countries:
                    own = OWN_NAMES.get(language, {})
                    expected = own[code] if code in own else str(countries.name(code))
                    assert country_name(code) == expected, (language, code)


def test_the_indonesian_suggestions_are_indonesian_names_in_their_order():
    with translation.override("id"):
        markup = CountryInput().render("country", "")
    names = [part.split('"', 1)[0] for part in markup.split('<option value="')[1:]]
    assert "Jerman" in names and "Germany" not in names
    assert names == sorted(names, key=str.casefold)
    assert len(names) == len(set(names)) >= 249


def test_an_indonesian_user_saves_jerman_and_reads_it_back(member_client, member, company):
    member_client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert UserPreferences.objects.get(user=member).language == "id"
    response = member_client.post(
        reverse("addressbook:address_create"),
        {"street": "Unter den Linden 1", "city": "Berlin", "country": "Jerman"},
    )
    assert response.status_code == 302, response.context["form"].errors
    address = Address.objects.get()
    assert address.country == "DE"
    page = member_client.get(reverse("addressbook:address_detail", args=[address.pk]))
    assert "Jerman" in page.content.decode()
    assert "Germany" not in page.content.decode()


def test_an_address_reads_with_its_country_named_in_the_readers_language():
    """Panels, lookups and pickers show an address as one line: "DE" read as a typo."""
    address = Address(label="Office", street="Unter den Linden 1", postal_code="10117")
    address.city, address.country = "Berlin", "DE"
    with translation.override("en"):
        assert str(address) == "Office: Unter den Linden 1, 10117 Berlin, Germany"
    with translation.override("id"):
        assert str(address) == "Office: Unter den Linden 1, 10117 Berlin, Jerman"
    address.country = ""
    assert str(address) == "Office: Unter den Linden 1, 10117 Berlin"
