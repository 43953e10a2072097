"""A reader in a real browser: filter the home page by topic, open an item."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests import public_data as data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site():
    root = data.topic("power-apps", "Power Apps")
    canvas = data.topic("canvas-apps", "Canvas apps", parent=root)
    ai = data.topic("ai", "AI")
    data.many(3, topics=[ai])
    story = data.article(
        10, topics=[root, canvas], title="Offline canvas apps are here",
        excerpt="Build once, work anywhere.", images=1,
    )
    data.article(11, topics=[canvas], published=False, title="Unpublished canvas draft")
    return story


def test_reader_filters_home_by_topic_and_opens_an_item(browser, live_server, site):
    wait = WebDriverWait(browser, 10)
    browser.get(live_server.url + "/")
    assert "Hottest right now" in browser.page_source
    # The stylesheet is served (no CDN): the header is styled.
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid"

    # Filter with the sidebar's topic navigation...
    browser.find_element(By.CSS_SELECTOR, ".topic-nav").find_element(By.LINK_TEXT, "Canvas apps").click()
    wait.until(EC.url_contains("topic=canvas-apps"))
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".content .card__title")]
    assert titles == ["Offline canvas apps are here"]

    # ...and with the filter form: the parent topic includes its subtopic.
    browser.get(live_server.url + "/")
    Select(browser.find_element(By.ID, "id_topic")).select_by_visible_text("Power Apps")
    browser.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    wait.until(EC.url_contains("topic=power-apps"))
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".content .card__title")]
    assert titles == ["Offline canvas apps are here"]
    assert "Unpublished canvas draft" not in browser.page_source

    browser.find_element(By.LINK_TEXT, "Offline canvas apps are here").click()
    wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Offline canvas apps are here"
    assert browser.current_url == live_server.url + site.get_absolute_url()
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "Read at")
    assert link.get_attribute("href") == site.web_url
    topics = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".item .tags a")]
    assert topics == ["Power Apps", "Canvas apps"]
