"""The generator's value pools: what they make must pass the models' own validation."""

import random
import re
from collections import Counter

from django.core.validators import validate_email

from addressbook.models import validate_country_code
from crm.sample.generate_values import (
    COUNTRIES,
    Weighted,
    ascii_slug,
    organization,
    personal_email,
    phone_number,
    pick_country,
    postcode,
    street_line,
    work_email,
)
from customers.models import phone_digits


def test_names_fold_to_ascii_for_email_addresses():
    assert ascii_slug("Müller & Söhne") == "muellersoehne"
    assert ascii_slug("Wiśniewski") == "wisniewski"
    assert ascii_slug("Groß Straße", "-") == "gross-strasse"
    assert ascii_slug("de Jong", "-") == "de-jong"


def test_people_organizations_and_addresses_are_valid():
    rng = random.Random(1)
    for _ in range(2000):
        country = pick_country(rng)
        city = rng.choice(country.cities)
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        name, domain = organization(rng, country, last, city)
        assert name[0].isupper() and len(name) <= 200
        assert domain.endswith(".example") and ascii_slug(domain.split(".")[0], "-")
        validate_email(work_email(first, last, domain))
        validate_email(personal_email(rng, first, last))
        phone = phone_number(rng, country, city)
        assert phone.startswith(country.phone_code) and 9 <= len(phone_digits(phone)) <= 15
        assert re.fullmatch(r"[0-9A-Z -]{4,9}", postcode(rng, country, city))
        assert re.search(r"\d", street_line(rng, country))
        validate_country_code(country.code)


def test_countries_are_drawn_by_weight():
    rng = random.Random(2)
    drawn = Counter(pick_country(rng).code for _ in range(20000))
    assert drawn.most_common(1)[0][0] == "DE"
    assert set(drawn) == {country.code for country in COUNTRIES}


def test_weighted_draws_follow_their_weights_and_never_pick_a_zero():
    rng = random.Random(3)
    draw = Weighted(("a", "b", "c"), (1, 0, 3))
    drawn = Counter(draw.pick(rng) for _ in range(8000))
    assert drawn["b"] == 0
    assert 2.5 < drawn["c"] / drawn["a"] < 3.5
