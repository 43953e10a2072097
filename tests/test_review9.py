"""Issue 9, second round: what a break-it review of the first round found (F1-F12,
events, and the minor cases), each pinned by a test that failed before its fix."""
import pytest

from articles.models import Article, Provider, Topic

from .helpers import NEWS_ITEM, run, tree, write

pytestmark = pytest.mark.django_db


def site(tmp_path, files: dict):
    root = tmp_path / "site"
    write(root, "_config.yml", "title: t\n")
    for rel, text in files.items():
        write(root, rel, text, binary=isinstance(text, bytes))
    return root


# F1 ---------------------------------------------------------------------------------

def test_an_item_whose_provider_has_no_domain_has_a_page(tmp_path, client):
    item = NEWS_ITEM.replace("  domain: example.com\n", "").replace("  name: Example\n", "  name: Example\n  images:\n    - url: https://example.com/logo.png\n")
    root = site(tmp_path, {"_news/2024-03-01-a.md": item})
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    article = Article.objects.get()
    assert article.provider is None
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Example" in response.content.decode() and "https://example.com/logo.png" in response.content.decode()


def test_an_item_with_only_a_provider_name_and_no_logo_has_a_page(tmp_path, client):
    item = NEWS_ITEM.replace("  domain: example.com\n", "")
    root = site(tmp_path, {"_news/2024-03-01-a.md": item})
    assert run("import_frontmatter", root)[0] == 0
    article = Article.objects.get()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Example" in html and "provider__logo" not in html


# F2 ---------------------------------------------------------------------------------

ODD_CHARACTERS = ["\x7f", "\x80", "\x85", "\x9f", "\ufffe", "\uffff", "\u2028", "\u2029", "\ufeff", "\t"]


@pytest.mark.parametrize("ch", ODD_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in ODD_CHARACTERS])
def test_an_edit_in_a_single_quoted_file_reads_back_exactly(ch):
    from articles import frontmatter as fm

    text = "---\ntitle: 'A title'\nnote: 'plain'\n---\n"
    parsed = fm.parse("_news/x.md", text.encode(), "article")
    value = f"a{ch}b'c"
    for key in ("title", "note"):
        edited = {**parsed.doc, key: value}
        written = fm.render(parsed.source, edited, parsed.body, parsed.doc)
        again = fm.parse("_news/x.md", written.encode("utf-8"), "article")
        assert again.doc[key] == value, written
        assert written.splitlines()[0:1] == ["---"] and "'plain'" in written or key == "note"


def test_a_lone_surrogate_is_escaped_never_written_raw():
    from articles import frontmatter as fm

    assert fm.scalar("a\ud800b", "'") == '"a\\uD800b"'
    assert fm.scalar("a\udfffb", None) == '"a\\uDFFFb"'


# F4 ---------------------------------------------------------------------------------

def make_deep_folder(root, levels=18):
    """Folders nested (by descriptor) past PATH_MAX: listing them by path gives ENAMETOOLONG."""
    import os

    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    names = []
    for i in range(levels):
        name = f"d{i:02d}" + "x" * 250
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
        names.append(name)
    out = os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, NEWS_ITEM.encode())
    os.close(out)
    os.close(fd)
    return names


def test_a_path_too_long_to_list_fails_by_name_and_the_run_goes_on(tmp_path):
    root = site(tmp_path, {"_news/2024-03-01-good.md": NEWS_ITEM})
    names = make_deep_folder(root / "_news")
    status, out, err = run("import_frontmatter", root)
    assert status == 1 and "Traceback" not in err
    assert Article.objects.get().path == "_news/2024-03-01-good.md"
    (line,) = [line for line in err.splitlines() if line.startswith("_news/d00")]
    assert "cannot be read: File name too long" in line and names[0] in line
    assert out[-1].startswith("created 1, updated 0, unchanged 0, conflicts 0, failed 1 ")


# F5, F6 -----------------------------------------------------------------------------

PROVIDER = "---\ntaxonomy: organization\nname: {name}\ndomain: {domain}\n---\n"
TOPIC = "name: {name}\n"


@pytest.mark.parametrize("second", ["_data/organizations/z-example.md", "_data/organizations/more/example.org.md"])
def test_two_provider_files_for_one_domain_keep_the_first_run_after_run(tmp_path, second):
    root = site(tmp_path, {
        "_data/organizations/example.org.md": PROVIDER.format(name="First", domain="example.org"),
        second: PROVIDER.format(name="Second", domain="Example.ORG" if "z-" in second else "example.org"),
    })
    for attempt in range(3):
        status, out, err = run("import_frontmatter", root)
        assert status == 1, (attempt, err)
        (line,) = [line for line in err.splitlines() if line.startswith(second)]
        assert "the same domain" in line and "_data/organizations/example.org.md" in line
        provider = Provider.objects.get()
        assert (provider.name, provider.path) == ("First", "_data/organizations/example.org.md")


def test_two_topic_files_for_one_topic_keep_the_first_run_after_run(tmp_path):
    root = site(tmp_path, {
        "_data/topics/01-ai.yaml": TOPIC.format(name="AI"),
        "_data/topics/02-ai.yaml": TOPIC.format(name="ai"),
    })
    for attempt in range(2):
        status, out, err = run("import_frontmatter", root)
        assert status == 1
        (line,) = [line for line in err.splitlines() if line.startswith("_data/topics/02-ai.yaml")]
        assert "the same topic 'ai' as _data/topics/01-ai.yaml" in line
        assert list(Topic.objects.values_list("name", "path")) == [("AI", "_data/topics/01-ai.yaml")]


def test_a_renamed_provider_file_takes_its_provider_over(tmp_path):
    root = site(tmp_path, {"_data/organizations/example.org.md": PROVIDER.format(name="First", domain="example.org")})
    assert run("import_frontmatter", root)[0] == 0
    (root / "_data/organizations/example.org.md").rename(root / "_data/organizations/example-org.md")
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    assert list(Provider.objects.values_list("path", flat=True)) == ["_data/organizations/example-org.md"]


def test_a_provider_file_whose_domain_changed_updates_its_provider(tmp_path):
    path = "_data/organizations/example.org.md"
    root = site(tmp_path, {path: PROVIDER.format(name="Example", domain="example.org")})
    assert run("import_frontmatter", root)[0] == 0
    write(root, path, PROVIDER.format(name="Example", domain="example.net"))
    status, out, err = run("import_frontmatter", root, verbosity=2)
    assert status == 0, err
    assert out[-1].startswith("created 0, updated 1, unchanged 0")
    assert list(Provider.objects.values_list("domain", "path")) == [("example.net", path)]
    write(root, "_data/organizations/other.md", PROVIDER.format(name="Other", domain="other.org"))
    assert run("import_frontmatter", root)[0] == 0
    write(root, path, PROVIDER.format(name="Example", domain="other.org"))  # another's domain
    status, out, err = run("import_frontmatter", root)
    assert status == 1 and "domain: 'other.org' is already that of _data/organizations/other.md" in err
    assert sorted(Provider.objects.values_list("domain", flat=True)) == ["example.net", "other.org"]


def test_a_topic_file_whose_fields_changed_updates_its_topic(tmp_path):
    path = "_data/topics/01-ai.yaml"
    root = site(tmp_path, {path: "_id: ai\nname: AI\n"})
    assert run("import_frontmatter", root)[0] == 0
    write(root, path, "_id: ml\nname: Machine learning\n")
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    assert list(Topic.objects.values_list("topic_id", "name", "path")) == [("ml", "Machine learning", path)]


# F8, and the minor one: api/, vendor/, assets/ are skipped at the site root only -----

def test_drafts_are_never_public_items_and_are_named(tmp_path, client):
    root = site(tmp_path, {
        "_drafts/2024-03-02-unfinished.md": NEWS_ITEM.replace("A title", "Unfinished draft"),
        "_news/2024-03-01-a.md": NEWS_ITEM,
    })
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    assert "_drafts/2024-03-02-unfinished.md: skipped: a draft (_drafts/ is never published)" in out + err.splitlines()
    assert list(Article.objects.values_list("path", flat=True)) == ["_news/2024-03-01-a.md"]
    assert "Unfinished draft" not in client.get("/").content.decode()


def test_output_folders_are_skipped_at_the_root_only(tmp_path):
    root = site(tmp_path, {
        "api/news/x.md": NEWS_ITEM, "assets/x.md": NEWS_ITEM, "vendor/x.md": NEWS_ITEM,
        "_news/api/2024-03-01-a.md": NEWS_ITEM, "_learning/assets/b.md": NEWS_ITEM, "_samples/vendor/c.md": NEWS_ITEM,
        "_news/node_modules/d.md": NEWS_ITEM, "_news/.hidden/e.md": NEWS_ITEM,
    })
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    assert sorted(Article.objects.values_list("path", flat=True)) == [
        "_learning/assets/b.md", "_news/api/2024-03-01-a.md", "_samples/vendor/c.md"]


# F9 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/admin/articles/article/?published_at__gte=2024-01-01T00:00:00%2B16:00",
    "/admin/articles/reviewitem/?published_at__lt=2024-01-01%2000:00:00-23:59",
    "/admin/articles/article/?decided_at__gte=2024-01-01T00:00:00%2B16",
    "/admin/articles/decision/?at__gte=2024-01-01T00:00:00-16:00",
])
def test_a_utc_offset_the_database_refuses_gets_the_error_flag_not_a_500(client, admin_user, url):


    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith("?e=1"), url
    assert client.get(response["Location"]).status_code == 200
    ok = url.replace("16:00", "15:00").replace("%2B16", "%2B15").replace("23:59", "15:59")
    assert client.get(ok).status_code == 200, ok


# F10 --------------------------------------------------------------------------------

@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "0001-01-02T12:00:00Z", "9999-12-31T23:59:59Z", "9999-12-30T00:00:00Z"])
def test_the_change_page_of_an_item_at_the_ends_of_the_calendar(tmp_path, admin_client, when):
    root = site(tmp_path, {
        "_news/a.md": NEWS_ITEM.replace("2024-03-01T10:00:00Z", when),
        "_news/b.md": NEWS_ITEM.replace("2024-03-01T10:00:00Z", when).replace("A title", "A title too"),
    })
    assert run("import_frontmatter", root)[0] == 0
    article = Article.objects.get(path="_news/a.md")
    assert article.published_at.year in (1, 9999)
    for url in (f"/admin/articles/article/{article.pk}/change/", f"/admin/articles/reviewitem/{article.pk}/change/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "A title too" in response.content.decode()  # suggested: same day, same words
