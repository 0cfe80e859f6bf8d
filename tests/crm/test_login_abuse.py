"""Guessing passwords: django-axes locks a username + address out after the configured
failures, says so and for how long; the password reset form is throttled the same way."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory


def _log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_passwords_lock_the_account_from_that_address_for_the_cool_off(client, db):
    user = UserFactory(username="dana")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            response = _log_in(client, "dana", "wrong")
            assert response.status_code == 200
            assert "Please enter a correct username and password" in response.content.decode()
        response = _log_in(client, "dana", "wrong")
        assert response.status_code == 429

        # Now even the right password is refused, with a page that says why and for how long.
        response = _log_in(client, "dana", DEFAULT_PASSWORD)
        assert response.status_code == 429
        page = response.content.decode()
        assert "Too many wrong passwords" in page
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        assert f"Try again in {minutes} minutes" in page
        assert "_auth_user_id" not in client.session

        # Another person's account from the same address, and this one from elsewhere, still work.
        other = UserFactory(username="sam")
        assert _log_in(client, other.username, DEFAULT_PASSWORD).status_code == 302
        client.logout()
        assert _log_in(client, "dana", DEFAULT_PASSWORD, address="10.0.0.2").status_code == 302
        client.logout()

        # After the cool-off the right password logs in from the first address too.
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert _log_in(client, "dana", DEFAULT_PASSWORD).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_right_password_resets_the_count(client, db):
    UserFactory(username="dana")
    for _round in range(3):
        for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _log_in(client, "dana", "wrong").status_code == 200
        assert _log_in(client, "dana", DEFAULT_PASSWORD).status_code == 302
        client.logout()


def test_password_reset_requests_are_limited(client, db, settings):
    settings.PASSWORD_RESET_LIMIT = 3
    UserFactory(email="dana@example.com")
    url = reverse("password_reset")
    for _attempt in range(3):
        response = client.post(url, {"email": "dana@example.com"}, REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    response = client.post(url, {"email": "dana@example.com"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200
    assert "Too many password reset requests" in response.content.decode()
    assert len(mail.outbox) == 3
    # The same limit for an address nobody has: the answer does not tell which ones exist.
    for _attempt in range(3):
        client.post(url, {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.0.8")
    response = client.post(url, {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.0.8")
    assert "Too many password reset requests" in response.content.decode()
    # From a fresh address, another e-mail still gets its link.
    UserFactory(email="sam@example.com")
    assert client.post(url, {"email": "sam@example.com"}, REMOTE_ADDR="10.0.0.7").status_code == 302
    assert len(mail.outbox) == 4


def test_behind_a_proxy_a_forged_address_cannot_lock_out_someone_else(client, db, settings):
    """With one trusted proxy, the address is the one the proxy saw (the right end of
    X-Forwarded-For), not what the client wrote there."""
    settings.PROXY_COUNT = 1
    UserFactory(username="dana")
    proxy = "10.0.0.254"
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "dana", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",  # forged, then what the proxy saw
        )
    # The attacker (203.0.113.9) is locked out...
    response = client.post(
        reverse("login"),
        {"username": "dana", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 429
    # ...Dana, arriving through the same proxy from her own address, is not.
    response = client.post(
        reverse("login"),
        {"username": "dana", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    assert response.status_code == 302
