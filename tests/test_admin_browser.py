"""The editors' desk in a real browser (Debian's headless Chromium through Selenium)."""
import io

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from articles.models import Article, Provider, RelatedStory

from .desk import PASSWORD, ensure_groups, make_items, user_in
from .helpers import NEWS_ITEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(django_user_model, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM = {**settings.NEWSROOM, "IMPORT_STAGING": str(tmp_path / "staging")}
    ensure_groups()
    editor = user_in(django_user_model, "Editor")
    contributor = user_in(django_user_model, "Contributor")
    items = make_items(6)
    Article.objects.filter(pk=items[0].pk).update(title="Best item of the day", quality=140)
    Article.objects.filter(pk=items[1].pk).update(title="Dull press release", quality=130)
    Article.objects.filter(pk=items[2].pk).update(title="Canvas apps deep dive", quality=5)
    return {"editor": editor, "contributor": contributor, "items": items}


def wait(browser, condition, timeout=10):
    return WebDriverWait(browser, timeout).until(condition)


def login(browser, live_server, username):
    browser.delete_all_cookies()
    browser.get(live_server.url + "/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    wait(browser, EC.presence_of_element_located((By.ID, "user-tools")))


def queue_rows(browser):
    return browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")


def test_editor_works_the_desk(browser, live_server, desk, tmp_path):
    best, dull, deep = desk["items"][:3]
    login(browser, live_server, "editor")
    assert browser.find_element(By.ID, "desk").is_displayed()  # the desk at a glance
    browser.find_element(By.LINK_TEXT, "6").click()  # awaiting review -> the queue
    rows = queue_rows(browser)
    assert "Best item of the day" in rows[0].text  # best first

    # Publish the best item in one click.
    rows[0].find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "published"))
    best.refresh_from_db()
    assert best.published is True and best.decided_by == desk["editor"]

    # Reject another with a note.
    row = next(r for r in queue_rows(browser) if "Dull press release" in r.text)
    row.find_element(By.NAME, f"note-{dull.pk}").send_keys("press release, not news")
    row.find_element(By.CSS_SELECTOR, "button[value=reject]").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "rejected"))
    dull.refresh_from_db()
    assert dull.published is False and dull.decisions.get().note == "press release, not news"
    assert all("Dull press release" not in r.text for r in queue_rows(browser))

    # Link a related story through autocomplete.
    browser.get(live_server.url + f"/admin/articles/article/{best.pk}/change/")
    inline = browser.find_element(By.ID, "related_stories-group")
    inline.find_element(By.LINK_TEXT, "Add another Related story").click()
    row = wait(browser, EC.presence_of_element_located((By.ID, "related_stories-0")))
    row.find_element(By.CSS_SELECTOR, ".select2-selection").click()
    search = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".select2-container--open .select2-search__field")))
    search.send_keys("deep dive")
    option = wait(browser, EC.element_to_be_clickable((By.XPATH, "//li[contains(@class,'select2-results__option') and contains(., 'Canvas apps deep dive')]")))
    option.click()
    browser.find_element(By.NAME, "_continue").click()
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist")))
    story = RelatedStory.objects.get(article=best)
    assert story.target_id == deep.pk and story.title == "Canvas apps deep dive" and story.web_url == deep.web_url

    # Upload a provider logo.
    logo = tmp_path / "logo.png"
    Image.new("RGB", (500, 260), (20, 90, 160)).save(logo)
    provider = Provider.objects.get(domain="example.com")
    browser.get(live_server.url + f"/admin/articles/provider/{provider.pk}/change/")
    browser.find_element(By.NAME, "logo_upload").send_keys(str(logo))
    browser.find_element(By.NAME, "_continue").click()
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist")))
    provider.refresh_from_db()
    assert [(i["width"], i["height"]) for i in provider.images] == [(50, 50), (400, 400)]
    assert browser.find_elements(By.CSS_SELECTOR, "figure img")

    # Import a file through the dry run, then confirm.
    upload = tmp_path / "2024-06-01-from-the-browser.md"
    upload.write_text(NEWS_ITEM.replace('"A title"', '"From the browser"').replace("/a\"", "/browser\""))
    browser.get(live_server.url + "/admin/articles/article/import/")
    browser.find_element(By.NAME, "files").send_keys(str(upload))
    browser.find_element(By.NAME, "_dry_run").click()
    wait(browser, EC.presence_of_element_located((By.ID, "import-results")))
    assert "created" in browser.find_element(By.ID, "import-results").text
    assert not Article.objects.filter(title="From the browser").exists()
    browser.find_element(By.CSS_SELECTOR, "#import-confirm input[type=submit]").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "Imported"))
    assert Article.objects.filter(title="From the browser", path="_news/2024-06-01-from-the-browser.md").exists()


def test_contributor_cannot_publish_even_with_a_forged_post(browser, live_server, desk):
    item = desk["items"][0]
    login(browser, live_server, "contributor")
    browser.get(live_server.url + "/admin/articles/reviewitem/")
    assert queue_rows(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "button[value=publish]")
    options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "select[name=action] option")]
    assert "publish_selected" not in options and "reject_selected" not in options
    status = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
        const body = new FormData(); body.append('decision', 'publish'); body.append('csrfmiddlewaretoken', token);
        fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin'}).then(r => done(r.status));
        """,
        f"/admin/articles/reviewitem/{item.pk}/decide/",
    )
    assert status == 403
    item.refresh_from_db()
    assert item.published is False and not item.decisions.exists()
    # Providers and topics are read-only to a Contributor; overwriting the desk's edits
    # on import is not offered.
    browser.get(live_server.url + "/admin/articles/provider/")
    assert not browser.find_elements(By.CSS_SELECTOR, "a.addlink")
    browser.get(live_server.url + "/admin/articles/article/import/")
    assert browser.find_elements(By.NAME, "files") and not browser.find_elements(By.NAME, "overwrite")
    login(browser, live_server, "editor")
    browser.get(live_server.url + "/admin/articles/provider/")
    assert browser.find_elements(By.CSS_SELECTOR, "a.addlink")
    browser.get(live_server.url + "/admin/articles/article/import/")
    assert browser.find_elements(By.NAME, "overwrite")


def test_enter_in_a_row_note_keeps_it_and_reaches_that_rows_reject(browser, live_server, desk):
    """Defect 4 of issue 16: Enter in a queue row's note popped "You have unsaved
    changes", then "Items must be selected", and lost the note."""
    dull = desk["items"][1]
    login(browser, live_server, "editor")
    browser.get(live_server.url + "/admin/articles/reviewitem/")
    row = next(r for r in queue_rows(browser) if "Dull press release" in r.text)
    note = row.find_element(By.NAME, f"note-{dull.pk}")
    note.send_keys("not news" + Keys.ENTER)
    assert EC.alert_is_present()(browser) is False  # no "unsaved changes", no "must be selected"
    assert browser.find_element(By.NAME, f"note-{dull.pk}").get_attribute("value") == "not news"
    focused = browser.switch_to.active_element
    assert focused.get_attribute("value") == "reject" and focused.get_attribute("formaction").endswith(f"/{dull.pk}/decide/")
    focused.send_keys(Keys.ENTER)
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "rejected"))
    dull.refresh_from_db()
    assert dull.published is False and dull.decisions.get().note == "not news"
    assert not Article.objects.filter(published=True).exists()


def test_a_stale_row_button_is_refused_and_undo_works_in_the_browser(browser, live_server, desk):
    """Issue 16, defect 1: editor B rejects while editor A's queue page is open; A's
    Publish on that row is refused, naming B; A's own decision is undone from its message."""
    from articles.editorial.actions import RejectAction

    best, dull = desk["items"][:2]
    other = user_in(type(desk["editor"]), "Editor", "editor-b")
    login(browser, live_server, "editor")
    browser.get(live_server.url + "/admin/articles/reviewitem/")
    RejectAction(dull, user=other, note="press release").execute()  # B, in another session
    row = next(r for r in queue_rows(browser) if "Dull press release" in r.text)
    row.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    error = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist .error")))
    assert "editor-b rejected it at" in error.text and "press release" in error.text
    dull.refresh_from_db()
    assert dull.published is False and dull.decided_by == other

    row = next(r for r in queue_rows(browser) if "Best item of the day" in r.text)
    row.find_element(By.CSS_SELECTOR, "button[value=publish]").click()
    success = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist .success")))
    best.refresh_from_db()
    assert best.published is True
    success.find_element(By.CSS_SELECTOR, "button.nr-undo-button").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ul.messagelist"), "Undone: 1 item"))
    best.refresh_from_db()
    assert best.awaiting_decision and best.decisions.order_by("-pk").first().source == "undo"
    assert any("Best item of the day" in r.text for r in queue_rows(browser))
