"""Content-Security-Policy (django-csp) on the public site and the desk.

The policy allows no inline script or style anywhere: the browser tests show that HTML
which escaped sanitizing runs without the policy and not with it, and that the public
pages and the desk (queue buttons, action bar, autocomplete, date shortcuts, the item
form) work under it without a single violation.
"""
import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from articles.models import Article, ArticleTopic, Topic
from tests import public_data as data

from .desk import PASSWORD, ensure_groups, make_items, user_in

HEADER = "Content-Security-Policy"


def directives(response):
    policy = response[HEADER]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


# ---- the header ------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_kind_of_response_carries_the_policy(client, admin_user):
    item = data.article(1)
    for url in ["/", item.get_absolute_url(), "/api/news/index.json", "/feeds/latest.rss", "/sitemap.xml",
                "/no-such-page/", "/api/nothing/index.json", "/admin/login/"]:
        response = client.get(url)
        policy = directives(response)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"], url
        assert "'unsafe-inline'" not in response[HEADER] and "'unsafe-eval'" not in response[HEADER], url
    # A page served again from the public cache, and a 304, keep it.
    again = client.get(item.get_absolute_url())
    assert HEADER in again
    assert HEADER in client.get("/", HTTP_IF_NONE_MATCH=client.get("/")["ETag"])
    client.force_login(admin_user)
    assert directives(client.get("/admin/"))["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_frames_only_from_the_embed_hosts(client):
    frames = directives(client.get("/"))["frame-src"]
    assert frames == [f"https://{host}" for host in settings.NEWSROOM["EMBED_HOSTS"]]
    assert "https://www.youtube.com" in frames and "'self'" not in frames


# ---- in the browser --------------------------------------------------------------------
RECORDER = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__violations.push(event.effectiveDirective + ' ' + event.blockedURI);
});
"""


def record_violations(browser):
    """Note every violation the browser reports, on every page this tab opens (a script
    injected through DevTools is not subject to the page's policy)."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})


def violations(browser):
    # Reports are queued as tasks: let them arrive before reading.
    browser.execute_async_script("setTimeout(arguments[arguments.length - 1], 150)")
    return browser.execute_script("return window.__violations")


def wait(browser, condition, timeout=10):
    return WebDriverWait(browser, timeout).until(condition)


PWNED = "return window.__pwned || null"
FRAMED = """
try { return document.getElementById('payload-frame').contentDocument.getElementById('framed') !== null; }
catch (e) { return false; }
"""
INJECTED_COLOUR = "return getComputedStyle(document.querySelector('h1.payload')).color"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_injected_html_runs_without_the_policy_and_not_under_it(browser, live_server, settings):
    settings.ROOT_URLCONF = "tests.csp_urls"
    record_violations(browser)

    # The control: with no policy, every part of the payload does its work.
    browser.get(live_server.url + "/payload/no-csp/")
    browser.find_element(By.ID, "payload-link").click()
    wait(browser, lambda b: b.execute_script(PWNED) and len(b.execute_script(PWNED)) == 3)
    assert sorted(browser.execute_script(PWNED)) == ["event handler", "inline script", "javascript: URL"]
    assert browser.execute_script(INJECTED_COLOUR) == "rgb(255, 0, 0)"
    wait(browser, lambda b: b.execute_script(FRAMED))

    # The site as served: nothing runs, the style and the frame are refused, and the
    # browser reports each refusal.
    browser.get(live_server.url + "/payload/")
    browser.find_element(By.ID, "payload-link").click()
    found = violations(browser)
    assert browser.execute_script(PWNED) is None
    assert browser.execute_script(INJECTED_COLOUR) != "rgb(255, 0, 0)"
    assert browser.execute_script(FRAMED) is False
    kinds = {v.split()[0] for v in found}
    assert {"script-src-elem", "script-src-attr", "style-src-elem", "frame-src"} <= kinds, found
    # The page's own stylesheet still applies.
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_pages_work_under_the_policy(browser, live_server):
    topic = data.topic("canvas-apps", "Canvas apps")
    data.many(3, topics=[topic])
    item = data.article(
        10, topics=[topic], title="An item with a video",
        featured_content='<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>',
        body="<p>Some <strong>body</strong> text.</p>",
    )
    record_violations(browser)
    for url in ["/", item.get_absolute_url(), "/topics/", "/topics/canvas-apps/", "/providers/",
                "/providers/example.com/", "/search/?q=video", "/no-such-page/"]:
        browser.get(live_server.url + url)
        assert violations(browser) == [], url
        assert browser.execute_script(
            "return getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid", url
    browser.get(live_server.url + item.get_absolute_url())
    frame = browser.find_element(By.CSS_SELECTOR, ".embed iframe")
    assert frame.get_attribute("src") == "https://www.youtube.com/embed/abc"
    assert violations(browser) == []  # an allowed host's frame is not refused


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_desk_works_under_the_policy(browser, live_server, django_user_model):
    ensure_groups()
    user_in(django_user_model, "Editor")
    items = make_items(4)
    first, second = items[0], items[1]
    Article.objects.filter(pk=first.pk).update(title="Best item", quality=140)
    extra = Topic.objects.create(topic_id="extra", name="Extra topic")
    record_violations(browser)

    # Log in through the form (django-axes checks the attempt).
    browser.get(live_server.url + "/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("editor")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    wait(browser, EC.presence_of_element_located((By.ID, "desk")))
    assert violations(browser) == []
    swatch = browser.find_element(By.CSS_SELECTOR, ".desk .legend .swatch rect")
    assert swatch.get_attribute("fill")  # the legend's colours, without a style attribute

    # The queue: one-click Publish (a formaction button).
    browser.get(live_server.url + "/admin/articles/reviewitem/")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr") if "Best item" in r.text)
    row.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "published"))
    assert violations(browser) == []
    first.refresh_from_db()
    assert first.published is True

    # The action bar: select a row (the admin's actions.js counts it), add a topic.
    browser.get(live_server.url + "/admin/articles/article/")
    checkbox = browser.find_element(By.CSS_SELECTOR, f"input.action-select[value='{second.pk}']")
    checkbox.click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".action-counter"), "1 of"))
    Select(browser.find_element(By.NAME, "action")).select_by_value("add_topic")
    Select(browser.find_element(By.NAME, "topic")).select_by_visible_text("Extra topic")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "Added topic"))
    assert violations(browser) == []
    assert ArticleTopic.objects.filter(article=second, topic=extra).exists()

    # The item form: autocomplete (select2), the date shortcuts, a related-story inline, save.
    browser.get(live_server.url + f"/admin/articles/article/{second.pk}/change/")
    assert browser.find_elements(By.CSS_SELECTOR, ".select2-container")  # autocomplete set up by its script
    browser.find_element(By.ID, "related_stories-group").find_element(By.LINK_TEXT, "Add another Related story").click()
    row = wait(browser, EC.presence_of_element_located((By.ID, "related_stories-0")))
    row.find_element(By.CSS_SELECTOR, ".select2-selection").click()
    search = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".select2-container--open .select2-search__field")))
    search.send_keys("Best")
    wait(browser, EC.element_to_be_clickable(
        (By.XPATH, "//li[contains(@class,'select2-results__option') and contains(., 'Best item')]"))).click()
    browser.find_element(By.CSS_SELECTOR, "#id_publish_at_0 ~ .datetimeshortcuts a").click()  # "Today"
    browser.find_element(By.CSS_SELECTOR, "#id_publish_at_1 ~ .datetimeshortcuts a").click()  # "Now"
    assert browser.find_element(By.ID, "id_publish_at_0").get_attribute("value")
    assert browser.find_element(By.ID, "id_publish_at_1").get_attribute("value")
    browser.find_element(By.NAME, "title").send_keys(" (edited)")
    browser.find_element(By.NAME, "_continue").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "changed successfully"))
    assert violations(browser) == []
    second.refresh_from_db()
    assert second.title.endswith("(edited)")
    assert second.related_stories.get().target_id == first.pk

    # History and the import page.
    for url in [f"/admin/articles/article/{second.pk}/history/", "/admin/articles/article/import/",
                "/admin/articles/provider/", "/admin/articles/topic/"]:
        browser.get(live_server.url + url)
        assert violations(browser) == [], url
