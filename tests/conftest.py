"""Shared test fixtures: the shared corpus, and a real headless Chromium.

In CI (CI=true) a missing corpus or browser is a failure, never a skip.
"""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
SITE = CORPUS / "everyday-powerapps"
SEED = CORPUS / "seed"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition, reason):
    """Skip on a laptop, fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_site():
    require(SITE.is_dir(), f"shared corpus not found at {SITE}")
    return SITE


@pytest.fixture(scope="session")
def seed_dir():
    require(SEED.is_dir(), f"shared seed not found at {SEED}")
    return SEED


@pytest.fixture
def fixtures_dir():
    return FIXTURES


def pytest_runtest_setup(item):
    """``@pytest.mark.postgresql`` tests are skipped on SQLite, where they have nothing to
    check: a skip in the report, never a pass that checked nothing."""
    if item.get_closest_marker("postgresql") is not None:
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip(f"PostgreSQL only (this run is on {connection.vendor})")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def browser(request):
    """A headless Debian Chromium driven by Selenium; screenshot saved on failure."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    require(
        os.path.exists(chromium) and os.path.exists(chromedriver),
        "Debian chromium and chromium-driver are not installed (make browser-deps)",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.implicitly_wait(0)
    yield driver
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace("::", "__")
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.quit()


@pytest.fixture
def client():
    """pytest-django's ``client``, logging in through django-axes (see ``desk.Client``)."""
    from .desk import Client

    return Client()


@pytest.fixture
def editor(django_user_model):
    """A staff user in the Editor group (may publish)."""
    from .desk import user_in

    return user_in(django_user_model, "Editor")


@pytest.fixture
def contributor(django_user_model):
    """A staff user in the Contributor group (may edit, never publish)."""
    from .desk import user_in

    return user_in(django_user_model, "Contributor")
