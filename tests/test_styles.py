"""Byte-exact export on the repository's own fixtures (tests/fixtures/styles/): every
quoting, indent and line-ending style, so the guarantee holds without ../shared.

Unchanged files come back byte for byte; an edit changes exactly the bytes of its
field, written the way the file writes (issue 15, gaps 3 and 7).
"""
import datetime as dt
import shutil

import pytest

from articles.models import Article, ArticleImage, Topic
from articles.editorial.actions import AddTopicAction

from .helpers import run, tree

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


@pytest.fixture
def styles(fixtures_dir, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(fixtures_dir / "styles", site)
    status, out, err = run("import_frontmatter", site)
    assert status == 0, err
    assert out[-1].startswith("created 11, updated 0, unchanged 0, conflicts 0, failed 0")
    return site


def exported(tmp_path) -> dict:
    out = tmp_path / "out"
    status, lines, err = run("export_frontmatter", out)
    assert status == 0, err
    return tree(out)


def test_every_style_exports_byte_for_byte(styles, tmp_path):
    files = {rel: data for rel, data in tree(styles).items() if rel != "_config.yml"}
    assert exported(tmp_path) == files
    # The styles the fixtures are there for are really in them.
    assert b"title: 'It''s a title'" in files["_news/2024-01-01-single-quoted.md"]
    assert b'\\"quoted\\"' in files["_news/2024-01-02-double-quoted.md"]
    assert files["_news/2024-01-05-crlf.md"].count(b"\r\n") == files["_news/2024-01-05-crlf.md"].count(b"\n")
    assert not files["_news/2024-01-06-no-final-newline.md"].endswith(b"\n")
    assert files["_news/2024-01-07-bom.md"].startswith(b"\xef\xbb\xbf---\n")
    assert b"title: >-\n" in files["_news/2024-01-04-blocks.md"]
    # Read back, the export is the same data: nothing updated.
    status, out, err = run("import_frontmatter", tmp_path / "out", "--root", tmp_path / "out")
    assert out[-1].startswith("created 0, updated 0, unchanged 11, conflicts 0, failed 0"), err


def edit_and_diff(tmp_path, styles, rel, change):
    """Apply ``change`` to the item at ``rel``; (before, after) bytes of its file."""
    change(Article.objects.get(path=rel))
    return (styles / rel).read_bytes(), exported(tmp_path)[rel]


def retitle(title):
    def change(item):
        item.title = title
        item.save()
    return change


# (file, edit, the bytes replaced, the bytes written)
EDITS = [
    ("_news/2024-01-01-single-quoted.md", retitle("It's edited"),
     b"title: 'It''s a title'\n", b"title: 'It''s edited'\n"),
    ("_news/2024-01-02-double-quoted.md", retitle('A "new" title\twith a tab'),
     b'title: "A \\"quoted\\" title with \\\\ and a tab\\there"\n', b'title: "A \\"new\\" title\\twith a tab"\n'),
    ("_news/2024-01-03-plain.md", retitle("Plain edited"),
     b"title: Plain title, no quotes\n", b"title: Plain edited\n"),
    ("_news/2024-01-04-blocks.md", retitle("A folded title, edited"),
     b"title: >-\n  A folded title\n  over two lines\n", b"title: >-\n  A folded title, edited\n"),
    ("_news/2024-01-04-blocks.md", lambda item: Article.objects.filter(pk=item.pk).update(
        excerpt="A literal excerpt\nstill in two lines.\n"),
     b"  keeps its line breaks.\n", b"  still in two lines.\n"),
    ("_news/2024-01-05-crlf.md", retitle("CRLF, edited"),
     b'title: "CRLF line ends"\r\n', b'title: "CRLF, edited"\r\n'),
    ("_news/2024-01-06-no-final-newline.md", lambda item: Article.objects.filter(pk=item.pk).update(quality=41),
     b"quality: 40\n", b"quality: 41\n"),
    ("_news/2024-01-07-bom.md", retitle("BOM, edited"),
     b'title: "With a byte order mark"\n', b'title: "BOM, edited"\n'),
    ("_news/2024-01-08-dates.md", lambda item: Article.objects.filter(pk=item.pk).update(
        published_at=dt.datetime(2024, 1, 8, 9, tzinfo=UTC), source_updated_at=dt.datetime(2024, 1, 9, 11, tzinfo=UTC)),
     b"publishedDateTime: \"2024-01-08T08:00:00Z\"\nupdatedDateTime: '2024-01-09T10:00:00Z'\n",
     b"publishedDateTime: \"2024-01-08T09:00:00Z\"\nupdatedDateTime: '2024-01-09T11:00:00Z'\n"),
    ("_news/2024-01-02-double-quoted.md", lambda item: Article.objects.filter(pk=item.pk).update(
        source_updated_at=dt.datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
     b"updatedDateTime: 2024-01-02T09:30:00Z\n", b"updatedDateTime: 2024-01-02T10:30:00Z\n"),
    ("_news/2024-01-01-single-quoted.md", lambda item: item.topic_links.filter(position=1).update(label="Gizmos"),
     b"  - 'Gadgets'\n", b"  - 'Gizmos'\n"),
    # A changed list item keeps its own quoting, not its first sibling's.
    ("_news/2024-01-08-dates.md", lambda item: item.topic_links.filter(position=1).update(label="Gizmos"),
     b"  - Gadgets\n", b"  - Gizmos\n"),
]


@pytest.mark.parametrize("rel,change,old,new", EDITS, ids=[f"{e[0][17:-3]}-{i}" for i, e in enumerate(EDITS)])
def test_an_edit_changes_exactly_its_bytes_in_the_files_style(styles, tmp_path, rel, change, old, new):
    before, after = edit_and_diff(tmp_path, styles, rel, change)
    if rel.endswith("crlf.md"):
        old, new = old.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), new.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert before.count(old) == 1
    assert after == before.replace(old, new)


# Keys an edit adds (gap 7): written with the file's indentation, dash style and quoting.
ADDED = [
    ("_news/2024-01-01-single-quoted.md", b"webUrl: 'https://example.com/single'\n",
     b"webUrl: 'https://example.com/single'\nampWebUrl: 'https://example.com/amp'\n",
     b"    height: 480\n", b"    height: 480\n  - url: 'https://example.com/new.png'\n    width: 10\n    height: 20\n"),
    ("_news/2024-01-03-plain.md", b"webUrl: https://example.com/plain\n",
     b"webUrl: https://example.com/plain\nampWebUrl: https://example.com/amp\n",
     b"        height: 50\n", b"        height: 50\n    -   url: https://example.com/new.png\n        width: 10\n        height: 20\n"),
    ("_news/2024-01-02-double-quoted.md", b'webUrl: "https://example.com/double?a=1&b=2"\n',
     b'webUrl: "https://example.com/double?a=1&b=2"\nampWebUrl: "https://example.com/amp"\n',
     b'  - "Widgets"\n', b'  - "Widgets"\nimages:\n  - url: "https://example.com/new.png"\n    width: 10\n    height: 20\n'),
    ("_news/2024-01-04-blocks.md", b"webUrl: https://example.com/blocks\n",
     b"webUrl: https://example.com/blocks\nampWebUrl: https://example.com/amp\n",
     b"</iframe>\n", b"</iframe>\n\nimages:\n- url: https://example.com/new.png\n  width: 10\n  height: 20\n"),
]


@pytest.mark.parametrize("rel,old1,new1,old2,new2", ADDED, ids=[a[0][17:-3] for a in ADDED])
def test_keys_added_by_an_edit_follow_the_files_style(styles, tmp_path, rel, old1, new1, old2, new2):
    def change(item):
        Article.objects.filter(pk=item.pk).update(amp_web_url="https://example.com/amp")
        ArticleImage.objects.create(article=item, position=9, url="https://example.com/new.png", width=10, height=20)

    before, after = edit_and_diff(tmp_path, styles, rel, change)
    assert after == before.replace(old1, new1).replace(old2, new2)


def test_a_topic_added_in_bulk_keeps_the_lists_quoting(styles, tmp_path):
    gadgets = Topic.objects.get(topic_id="gadgets")
    rel = "_news/2024-01-02-double-quoted.md"
    AddTopicAction(Article.objects.filter(path=rel), topic=gadgets).execute()
    before, after = (styles / rel).read_bytes(), exported(tmp_path)[rel]
    assert after == before.replace(b'  - "Widgets"\n', b'  - "Widgets"\n  - "Gadgets"\n')


def test_a_new_nested_block_uses_the_files_indents(styles, tmp_path):
    """A related story added to a file indented by 4 whose first list writes "-   ": the
    same indents and dash."""
    from articles.models import RelatedStory

    def change(item):
        RelatedStory.objects.create(article=item, position=0, title="Elsewhere", web_url="https://other.example/x",
                                    provider_name="Other", provider_domain="other.example")
        item.save()

    rel = "_news/2024-01-03-plain.md"
    before, after = edit_and_diff(tmp_path, styles, rel, change)
    assert after == before.replace(b"    - Gadgets\n", b"    - Gadgets\nrelated:\n    -   title: Elsewhere\n"
                                   b"        webUrl: https://other.example/x\n        provider:\n"
                                   b"            name: Other\n            domain: other.example\n")


def test_a_topic_added_in_bulk_follows_its_own_lists_dashes(styles, tmp_path):
    """In a file whose images write "-   " and topics "- ", a topic added is "- "."""
    gizmos = Topic.objects.create(topic_id="gizmos", name="Gizmos")
    rel = "_news/2024-01-03-plain.md"
    AddTopicAction(Article.objects.filter(path=rel), topic=gizmos).execute()
    before, after = (styles / rel).read_bytes(), exported(tmp_path)[rel]
    assert after == before.replace(b"    - Gadgets\n", b"    - Gadgets\n    - Gizmos\n")
