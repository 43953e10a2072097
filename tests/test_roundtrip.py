"""Lossless round trips: the shared corpus byte for byte, minimal diffs for edits,
and hypothesis-generated items through export -> import -> export.
"""
import datetime as dt
import difflib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from articles import frontmatter as fm
from articles.exporter import export_site
from articles.importer import import_paths
from articles.models import Article, ArticleImage, ArticleTopic, Topic
from articles.editorial.actions import PublishAction, UnpublishAction
from articles.editorial.paths import article_default_path

from .helpers import run, tree

pytestmark = pytest.mark.django_db
CONTENT = ("_news/", "_learning/", "_samples/", "_newsletters/", "_people/", "_communities/", "_data/")


def corpus_files(site: Path) -> dict:
    return {rel: data for rel, data in tree(site).items() if rel.startswith(CONTENT) and not rel.endswith(".keep")}


@pytest.fixture
def imported_corpus(corpus_site, seed_dir):
    status, out, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    status, out, err = run("import_frontmatter", seed_dir)
    assert status == 0, err
    return corpus_site


def test_whole_corpus_round_trips_byte_for_byte(imported_corpus, seed_dir, tmp_path):
    status, out, err = run("export_frontmatter", tmp_path)
    assert status == 0, err
    exported = tree(tmp_path)
    expected = corpus_files(imported_corpus)
    expected.update(tree(seed_dir))
    assert len(expected) > 1400
    assert sorted(exported) == sorted(expected)
    different = [rel for rel in expected if exported[rel] != expected[rel]]
    assert different == []
    # Exporting again over the same folder rewrites nothing.
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    status, out, _ = run("export_frontmatter", tmp_path)
    assert out[-1].startswith(f"written 0, unchanged {len(expected)}, failed 0")
    assert mtimes == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}


def changed_lines(before: bytes, after: bytes):
    """(removed lines, added lines) between two texts."""
    a, b = before.decode().splitlines(), after.decode().splitlines()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return removed, added


EDITS = ["title", "quality", "heat", "excerpt", "image_width", "web_url", "add_topic", "provider_name"]


def apply_edit(article: Article, kind: str):
    """Change one field of ``article`` the way a shell user would; return the key edited."""
    if kind == "title" and article.title:
        article.title = article.title + " (edited)"
        article.save()
        return "title:"
    if kind == "quality" and article.quality is not None:
        Article.objects.filter(pk=article.pk).update(quality=article.quality + 1)
        return "quality:"
    if kind == "heat" and article.heat is not None:
        article.heat += 7
        article.save(update_fields=["heat"])
        return "heat:"
    if kind == "excerpt" and article.excerpt:
        article.excerpt = 'New "excerpt"\nwith a break'
        article.save()
        return "excerpt:"
    if kind == "image_width":
        image = ArticleImage.objects.filter(article=article).order_by("position").first()
        if image and image.width is not None:
            image.width += 1
            image.save()
            return "width:"
    if kind == "web_url" and article.web_url:
        article.web_url = "https://example.org/moved"
        article.save()
        return "webUrl:"
    if kind == "add_topic" and article.topic_links.exists():
        topic, _ = Topic.objects.get_or_create(topic_id="extra-topic", defaults={"name": "Extra topic"})
        ArticleTopic.objects.create(article=article, topic=topic, position=99)
        return "- Extra topic"
    if kind == "provider_name" and article.provider_name:
        article.provider_name = "Renamed Outlet"
        article.save()
        return "name:"
    if article.title:
        article.title += " (edited)"
        article.save()
        return "title:"
    article.name += " (edited)"
    article.save()
    return "name:"


def test_one_field_edit_of_every_item_changes_exactly_that_fields_lines(imported_corpus, tmp_path):
    original = corpus_files(imported_corpus)
    edited = {}
    for i, article in enumerate(Article.objects.order_by("pk")):
        if article.path not in original:
            continue
        edited[article.path] = apply_edit(article, EDITS[i % len(EDITS)])
    result = export_site(tmp_path)
    assert result.ok, result.errors
    problems = []
    for rel, marker in edited.items():
        removed, added = changed_lines(original[rel], (tmp_path / rel).read_bytes())
        if marker == "- Extra topic":
            ok = removed == [] and len(added) == 1 and added[0].strip() == marker
        else:
            ok = len(removed) == 1 and len(added) == 1 and all(l.strip().startswith(marker) for l in removed + added)
        if not ok:
            problems.append((rel, marker, removed, added))
    assert problems == [], problems[:5]
    # The edited files read back to exactly the edited data.
    status, out, err = run("import_frontmatter", tmp_path, "--root", tmp_path)
    assert status == 0 and "conflicts 0, failed 0" in out[-1], err


def test_publish_and_unpublish_change_exactly_the_published_line(imported_corpus, tmp_path):
    original = corpus_files(imported_corpus)
    expected = {}
    for article in Article.objects.filter(path__in=list(original)):
        if article.published is True:
            UnpublishAction(article).execute()
            expected[article.path] = (["published: true"], ["published: false"])
        elif article.published is False:
            PublishAction(article).execute()
            expected[article.path] = (["published: false"], ["published: true"])
        else:  # no key in the file: public; unpublishing adds the line
            UnpublishAction(article).execute()
            expected[article.path] = ([], ["published: false"])
    export_site(tmp_path)
    problems = [
        rel for rel, want in expected.items()
        if changed_lines(original[rel], (tmp_path / rel).read_bytes()) != want
    ]
    assert problems == [], problems[:5]
    assert len(expected) > 1300


def test_item_created_in_the_cms_gets_a_news_path_and_style(tmp_path):
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    article = Article.objects.create(
        path=article_default_path(collection="news", title="Brand new: story!", published_at=when),
        collection="news", category="news", title="Brand new: story!", excerpt="Said \"hi\".",
        published_at=when, web_url="https://example.com/new", type="article", quality=70, heat=-1,
        published=False, body="\n",
    )
    ArticleImage.objects.create(article=article, position=0, url="https://example.com/i.png", width=10, height=20, is_cached=True)
    topic = Topic.objects.create(topic_id="ai", name="AI")
    ArticleTopic.objects.create(article=article, topic=topic, position=0)
    assert article.path == "_news/2024-05-06-brand-new-story.md"
    export_site(tmp_path)
    text = (tmp_path / article.path).read_text()
    assert text == (
        "---\n"
        "category: news\n"
        'title: "Brand new: story!"\n'
        'excerpt: "Said \\"hi\\"."\n'
        "publishedDateTime: 2024-05-06T07:08:09Z\n"
        'webUrl: "https://example.com/new"\n'
        "type: article\n"
        "quality: 70\n"
        "heat: -1\n"
        "published: false\n"
        "\n"
        "topics:\n"
        "  - AI\n"
        "\n"
        "images:\n"
        '  - url: "https://example.com/i.png"\n'
        "    width: 10\n"
        "    height: 20\n"
        "    isCached: true\n"
        "---\n"
        "\n"
    )


# --------------------------------------------------------------------------------------
# Hypothesis: generated items survive export -> import -> export unchanged.
# --------------------------------------------------------------------------------------
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
words = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12)
ints = st.integers(min_value=-(2**31), max_value=2**31 - 1)
datetimes = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2099, 1, 1)).map(
    lambda d: d.replace(tzinfo=dt.timezone.utc)
)
urls = st.builds(lambda w: f"https://example.com/{w}", st.text("abcxyz019-_/", max_size=20))
scalars = st.one_of(texts, ints, st.booleans(), st.floats(allow_nan=False), datetimes.map(fm.iso))
extras = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(words, c, min_size=1, max_size=3), max_leaves=6)


@st.composite
def article_docs(draw):
    doc = {}
    for key, strategy in [
        ("category", words), ("title", texts), ("excerpt", texts), ("publishedDateTime", datetimes),
        ("updatedDateTime", datetimes), ("originalUrl", urls), ("webUrl", urls), ("type", words),
        ("quality", ints), ("heat", ints), ("published", st.booleans()), ("featuredContent", texts),
    ]:
        if draw(st.booleans()):
            doc[key] = draw(strategy)
    if draw(st.booleans()):
        doc["provider"] = {"name": draw(texts), "domain": draw(st.sampled_from(["example.com", "news.example.org"]))}
    if draw(st.booleans()):
        doc["topics"] = draw(st.lists(words, min_size=1, max_size=3))
    if draw(st.booleans()):
        doc["images"] = draw(st.lists(st.fixed_dictionaries({"url": urls, "width": ints, "height": ints}, optional={"isCached": st.booleans(), "title": texts}), min_size=1, max_size=2))
    if draw(st.booleans()):
        doc["related"] = draw(st.lists(st.fixed_dictionaries({"title": texts, "webUrl": urls}, optional={"quality": ints, "publishedDateTime": datetimes}), min_size=1, max_size=2))
    for key in draw(st.lists(st.sampled_from(["price", "length", "ratings", "levels", "zzCustom"]), unique=True, max_size=3)):
        doc[key] = draw(extras)
    if draw(st.booleans()):
        doc["secured"] = draw(st.text("abcXYZ0189+/=;", min_size=1, max_size=40))
    return doc


@settings(max_examples=300, deadline=None)
@given(article_docs(), texts)
def test_rendered_documents_parse_back_to_themselves(doc, body):
    text = fm.render_new(doc, body)
    parsed = fm.parse("_news/x.md", text.encode("utf-8"), "article")
    assert fm.same(parsed.doc, _normalized(doc))
    assert parsed.body == body


@settings(max_examples=150, deadline=None)
@given(article_docs(), article_docs())
def test_rendering_an_edit_keeps_the_data_exact(old_doc, new_doc):
    """Whatever changes between two documents, the patched file reads back as the new one."""
    source = fm.render_new(old_doc, "\n")
    parsed = fm.parse("_news/x.md", source.encode("utf-8"), "article")
    patched = fm.render(parsed.source, _normalized(new_doc), "\n", parsed.doc)
    assert fm.same(fm.parse("_news/x.md", patched.encode("utf-8"), "article").doc, _normalized(new_doc))


def _normalized(doc):
    """What parse() gives for ``doc``: strings that look like dates stay strings, etc."""
    return fm.parse("_", fm.render_new(doc, "").encode("utf-8"), "article").doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=article_docs(), body=texts)
def test_generated_items_survive_export_import_export(tmp_path_factory, doc, body):
    Article.objects.all().delete()
    root = tmp_path_factory.mktemp("site")
    (root / "_news").mkdir()
    (root / "_news" / "x.md").write_bytes(fm.render_new(doc, body).encode("utf-8"))
    first = import_paths([root])
    assert first.ok, first.errors()
    out1, out2 = tmp_path_factory.mktemp("out1"), tmp_path_factory.mktemp("out2")
    # As if created in the CMS: no source file, so the export renders the stored data.
    Article.objects.update(source_text="", source_sha="", source_digest="")
    export_site(out1, with_taxonomy=False)
    Article.objects.all().delete()
    again = import_paths([out1], root=out1)
    assert again.ok, again.errors()
    export_site(out2, with_taxonomy=False)
    assert tree(out1) == tree(out2)
    # Loading with the plain safe loader gives the same data too.
    fm_text = (out2 / "_news" / "x.md").read_text(encoding="utf-8").split("\n---\n")[0][4:]
    assert isinstance(yaml.safe_load(fm_text) or {}, dict)


def test_corpus_imported_with_jobs_round_trips_too(corpus_site, tmp_path):
    """--jobs 2 prepares the rows in worker processes: the result must be the same."""
    status, out, err = run("import_frontmatter", corpus_site, "--jobs", "2")
    assert status == 0, err
    assert out[-1].startswith("created ")
    status, out, err = run("export_frontmatter", tmp_path)
    assert status == 0, err
    exported = tree(tmp_path)
    expected = corpus_files(corpus_site)
    assert len(expected) > 1400
    assert sorted(exported) == sorted(expected)
    assert [rel for rel in expected if exported[rel] != expected[rel]] == []
    # The stored documents are those of a one-process import (digests of their data).
    parallel = dict(Article.objects.values_list("path", "source_digest"))
    Article.objects.all().delete()
    status, out, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    assert dict(Article.objects.values_list("path", "source_digest")) == parallel
    status, out, _ = run("import_frontmatter", corpus_site, "--jobs", "2")
    assert out[-1].startswith(f"created 0, updated 0, unchanged {len(expected)}")


def _manage(*args, db_url):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DATABASE_URL": db_url, "CI": "true"}
    return subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=root, env=env, capture_output=True, text=True)


@pytest.mark.django_db(transaction=True)
def test_export_with_jobs_writes_the_corpus_byte_for_byte(corpus_site, tmp_path):
    """export_frontmatter --jobs 2: worker processes, each with its own connection to a
    database on disk, read, render and write the items; an item edited behind Django's
    back (SQL) is the only file written again."""
    import sqlite3

    db = tmp_path / "jobs.sqlite3"
    url = f"sqlite:///{db}"
    assert _manage("migrate", "-v0", db_url=url).returncode == 0
    done = _manage("import_frontmatter", corpus_site, db_url=url)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    done = _manage("export_frontmatter", out, "--jobs", "2", "-v", "2", db_url=url)
    assert done.returncode == 0, done.stderr
    assert "items read, rendered and written by 2 process(es)" in done.stdout
    exported, expected = tree(out), corpus_files(corpus_site)
    assert len(expected) > 1400
    assert sorted(exported) == sorted(expected)
    assert [rel for rel in expected if exported[rel] != expected[rel]] == []
    assert [p.name for p in out.rglob("*.tmp")] == []

    with sqlite3.connect(db) as conn:
        rel, title = conn.execute(
            "SELECT path, title FROM articles_article WHERE path LIKE '_news/%' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE articles_article SET title = ? WHERE path = ?", (title + " (edited)", rel))
    done = _manage("export_frontmatter", out, "--jobs", "2", db_url=url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"written 1, unchanged {len(expected) - 1}, failed 0")
    again = tree(out)
    assert [r for r in expected if again[r] != expected[r]] == [rel]
    old, new = expected[rel].decode().splitlines(), again[rel].decode().splitlines()
    assert [line for line in new if line not in old] and len(old) == len(new)
    assert "(edited)" in again[rel].decode()


@pytest.mark.django_db(transaction=True)
def test_export_jobs_use_workers_only_where_they_see_the_data(corpus_site, tmp_path):
    """Worker processes open connections of their own: with PostgreSQL (committed data)
    they are used; with SQLite's in-memory test database they could not see it, and the
    export runs in this process. The files are the same either way."""
    from django.db import connection

    status, out, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    one = export_site(tmp_path / "one", with_taxonomy=False)
    two = export_site(tmp_path / "two", with_taxonomy=False, jobs=2)
    in_memory = connection.vendor == "sqlite" and connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
    assert two.processes == (1 if in_memory else 2)
    assert two.ok and one.ok and len(two.written) == len(one.written) == Article.objects.count()
    assert sorted(two.written) == sorted(one.written)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
