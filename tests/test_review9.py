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
