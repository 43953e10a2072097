"""Settings fail closed: manage.py started with the environments an operator might leave.

Each test starts a real ``manage.py`` with an environment of its own (none of the
suite's DJANGO_* variables leak in), as a server would be started.
"""
import json
import os
import secrets
import subprocess
import sys

import pytest

from .conftest import ROOT

REAL_KEY = secrets.token_urlsafe(64)
HOSTS = "news.example.org"


def manage(*args, **env):
    """Run manage.py with only ``env`` as configuration; return the finished process."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )


SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SECRET_KEY': s.SECRET_KEY, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS,"
    "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE,"
    "'SESSION_COOKIE_HTTPONLY': s.SESSION_COOKIE_HTTPONLY, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
    "'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS, 'SECURE_HSTS_INCLUDE_SUBDOMAINS': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
    "'AUTHENTICATION_BACKENDS': s.AUTHENTICATION_BACKENDS, 'MIDDLEWARE': s.MIDDLEWARE}))"
)


def settings_of(**env):
    proc = manage("shell", "-c", SHOW, **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("env,complaint", [
    ({}, "DJANGO_SECRET_KEY must be set"),
    # The finding: only the hosts set gave a public server with DEBUG and the laptop key.
    ({"DJANGO_ALLOWED_HOSTS": HOSTS}, "DJANGO_SECRET_KEY must be set"),
    ({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": HOSTS}, "DJANGO_SECRET_KEY must be set"),
    ({"DJANGO_DEBUG": "", "DJANGO_ALLOWED_HOSTS": HOSTS}, "DJANGO_SECRET_KEY must be set"),
    ({"DJANGO_DEBUG": "maybe", "DJANGO_ALLOWED_HOSTS": HOSTS}, "DJANGO_SECRET_KEY must be set"),
    ({"DJANGO_SECRET_KEY": "django-insecure-newsroom-laptop-only", "DJANGO_ALLOWED_HOSTS": HOSTS}, "not a real secret"),
    ({"DJANGO_SECRET_KEY": "django-insecure-" + REAL_KEY, "DJANGO_ALLOWED_HOSTS": HOSTS}, "not a real secret"),
    ({"DJANGO_SECRET_KEY": REAL_KEY[:49], "DJANGO_ALLOWED_HOSTS": HOSTS}, "not a real secret"),
    ({"DJANGO_SECRET_KEY": "abcd" * 20, "DJANGO_ALLOWED_HOSTS": HOSTS}, "not a real secret"),
    ({"DJANGO_SECRET_KEY": REAL_KEY}, "DJANGO_ALLOWED_HOSTS must name"),
    ({"DJANGO_SECRET_KEY": REAL_KEY, "DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS must name"),
])
def test_production_refuses_to_start_without_a_real_key_and_hosts(env, complaint):
    proc = manage("check", **env)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and complaint in proc.stderr


def test_production_settings_are_secure_and_pass_the_deploy_checks():
    env = {"DJANGO_SECRET_KEY": REAL_KEY, "DJANGO_ALLOWED_HOSTS": HOSTS}
    proc = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout
    found = settings_of(**env)
    assert found["DEBUG"] is False and found["SECRET_KEY"] == REAL_KEY and found["ALLOWED_HOSTS"] == [HOSTS]
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"] and found["SESSION_COOKIE_HTTPONLY"]
    assert found["SECURE_SSL_REDIRECT"] and found["SECURE_HSTS_SECONDS"] >= 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert found["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"
    assert "csp.middleware.CSPMiddleware" in found["MIDDLEWARE"]
    assert found["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"


def test_debug_only_when_asked_for():
    laptop = settings_of(DJANGO_DEBUG="1")
    assert laptop["DEBUG"] is True and laptop["SECRET_KEY"].startswith("django-insecure")
    assert laptop["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert laptop["SESSION_COOKIE_SECURE"] is False  # http://127.0.0.1 must keep its session
    assert settings_of(DJANGO_SECRET_KEY=REAL_KEY, DJANGO_ALLOWED_HOSTS=HOSTS)["DEBUG"] is False


def test_demo_editor_is_refused_in_production_with_no_way_around():
    env = {"DJANGO_SECRET_KEY": REAL_KEY, "DJANGO_ALLOWED_HOSTS": HOSTS}
    proc = manage("create_demo_editor", **env)
    assert proc.returncode == 1 and "DEBUG is off" in proc.stderr and "create_editor" in proc.stderr
    assert "newsroom-editor" not in proc.stdout + proc.stderr
    # The old --force is gone (argparse now reads it as Django's --force-color): still refused.
    forced = manage("create_demo_editor", "--force", "--password", "x" * 20, **env)
    assert forced.returncode == 1 and "DEBUG is off" in forced.stderr


def test_forwarded_proto_is_believed_only_from_trusted_proxies():
    """Without a proxy in front, a client sending X-Forwarded-Proto: https must not pass a
    plain-HTTP request off as secure."""
    show = "from django.conf import settings as s; print(repr(getattr(s, 'SECURE_PROXY_SSL_HEADER', None)))"
    env = {"DJANGO_SECRET_KEY": REAL_KEY, "DJANGO_ALLOWED_HOSTS": HOSTS}
    direct = manage("shell", "-c", show, **env)
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout.strip().splitlines()[-1] == "None"
    proxied = manage("shell", "-c", show, NEWSROOM_TRUSTED_PROXIES="1", **env)
    assert proxied.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
