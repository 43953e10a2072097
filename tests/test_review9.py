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
