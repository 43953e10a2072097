"""Saving an item without touching a field changes nothing (issue 16, defect 2): no
history entry, no column changed, the export byte for byte. Changing one field changes
only that field's lines.

The post is what a browser sends (tests/browserform.py): from the page's HTML for the
fixture sites, from the widgets' contexts (the values the page's HTML holds) for every
item of the shared corpus; tests/test_admin_browser.py does it in Chromium.
"""
import difflib
import shutil

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from articles.exporter import export_site
from articles.models import Article, ArticleChange

from .browserform import browser_data_from_forms, browser_post_data
from .helpers import db_state, run, tree

pytestmark = pytest.mark.django_db


def change_url(item):
    return reverse("admin:articles_article_change", args=[item.pk])


@pytest.fixture
def desk(client, django_user_model):
    user = django_user_model.objects.create_superuser("chief", password="a-long-test-password")
    client.force_login(user)
    return client, user


def hostile_kept(fixtures_dir, tmp_path):
    """The hostile files the importer keeps (OUTCOMES.tsv), as a site."""
    source = fixtures_dir / "hostile"
    site = tmp_path / "hostile"
    (site).mkdir()
    shutil.copy(source / "_config.yml", site / "_config.yml")
    for line in (source / "OUTCOMES.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        rel, outcome, *_ = line.split("\t")
        if outcome == "kept":
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source / rel, site / rel)
    return site


def export_tree(tmp_path, name):
    out = tmp_path / name
    result = export_site(out)
    assert not result.failed, result.failed
    return {rel: data for rel, data in tree(out).items() if not rel.startswith("_data/")}


def post_untouched_page(client, item):
    """GET the item page, submit its form as Chromium would (Save)."""
    page = client.get(change_url(item))
    assert page.status_code == 200
    data = browser_post_data(page.content, "article_form", ("_save", "Save"))
    return client.post(change_url(item), data)


@pytest.mark.parametrize("which", ["site", "hostile"])
def test_untouched_save_of_every_fixture_item_changes_nothing(desk, fixtures_dir, tmp_path, which):
    client, _ = desk
    site = fixtures_dir / "site" if which == "site" else hostile_kept(fixtures_dir, tmp_path)
    status, _, err = run("import_frontmatter", site, "--root", site)
    assert status == 0, err
    items = list(Article.objects.order_by("pk"))
    assert len(items) >= (3 if which == "site" else 20)
    before_export, before = export_tree(tmp_path, "before"), db_state()
    for item in items:
        response = post_untouched_page(client, item)
        assert response.status_code == 302, (item.path, response.content.decode()[:3000])
    assert list(ArticleChange.objects.values_list("article__path", "summary")) == []
    assert db_state()[1:] == before[1:]
    # The rows: identical but for modified_at, which a save sets.
    strip = lambda rows: [tuple(v for i, v in enumerate(row) if i != modified) for row in rows]  # noqa: E731
    modified = [f.attname for f in Article._meta.concrete_fields].index("modified_at")
    assert strip(db_state()[0]) == strip(before[0])
    assert export_tree(tmp_path, "after") == before_export


def test_untouched_save_of_every_corpus_item_changes_nothing(desk, corpus_site):
    """Every item of the shared corpus, through the admin's own form and inlines (as the
    change view builds them), bound to what a browser sends: every form valid, nothing
    changed (so nothing recorded), every column of the item as stored (so the export is
    byte for byte). The whole HTTP path is posted for the fixture sites above."""
    _, user = desk
    status, _, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    model_admin = admin.site._registry[Article]
    items = Article.objects.order_by("pk")
    assert items.count() > 1400
    columns = [f.attname for f in Article._meta.concrete_fields]
    # The classes the change view builds, built once (they depend on the user, not on the
    # item): the forms are then made per item as the view makes them.
    request = RequestFactory().get("/admin/")
    request.user = user
    first = items.first()
    form_class = model_admin.get_form(request, first, change=True)
    inlines = [(formset_class, inline, formset_class.get_default_prefix())
               for formset_class, inline in model_admin.get_formsets_with_inlines(request, first)]

    def forms_of(request, obj):
        kwargs = {"data": request.POST, "files": request.FILES} if request.method == "POST" else {}
        form = form_class(instance=obj, **kwargs)
        formsets = [formset_class(**model_admin.get_formset_kwargs(request, obj, inline, prefix))
                    for formset_class, inline, prefix in inlines]
        return form, formsets

    changed = []
    for item in items.iterator(chunk_size=200):
        stored = {name: getattr(item, name) for name in columns}
        request = RequestFactory().get(change_url(item))
        request.user = user
        data = browser_data_from_forms(*forms_of(request, model_admin.get_object(request, str(item.pk))))
        post = RequestFactory().post(change_url(item), data)
        post.user = user
        form, formsets = forms_of(post, model_admin.get_object(post, str(item.pk)))
        if not (form.is_valid() and all(fs.is_valid() for fs in formsets)):
            changed.append((item.path, form.errors, [fs.errors for fs in formsets]))
            continue
        now = {name: getattr(form.instance, name) for name in columns}
        differ = [n for n in columns if now[n] != stored[n] and not (now[n] != now[n] and stored[n] != stored[n])]
        inlines = [fs.prefix for fs in formsets if fs.has_changed()]
        if form.changed_data or differ or inlines:
            changed.append((item.path, form.changed_data, differ, inlines))
    assert changed == []


def changed_lines(before: bytes, after: bytes):
    a, b = before.decode().splitlines(), after.decode().splitlines()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return removed, added


def test_changing_one_field_changes_only_its_lines(desk, fixtures_dir, tmp_path):
    client, _ = desk
    site = fixtures_dir / "site"
    status, _, err = run("import_frontmatter", site, "--root", site)
    assert status == 0, err
    before = export_tree(tmp_path, "before")
    for item in Article.objects.order_by("pk"):
        page = client.get(change_url(item))
        data = browser_post_data(page.content, "article_form", ("_save", "Save"))
        data["title"] = f"Retitled {item.pk}"
        assert client.post(change_url(item), data).status_code == 302
        entry = ArticleChange.objects.get(article=item)
        assert list(entry.changes) == ["title"]
    after = export_tree(tmp_path, "after")
    for rel, text in before.items():
        removed, added = changed_lines(text, after[rel])
        assert len(removed) == 1 and removed[0].startswith("title:"), (rel, removed)
        assert len(added) == 1 and added[0].startswith("title:") and "Retitled" in added[0], (rel, added)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_untouched_save_in_chromium_changes_nothing_and_one_field_only_its_lines(
        browser, live_server, corpus_site, django_user_model, tmp_path):
    """Chromium saves two items of every collection of the corpus untouched (among them
    a body of a lone newline, no featuredContent key, topics, images, related stories),
    then changes one title."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from .test_admin_browser import login
    from .desk import ensure_groups, user_in

    ensure_groups()
    user_in(django_user_model, "Editor")
    status, _, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    chosen = []
    for collection in sorted(set(Article.objects.values_list("collection", flat=True))):
        of = Article.objects.filter(collection=collection).order_by("pk")
        picks = [of.filter(body="\n", featured_content=None).first(), of.exclude(related_stories=None).first(),
                 of.exclude(images=None).first(), of.first()]
        chosen += [a for a in dict.fromkeys(p for p in picks if p)][:2]
    assert len({a.collection for a in chosen}) >= 5 and any(a.body == "\n" for a in chosen)
    before = export_tree(tmp_path, "before")
    login(browser, live_server, "editor")

    def save(item, title=None):
        browser.get(live_server.url + change_url(item))
        if title is not None:
            field = browser.find_element(By.NAME, "title")
            field.clear()
            field.send_keys(title)
        browser.find_element(By.NAME, "_save").click()
        WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist .success")))

    for item in chosen:
        save(item)
    assert list(ArticleChange.objects.values_list("article__path", "summary")) == []
    after = export_tree(tmp_path, "after")
    assert [rel for rel in before if after[rel] != before[rel]] == []

    item = chosen[0]
    save(item, "A title typed in Chromium")
    assert list(ArticleChange.objects.get(article=item).changes) == ["title"]
    after = export_tree(tmp_path, "edited")
    assert [rel for rel in before if after[rel] != before[rel]] == [item.path]
    removed, added = changed_lines(before[item.path], after[item.path])
    # (the item may have had no title key: then the line is added)
    assert len(removed) <= 1 and added == ['title: "A title typed in Chromium"'], (removed, added)
    assert all(line.startswith("title:") for line in removed), removed
