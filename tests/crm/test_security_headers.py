"""Every page answers with a strict Content-Security-Policy and a Permissions-Policy, and the
production settings enforce them (not report-only), whatever DEBUG the environment holds."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def _assert_strict(header: str) -> None:
    directives = _directives(header)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    assert "http" not in header  # no other host


def test_pages_send_a_strict_policy(member_client):
    response = member_client.get(reverse("crm:dashboard"))
    _assert_strict(response["Content-Security-Policy"])
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_print_views_one_inline_style_carries_the_nonce(member_client, company, member):
    from selling import services
    from tests.factories import CustomerFactory

    quotation = services.quotation_create(customer=CustomerFactory(company=company), actor=member)
    response = member_client.get(reverse("selling:quotation_print", args=[quotation.pk]))
    policy = _directives(response["Content-Security-Policy"])
    nonce = next(value for value in policy["style-src"] if value.startswith("'nonce-"))
    assert f'<style nonce="{nonce[7:-1]}">' in response.content.decode()


def test_production_settings_enforce_the_policy():
    code = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import override_settings
# No collectstatic here: the plain storage stands in for the manifest one.
storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/accounts/login/", secure=True, HTTP_HOST="crm.example.com")
print(json.dumps({"status": response.status_code, "headers": dict(response.headers)}))
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.production_settings",
        "SECRET_KEY": "a-test-only-secret-that-is-long-enough-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "crm.example.com",
        "DEBUG": "1",  # a stray DEBUG must not turn the policy into report-only
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    headers = answer["headers"]
    _assert_strict(headers["Content-Security-Policy"])
    assert "Content-Security-Policy-Report-Only" not in headers
    assert "camera=()" in headers["Permissions-Policy"]
