"""Login attempts are throttled (django-axes): per user name and address, with a cool-off."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from articles.admin.auth import client_ip

from .desk import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
HOME = "1.2.3.4"


def attempt(client, username, password, ip=HOME, **headers):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip, **headers)


def logged_in(client):
    return "_auth_user_id" in client.session


def lock_out(client, username, ip=HOME, **headers):
    """Fail until locked out; return the answers."""
    answers = [attempt(client, username, "wrong-password", ip, **headers) for _ in range(settings.AXES_FAILURE_LIMIT)]
    return answers


def test_bad_logins_lock_the_user_out_even_with_the_right_password(client, editor):
    answers = lock_out(client, editor.username)
    assert [a.status_code for a in answers[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert all("Please enter the correct username and password" in a.content.decode() for a in answers[:-1])
    locked = answers[-1]
    assert locked.status_code == 429
    refused = attempt(client, editor.username, PASSWORD)
    assert refused.status_code == 429 and not logged_in(client)
    assert refused["Retry-After"] == str(15 * 60)
    page = refused.content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page and 'id="locked-out"' in page
    assert "Newsroom desk" in page  # the desk's own login look, not a bare text or a 500
    assert client.get("/admin/").status_code == 302  # still not let in


def test_lockout_is_per_user_and_address(client, editor, contributor):
    lock_out(client, editor.username)
    assert attempt(client, editor.username, PASSWORD).status_code == 429
    # The same user from elsewhere, another user from here: not affected.
    assert attempt(client, editor.username, PASSWORD, ip="5.6.7.8").status_code == 302 and logged_in(client)
    client.logout()
    assert attempt(client, contributor.username, PASSWORD).status_code == 302 and logged_in(client)


def test_cool_off_ends_the_lockout(client, editor):
    lock_out(client, editor.username)
    assert attempt(client, editor.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    response = attempt(client, editor.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_a_good_login_resets_the_count(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, editor.username, "wrong-password").status_code == 200
    assert attempt(client, editor.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, editor.username, "wrong-password").status_code == 200
    assert attempt(client, editor.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_evade_the_lockout(client, editor):
    """Without configured proxies, X-Forwarded-For is the client's word: ignored."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, editor.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = attempt(client, editor.username, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429 and not logged_in(client)


def test_behind_a_configured_proxy_each_client_is_counted_apart(client, editor, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "TRUSTED_PROXIES": 1}
    proxy = "127.0.0.1"
    # The proxy appends the address it saw; what a client sends itself stays to the left.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, editor.username, "wrong-password", ip=proxy, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
    assert attempt(client, editor.username, PASSWORD, ip=proxy,
                   HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    # Another reader behind the same proxy logs in.
    response = attempt(client, editor.username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 302 and logged_in(client)


@pytest.mark.parametrize("proxies,forwarded,expected", [
    (0, "203.0.113.7", "192.0.2.1"),
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "10.0.0.1, 203.0.113.7", "203.0.113.7"),
    (2, "10.0.0.1, 203.0.113.7, 198.51.100.2", "203.0.113.7"),
    (2, "203.0.113.7", "192.0.2.1"),  # shorter than the chain of proxies: not believed
    (1, "not-an-address", "192.0.2.1"),
    (1, "", "192.0.2.1"),
    (1, "2001:db8::1", "2001:db8::1"),
])
def test_client_ip(settings, proxies, forwarded, expected):
    settings.NEWSROOM = {**settings.NEWSROOM, "TRUSTED_PROXIES": proxies}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
