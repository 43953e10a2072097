"""The item page: fields, decisions from the form, stale forms, history."""
import pytest
from django.urls import reverse

from articles.editorial.actions import PublishAction
from articles.models import Article, ArticleChange

from .desk import PASSWORD, make_items, user_in

pytestmark = pytest.mark.django_db




def form_data(response):
    """The change form's initial data as a browser would post it back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if hasattr(field.widget, "decompress"):
            if value and not isinstance(value, list):
                from django.utils import timezone

                value = timezone.localtime(value)
                data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
            continue
        data[name] = value if not isinstance(value, bool) else ("on" if value else "")
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        mgmt = fs.management_form
        for name in mgmt.fields:
            data[f"{fs.prefix}-{name}"] = mgmt[name].value()
        for i, f in enumerate(fs.forms):
            for name in f.fields:
                value = f[name].value()
                if value is not None and not isinstance(value, bool):
                    data[f"{fs.prefix}-{i}-{name}"] = value
                elif value is True:
                    data[f"{fs.prefix}-{i}-{name}"] = "on"
    return {k: v for k, v in data.items() if v is not None}


def change_url(item):
    return reverse("admin:articles_article_change", args=[item.pk])


def test_item_page_groups_fields_and_keeps_secured(client, editor):
    item = make_items(1)[0]
    Article.objects.filter(pk=item.pk).update(secured="abc;def", body="<p>Hi<script>alert(1)</script></p>",
                                              extra={"price": 3, "levels": ["beginner"]})
    client.login(username=editor.username, password=PASSWORD)
    response = client.get(change_url(item))
    html = response.content.decode()
    for heading in ("Source and URLs", "Scores", "Provider", "Other keys of the file", "Suggested related stories",
                    "Images (in order)", "Related stories", "Topics (in order)"):
        assert heading in html
    assert "abc;def" in html and 'name="secured"' not in html
    assert "<script>alert(1)</script>" not in html.split('name="body"')[0].split("Body as readers see it")[-1]
    data = form_data(response)
    data["title"] = "New title"
    data["secured"] = "forged"
    response = client.post(change_url(item), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    item.refresh_from_db()
    assert item.title == "New title" and item.secured == "abc;def" and item.extra == {"price": 3, "levels": ["beginner"]}
    change = item.changes.get()
    assert change.changes == {"title": ["Item 0", "New title"]} and change.by == editor and change.source == "admin"


def test_body_preview_is_the_readers_rendering(client, editor):
    """The admin shows the body through the public site's sanitizer, not a second policy."""
    from articles.sanitize import sanitize_body

    item = make_items(1)[0]
    body = '<p onclick="x()">Read <a href="javascript:alert(1)">this</a> and <a href="https://e.org/">that</a></p>'
    Article.objects.filter(pk=item.pk).update(body=body)
    client.login(username=editor.username, password=PASSWORD)
    html = client.get(change_url(item)).content.decode()
    assert f'<div class="nr-body-preview">{sanitize_body(body)}</div>' in html
    assert "javascript:" not in html.split('name="body"')[0].split("Body as readers see it")[-1]
    assert "onclick" not in sanitize_body(body)


def test_stale_form_is_refused_with_what_changed(client, editor, django_user_model):
    item = make_items(1)[0]
    client.login(username=editor.username, password=PASSWORD)
    stale = form_data(client.get(change_url(item)))
    # A second editor saves first.
    other = user_in(django_user_model, "Editor", "second")
    from .desk import Client

    second = Client()
    second.login(username="second", password=PASSWORD)
    fresh = form_data(second.get(change_url(item)))
    fresh["title"] = "Second editor's title"
    assert second.post(change_url(item), fresh).status_code == 302
    stale["title"] = "First editor's title"
    response = client.post(change_url(item), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this item" in html and "second" in html and "Second editor&#x27;s title" in html
    item.refresh_from_db()
    assert item.title == "Second editor's title"
    assert [(c.by, c.changes) for c in item.changes.order_by("at", "pk")] == [
        (other, {"title": ["Item 0", "Second editor's title"]})
    ]  # the second editor's save only: the stale one recorded nothing


def test_editor_decides_from_the_form_contributor_cannot(client, editor, contributor):
    item = make_items(1)[0]
    client.login(username=contributor.username, password=PASSWORD)
    response = client.get(change_url(item))
    assert 'name="decision"' not in response.content.decode()
    data = form_data(response)
    data.update(decision="publish", published="on", title="Edited by a contributor")
    assert client.post(change_url(item), data).status_code == 302
    item.refresh_from_db()
    assert item.title == "Edited by a contributor" and item.published is False and not item.decisions.exists()
    client.login(username=editor.username, password=PASSWORD)
    data = form_data(client.get(change_url(item)))
    data.update(decision="reject", decision_note="duplicate")
    assert client.post(change_url(item), data).status_code == 302
    item.refresh_from_db()
    assert item.decided_by == editor and item.decisions.get().note == "duplicate"


def test_contributor_creates_an_item_that_awaits_review(client, contributor):
    client.login(username=contributor.username, password=PASSWORD)
    response = client.get(reverse("admin:articles_article_add"))
    data = form_data(response)
    data.update(title="Fresh from the desk", collection="news", published_at_0="2024-05-01", published_at_1="10:00:00",
                web_url="https://example.org/fresh")
    data.pop("published_at", None)
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item = Article.objects.get(title="Fresh from the desk")
    assert item.path == "_news/2024-05-01-fresh-from-the-desk.md" and item.awaiting_decision


def test_history_view_shows_field_level_changes(client, editor):
    item = make_items(1)[0]
    PublishAction(item, user=editor, note="go").execute()
    client.login(username=editor.username, password=PASSWORD)
    html = client.get(reverse("admin:articles_article_history", args=[item.pk])).content.decode()
    assert "change-history" in html and "published" in html and "False" in html and "True" in html and "go" in html
    assert ArticleChange.objects.filter(article=item).count() == 1


def test_link_a_suggestion_in_one_click(client, editor):
    a, b = make_items(2)
    client.login(username=editor.username, password=PASSWORD)
    html = client.get(change_url(a)).content.decode()
    assert f'name="target" value="{b.pk}"' in html
    response = client.post(reverse("admin:articles_article_link", args=[a.pk]), {"target": b.pk})
    assert response.status_code == 302
    assert a.related_stories.get().target == b


def test_autocomplete_finds_items_by_title_words_and_pages(client, editor):
    items = make_items(25)
    Article.objects.filter(pk=items[3].pk).update(title="Dataverse for Teams arrives")
    client.login(username=editor.username, password=PASSWORD)
    url = reverse("admin:autocomplete")
    base = {"app_label": "articles", "model_name": "relatedstory", "field_name": "target"}
    data = client.get(url, {**base, "term": "teams dataverse"}).json()
    assert [r["id"] for r in data["results"]] == [str(items[3].pk)] and data["pagination"]["more"] is False
    data = client.get(url, {**base, "term": "item"}).json()
    assert len(data["results"]) == 20 and data["pagination"]["more"] is True
    data = client.get(url, {**base, "term": "item", "page": 2}).json()
    assert len(data["results"]) == 4 and data["pagination"]["more"] is False


def test_related_inline_links_both_ways_reorders_and_keeps_unmatched_entries(client, editor):
    from articles.models import RelatedStory

    a, b = make_items(2)
    RelatedStory.objects.create(article=a, position=0, title="From another outlet", web_url="https://elsewhere.example/x")
    client.login(username=editor.username, password=PASSWORD)
    response = client.get(change_url(a))
    assert "From another outlet" in response.content.decode()  # unmatched entry visible and editable
    data = form_data(response)
    data["related_stories-TOTAL_FORMS"] = "2"
    data.update({"related_stories-1-position": "0", "related_stories-1-target": str(b.pk), "related_stories-1-link_back": "on",
                 "related_stories-1-article": str(a.pk)})
    data["related_stories-0-position"] = "1"
    response = client.post(change_url(a), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][2].formset.errors
    stories = list(a.related_stories.order_by("position"))
    assert [(s.position, s.target_id, s.title) for s in stories] == [(0, b.pk, "Item 1"), (1, None, "From another outlet")]
    assert b.related_stories.get().target == a  # linked back
    assert a.changes.filter(summary__startswith="related stories").exists()


@pytest.mark.parametrize("path, message", [
    ("_data/organizations/example.com.md", "would not read _data/organizations/example.com.md as an item"),
    ("_data/topics/x.yaml", "would not read"),
    ("../../x.md", "must stay inside the site"),
    ("_news/../../x.md", "must stay inside the site"),
    ("/etc/x.md", "not a plain relative path"),
    ("_news\\x.md", "not a plain relative path"),
    ("_news/.hidden.md", "would not read"),
    ("api/_news/x.md", "would not read"),
    ("_news/x.png", "would not read"),
    ("x.md", "would not read"),
])
def test_an_item_path_must_be_one_an_import_reads_back_as_the_item(client, editor, path, message):
    """Finding 7 of issue 11 (the path is typed on the add form; read-only afterwards)."""
    client.login(username=editor.username, password=PASSWORD)
    add = reverse("admin:articles_article_add")
    data = form_data(client.get(add))
    data.update(title="Typed path", collection="news", published_at_0="2024-05-01", published_at_1="10:00:00",
                web_url="https://example.org/typed", path=path)
    data.pop("published_at", None)
    response = client.post(add, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors.get("path", []))
    assert not Article.objects.exists()
    data["path"] = "_learning/videos/2024-05-01-typed.md"
    assert client.post(add, data).status_code == 302
    assert Article.objects.get().path == "_learning/videos/2024-05-01-typed.md"


def test_an_empty_add_form_does_not_save(client, editor):
    """Defect 5 of issue 16: a new item needs a title (a name for people and
    communities) and a URL readers can follow (webUrl or originalUrl)."""
    client.login(username=editor.username, password=PASSWORD)
    add = reverse("admin:articles_article_add")
    data = form_data(client.get(add))
    data.pop("published_at", None)
    response = client.post(add, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Give the item a title" in " ".join(errors["title"])
    assert "webUrl" in " ".join(errors["web_url"]) and "originalUrl" in " ".join(errors["web_url"])
    assert not Article.objects.exists()
    # Blank text is no title either.
    data.update(title="   ", web_url="https://example.org/x")
    response = client.post(add, data)
    assert response.status_code == 200 and "title" in response.context["adminform"].form.errors
    # A person has a name, and may have no URL.
    data.update(title="", name="Ada Lovelace", web_url="", collection="people")
    response = client.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # A news item with a title and the original URL only.
    data.update(title="Only the original", name="", collection="news", original_url="https://example.org/o")
    assert client.post(add, data).status_code == 302
    assert sorted(Article.objects.values_list("collection", flat=True)) == ["news", "people"]


def test_every_control_of_the_item_page_has_a_label(client, editor, fixtures_dir):
    """Defect 7 of issue 16: 32 fields of the item page had no programmatic label (the
    split date-times, every cell of the topics, images and related stories)."""
    from articles.models import ArticleImage, RelatedStory

    from .a11y import unlabelled_controls
    from .helpers import run

    status, _, err = run("import_frontmatter", fixtures_dir / "site", "--root", fixtures_dir / "site")
    assert status == 0, err
    assert ArticleImage.objects.exists() and RelatedStory.objects.exists()
    client.login(username=editor.username, password=PASSWORD)
    for item in Article.objects.all():
        html = client.get(change_url(item)).content.decode()
        assert unlabelled_controls(html) == [], item.path
        assert 'aria-label="Publish at: date"' in html
    assert unlabelled_controls(client.get(reverse("admin:articles_article_add")).content.decode()) == []


def test_preview_shows_any_item_as_readers_would(client, editor, contributor):
    """Issue 16, item 8: editors approved blind (an unpublished item's page is 404)."""
    import re

    from articles.editorial.actions import PublishAction

    item = make_items(1)[0]
    Article.objects.filter(pk=item.pk).update(body="<p>The body<script>alert(1)</script></p>", excerpt="An excerpt")
    item.refresh_from_db()
    public = reverse("articles:article", args=[item.pk])
    assert client.get(public).status_code == 404
    preview = reverse("admin:articles_article_preview", args=[item.pk])
    assert client.get(preview).status_code == 302  # the desk's login first
    client.login(username=editor.username, password=PASSWORD)
    page = client.get(change_url(item)).content.decode()
    assert preview in page
    response = client.get(preview)
    html = response.content.decode()
    assert response.status_code == 200 and "Preview" in html and 'name="robots" content="noindex"' in html
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    assert "The body" in html and "<script>alert" not in html
    # Exactly what readers get once it is published.
    PublishAction(item, user=editor).execute()
    main = lambda text: re.search(r"<main.*?</main>", text, re.S).group(0)  # noqa: E731
    assert main(client.get(preview).content.decode()) == main(client.get(public).content.decode())
    client.logout()
    client.login(username=contributor.username, password=PASSWORD)
    assert client.get(preview).status_code == 200
    assert client.get(reverse("admin:articles_article_preview", args=[999999])).status_code == 404
