"""import_frontmatter: outcomes, refusals (message + database untouched), conflicts."""
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from articles.editorial.actions import PublishAction
from articles.importer import import_paths
from articles.models import Article, Provider, RelatedStory, Topic

from .helpers import NEWS_ITEM, db_state, run, write

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path):
    write(tmp_path, "_config.yml", "title: t\n")
    return tmp_path


def test_imports_the_fixture_site(fixtures_dir):
    status, out, err = run("import_frontmatter", fixtures_dir / "site")
    assert status == 0, err
    assert out[-1].startswith("created 6, updated 0, unchanged 0, conflicts 0, failed 0 (6 files in ")
    assert "skipped 2 files" in out[-2]
    hello = Article.objects.get(path="_news/2024-01-02-hello-world.md")
    assert hello.title == "Hello world: the first item"
    assert hello.excerpt == 'An excerpt with "quotes" and a line\nbreak.'
    assert hello.published_at == dt.datetime(2024, 1, 2, 10, tzinfo=dt.timezone.utc)
    assert (hello.quality, hello.heat, hello.published, hello.collection) == (80, 12, True, "news")
    assert hello.provider.domain == "example.com" and hello.provider.name == "Example"
    assert hello.provider_name == "Example News"
    assert [t.name for t in hello.topics.all()] == ["Widgets"]
    assert list(hello.images.values_list("url", "width", "height", "is_cached")) == [
        ("https://example.com/hello.png", 1200, 630, True)
    ]
    assert hello.secured == "abc/def+ghi==;jkl=="
    # Related stories link to the stored item with the same webUrl.
    story = RelatedStory.objects.get(article=hello)
    assert story.target.path == "_news/2024-01-03-hello-too.md"
    video = Article.objects.get(path="_learning/videos/intro-video.md")
    assert video.published is None and video.is_published
    assert video.extra == {"price": "Free", "length": "PT5M"}
    assert video.body == "Body text *kept* exactly.\n"
    assert Topic.objects.get(topic_id="gadgets").parent.topic_id == "widgets"


def test_related_links_whatever_the_import_order(fixtures_dir):
    site = fixtures_dir / "site"
    run("import_frontmatter", site / "_news" / "2024-01-02-hello-world.md", "--root", site)
    assert RelatedStory.objects.get().target is None
    run("import_frontmatter", site / "_news" / "2024-01-03-hello-too.md", "--root", site)
    assert RelatedStory.objects.get().target.path == "_news/2024-01-03-hello-too.md"


def test_reimport_is_a_noop(fixtures_dir):
    run("import_frontmatter", fixtures_dir / "site")
    before = db_state()
    status, out, _ = run("import_frontmatter", fixtures_dir / "site")
    assert status == 0
    assert out[-1].startswith("created 0, updated 0, unchanged 6, conflicts 0, failed 0")
    assert db_state() == before


def test_root_is_the_folder_with_config(fixtures_dir):
    run("import_frontmatter", fixtures_dir / "site" / "_news")
    assert Article.objects.filter(path="_news/2024-01-03-hello-too.md").exists()


def test_single_file_without_config_takes_its_folder(tmp_path):
    write(tmp_path, "000_seed.txt", NEWS_ITEM)
    status, out, _ = run("import_frontmatter", tmp_path / "000_seed.txt")
    assert status == 0
    article = Article.objects.get()
    assert article.path == "000_seed.txt" and article.collection == "news"


def test_dry_run_writes_nothing_and_shows_changes(site):
    write(site, "_news/a.md", NEWS_ITEM)
    status, out, _ = run("import_frontmatter", site, "--dry-run")
    assert status == 0 and out[-1].startswith("created 1,") and "dry run" in out[-1]
    assert not Article.objects.exists() and not Provider.objects.exists()
    run("import_frontmatter", site)
    write(site, "_news/a.md", NEWS_ITEM.replace("quality: 75", "quality: 90"))
    before = db_state()
    status, out, _ = run("import_frontmatter", site, "--dry-run", verbosity=2)
    assert out[-1].startswith("created 0, updated 1,")
    assert "updated: _news/a.md" in out
    assert "    quality: 75 -> 90" in out
    assert db_state() == before


def test_update_changes_the_item(site):
    write(site, "_news/a.md", NEWS_ITEM)
    run("import_frontmatter", site)
    write(site, "_news/a.md", NEWS_ITEM.replace('title: "A title"', 'title: "New title"').replace("  - Widgets", "  - Gadgets"))
    status, out, _ = run("import_frontmatter", site)
    assert status == 0 and out[-1].startswith("created 0, updated 1,")
    article = Article.objects.get()
    assert article.title == "New title"
    assert [t.name for t in article.topics.all()] == ["Gadgets"]


def test_jobs_give_the_same_result(corpus_site):
    status, out, _ = run("import_frontmatter", corpus_site, "--jobs", "2")
    assert status == 0, out
    fingerprint = ["path", "source_sha", "source_digest", "title", "quality", "published", "provider__domain"]
    parallel = list(Article.objects.order_by("path").values_list(*fingerprint))
    assert len(parallel) > 1000
    Article.objects.all().delete()
    status, out, _ = run("import_frontmatter", corpus_site)
    assert status == 0 and out[-1].startswith(f"created {len(parallel)},")
    assert list(Article.objects.order_by("path").values_list(*fingerprint)) == parallel


# --------------------------------------------------------------------------------------
# Refused input: a clear message naming file, line and field; the database unchanged;
# the good files of the batch still import.
# --------------------------------------------------------------------------------------
BAD_FILES = {
    "quality": (NEWS_ITEM.replace("quality: 75", "quality: high"), "_news/bad.md:8: quality: expected an integer, got 'high'"),
    "invalid-yaml": (NEWS_ITEM.replace('title: "A title"', 'title: "unterminated'), "_news/bad.md:4: invalid YAML"),
    "not-mapping": ("---\n- a\n- b\n---\n", "_news/bad.md:2: front matter is not a mapping"),
    "scalar": ("---\njust text\n---\n", "_news/bad.md:2: front matter is not a mapping"),
    "no-closing": ("---\ntitle: x\n", "_news/bad.md:1: front matter has no closing '---' line"),
    "date": (NEWS_ITEM.replace("2024-03-01T10:00:00Z", '"next tuesday"'), "_news/bad.md:5: publishedDateTime: expected an ISO 8601 date and time, got 'next tuesday'"),
    "url": (NEWS_ITEM.replace('"https://example.com/a"', '"javascript:alert(1)"'), "_news/bad.md:6: webUrl: not an http(s) or site-relative URL: 'javascript:alert(1)'"),
    "ftp-url": (NEWS_ITEM.replace('"https://example.com/a"', "ftp://example.com/x"), "_news/bad.md:6: webUrl: not an http(s) or site-relative URL"),
    "bool": (NEWS_ITEM.replace("published: true", "published: 'yes'"), "_news/bad.md:10: published: expected true or false, got 'yes'"),
    "title-type": (NEWS_ITEM.replace('title: "A title"', "title: [1, 2]"), "_news/bad.md:3: title: expected a string, got [1, 2]"),
    "image-width": (NEWS_ITEM.replace("secured:", "images:\n  - url: /x.png\n    width: wide\nsecured:"), "_news/bad.md:21: images[0].width: expected an integer, got 'wide'"),
    "provider-domain": (NEWS_ITEM.replace("domain: example.com", "domain: 'not a domain'"), "_news/bad.md:14: provider.domain: not a domain name: 'not a domain'"),
    "python-tag": (NEWS_ITEM.replace('title: "A title"', "title: !!python/object/apply:os.system ['echo hi']"), "_news/bad.md:3: title: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    "custom-tag": (NEWS_ITEM.replace('title: "A title"', "title: !secret x"), "_news/bad.md:3: title: YAML tag '!secret' is not allowed"),
    "duplicate": (NEWS_ITEM.replace("heat: 3", "heat: 3\nheat: 4"), "_news/bad.md:10: heat: duplicate key"),
    "alias-bomb": (
        "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n---\n",
        "(alias expansion?)",
    ),
    "recursive-alias": ("---\ntitle: x\na: &a [*a]\n---\n", "_news/bad.md:3: a[0]: recursive alias"),
    "merge-key": ("---\nbase: &b {type: article}\nitem:\n  <<: *b\n---\n", "_news/bad.md:4: item: merge keys ('<<') are not allowed"),
    "deep": ("---\nx: " + "[" * 40 + "]" * 40 + "\n---\n", "nested deeper than 32 levels"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_refused_file_names_file_line_field_and_changes_nothing(site, case):
    text, message = BAD_FILES[case]
    write(site, "_news/good.md", NEWS_ITEM)
    run("import_frontmatter", site)
    write(site, "_news/bad.md", text)
    write(site, "_news/good2.md", NEWS_ITEM.replace('title: "A title"', 'title: "Second"'))
    before_article = Article.objects.values_list().get(path="_news/good.md")
    status, out, err = run("import_frontmatter", site)
    assert status == 1
    assert message in err, err
    assert out[-1].startswith("created 1, updated 0, unchanged 1, conflicts 0, failed 1")
    assert not Article.objects.filter(path="_news/bad.md").exists()
    assert Article.objects.filter(path="_news/good2.md").exists()
    assert Article.objects.values_list().get(path="_news/good.md") == before_article


def test_failed_update_leaves_the_stored_item_as_it_was(site):
    write(site, "_news/a.md", NEWS_ITEM)
    run("import_frontmatter", site)
    before = db_state()
    write(site, "_news/a.md", NEWS_ITEM.replace("quality: 75", "quality: high"))
    status, _, err = run("import_frontmatter", site)
    assert status == 1 and "_news/a.md:8: quality: expected an integer, got 'high'" in err
    assert db_state() == before


@pytest.mark.parametrize(
    "data, message",
    [
        (b"---\ntitle: \xff\xfe\n---\n", "_news/bad.md:2: not UTF-8"),
        (b"---\ntitle: x\x00\n---\n", "_news/bad.md:2: binary file (NUL byte)"),
    ],
)
def test_refuses_non_utf8_and_binary(site, data, message):
    write(site, "_news/bad.md", data, binary=True)
    status, _, err = run("import_frontmatter", site)
    assert status == 1 and message in err
    assert not Article.objects.exists()


def test_refuses_files_over_the_size_limit(site, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "MAX_FILE_BYTES": 1000}
    write(site, "_news/big.md", NEWS_ITEM.replace("An excerpt.", "x" * 2000))
    write(site, "_news/small.md", NEWS_ITEM)
    status, out, err = run("import_frontmatter", site)
    assert status == 1 and "_news/big.md: file is" in err and "over the limit of 1000" in err
    assert list(Article.objects.values_list("path", flat=True)) == ["_news/small.md"]


def test_accepts_crlf_bom_and_unicode(site, tmp_path):
    text = "\ufeff" + NEWS_ITEM.replace('title: "A title"', 'title: "Ünïcödé — 日本語 😀"').replace("\n", "\r\n")
    write(site, "_news/crlf.md", text)
    status, out, err = run("import_frontmatter", site)
    assert status == 0, err
    article = Article.objects.get()
    assert article.title == "Ünïcödé — 日本語 😀"
    assert article.secured == "s1;s2"
    outdir = tmp_path / "out"
    run("export_frontmatter", outdir)
    assert (outdir / "_news/crlf.md").read_bytes() == text.encode("utf-8")


def test_skips_api_output_and_non_content(site):
    write(site, "api/news/index.json", "{}")
    write(site, "api/news/page/2/index.json", "{}")
    write(site, "README.md", "# readme\n")
    write(site, "_news/.keep", "")
    write(site, "index.md", "---\nlayout: home\ntitle: Home\n---\n")
    write(site, "_data/other.yml", "a: 1\n")
    write(site, "_news/a.md", NEWS_ITEM)
    status, out, _ = run("import_frontmatter", site, verbosity=2)
    assert status == 0
    assert "skipped 7 files (api/ output or not content)" in out
    assert out[-1].startswith("created 1, updated 0, unchanged 0, conflicts 0, failed 0 (1 files in")


# --------------------------------------------------------------------------------------
# Conflicts: edited in the CMS and changed in the file.
# --------------------------------------------------------------------------------------
def test_cms_edit_survives_reimport_of_unchanged_file(site):
    write(site, "_news/a.md", NEWS_ITEM)
    run("import_frontmatter", site)
    article = Article.objects.get()
    article.title = "Edited by an editor"
    article.save()
    status, out, _ = run("import_frontmatter", site)
    assert status == 0 and "unchanged 1" in out[-1]
    assert Article.objects.get().title == "Edited by an editor"


def test_conflict_is_reported_and_nothing_overwritten(site):
    write(site, "_news/a.md", NEWS_ITEM)
    run("import_frontmatter", site)
    article = Article.objects.get()
    article.title = "Edited by an editor"
    article.save()
    write(site, "_news/a.md", NEWS_ITEM.replace("quality: 75", "quality: 20"))
    before = db_state()
    status, out, err = run("import_frontmatter", site)
    assert status == 1
    assert out[-1].startswith("created 0, updated 0, unchanged 0, conflicts 1, failed 0")
    assert "_news/a.md: conflict: edited in Newsroom since its last import" in err and "--overwrite" in err
    assert db_state() == before
    status, out, _ = run("import_frontmatter", site, "--overwrite")
    assert status == 0 and "updated 1" in out[-1]
    article = Article.objects.get()
    assert (article.title, article.quality) == ("A title", 20)


def test_publishing_in_the_cms_then_changed_file_is_a_conflict(site):
    write(site, "_news/a.md", NEWS_ITEM.replace("published: true", "published: false"))
    run("import_frontmatter", site)
    PublishAction(Article.objects.get()).execute()
    write(site, "_news/a.md", NEWS_ITEM.replace("published: true", "published: false").replace("heat: 3", "heat: 4"))
    status, out, _ = run("import_frontmatter", site)
    assert "conflicts 1" in out[-1]
    assert Article.objects.get().published is True


def test_reimporting_an_export_of_an_edited_item_is_not_a_conflict(site, tmp_path):
    write(site, "_news/a.md", NEWS_ITEM)
    run("import_frontmatter", site)
    article = Article.objects.get()
    article.heat = 99
    article.save()
    out_dir = tmp_path / "export"
    write(out_dir, "_config.yml", "title: t\n")
    run("export_frontmatter", out_dir)
    status, out, _ = run("import_frontmatter", out_dir)
    assert status == 0 and "conflicts 0" in out[-1]
    # The export is now the item's source: exporting again writes nothing new.
    status, out, _ = run("export_frontmatter", out_dir)
    assert out[-1].startswith("written 0,")


def test_contributor_import_may_not_publish(site, django_user_model):
    user = django_user_model.objects.create_user("contrib", password="x")
    write(site, "_news/a.md", NEWS_ITEM)
    write(site, "_news/b.md", NEWS_ITEM.replace("published: true", "published: false"))
    result = import_paths([site], by=user)
    assert result.counts["failed"] == 1 and result.counts["created"] == 1
    assert "published: you may not publish items" in result.errors()[0]
    assert list(Article.objects.values_list("path", flat=True)) == ["_news/b.md"]


# --------------------------------------------------------------------------------------
# The command line: summary last on stdout, exit statuses.
# --------------------------------------------------------------------------------------
def _manage(*args, db):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "CI": "true"}
    return subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.django_db(transaction=True)
def test_exit_statuses_and_summary_line(tmp_path):
    db = tmp_path / "cli.sqlite3"
    assert _manage("migrate", "-v0", db=db).returncode == 0
    site = tmp_path / "site"
    write(site, "_config.yml", "title: t\n")
    write(site, "_news/a.md", NEWS_ITEM)
    done = _manage("import_frontmatter", site, db=db)
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1].startswith("created 1, updated 0, unchanged 0, conflicts 0, failed 0 (1 files in ")
    write(site, "_news/b.md", "---\nquality: high\n---\n")
    done = _manage("import_frontmatter", site, db=db)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1].startswith("created 0, updated 0, unchanged 1, conflicts 0, failed 1")
    assert "_news/b.md:2: quality: expected an integer, got 'high'" in done.stderr
    assert _manage("import_frontmatter", tmp_path / "missing", db=db).returncode == 2
    assert _manage("import_frontmatter", db=db).returncode == 2
    assert _manage("import_frontmatter", site, "--jobs", "0", db=db).returncode == 2
    assert "\r" not in done.stderr  # no progress bar when not on a terminal


def test_too_long_values_name_line_and_field(site):
    write(site, "_news/a.md", NEWS_ITEM.replace("type: article", "type: " + "x" * 60))
    write(site, "_news/b.md", NEWS_ITEM.replace("  - Widgets", "  - " + "w" * 201))
    status, _, err = run("import_frontmatter", site)
    assert status == 1
    assert "_news/a.md:7: type: longer than 50 characters" in err
    assert "_news/b.md:17: topics[0]: longer than 200 characters" in err
    assert not Article.objects.exists()


def test_a_failed_batch_does_not_leave_dangling_providers(site, monkeypatch):
    """A database error in a bulk insert falls back to file-by-file; caches stay true."""
    from articles import importer

    write(site, "_news/a.md", NEWS_ITEM.replace("domain: example.com", "domain: a.example"))
    write(site, "_news/b.md", NEWS_ITEM.replace("domain: example.com", "domain: b.example"))
    real = importer.Importer._create_articles
    calls = []

    def flaky(self, batch):
        calls.append(len(batch))
        if len(batch) > 1:
            real(self, batch)  # creates the providers, then the batch rolls back
            raise importer.DatabaseError("simulated failure")
        return real(self, batch)

    monkeypatch.setattr(importer.Importer, "_create_articles", flaky)
    status, out, err = run("import_frontmatter", site)
    assert status == 0, err
    assert calls == [2, 1, 1]
    assert sorted(Article.objects.values_list("provider__domain", flat=True)) == ["a.example", "b.example"]


# --------------------------------------------------------------------------------------
# Unchanged files found from stat() alone (size, times, inode), never from a guess.
# --------------------------------------------------------------------------------------
@pytest.fixture
def counted_reads(monkeypatch):
    """The paths read_one() opened during the test."""
    from articles import importer

    read = []
    real = importer.read_one

    def counting(entry):
        read.append(entry[1])
        return real(entry)

    monkeypatch.setattr(importer, "read_one", counting)
    return read


def test_untouched_files_are_not_read_again(site, monkeypatch, counted_reads):
    from articles import importer

    monkeypatch.setattr(importer, "RACY_NS", 0)  # trust files however recent
    path = write(site, "_news/a.md", NEWS_ITEM)
    write(site, "_news/b.md", NEWS_ITEM.replace("A title", "B title"))
    assert import_paths([site]).counts["created"] == 2
    article = Article.objects.get(path="_news/a.md")
    info = os.stat(path)
    assert article.source_stat == f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{article.source_sha}"
    counted_reads.clear()
    result = import_paths([site])
    assert result.counts["unchanged"] == 2 and result.ok
    assert [r for r in counted_reads if r.startswith("_news/")] == []


def test_a_rewrite_keeping_size_and_mtime_is_still_read(site, monkeypatch, counted_reads):
    """The change time moves on every write and cannot be set back: same size and a
    restored mtime do not hide a change."""
    from articles import importer

    monkeypatch.setattr(importer, "RACY_NS", 0)
    path = write(site, "_news/a.md", NEWS_ITEM)
    import_paths([site])
    before = os.stat(path)
    time.sleep(0.05)  # past the file system's clock tick
    path.write_text(NEWS_ITEM.replace("A title", "Z title"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    counted_reads.clear()
    result = import_paths([site])
    assert "_news/a.md" in counted_reads
    assert result.counts["updated"] == 1
    assert Article.objects.get().title == "Z title"


def test_recent_files_and_changed_records_are_read(site, monkeypatch, counted_reads):
    """A file changed within the last two seconds could change again within the same
    clock tick: its signature is not kept. A signature that no longer vouches for the
    stored bytes (source changed in the database) is not trusted either."""
    from articles import importer

    write(site, "_news/a.md", NEWS_ITEM)
    import_paths([site])
    assert Article.objects.get().source_stat == ""  # written just now
    monkeypatch.setattr(importer, "RACY_NS", 0)
    Article.objects.update(source_sha="0" * 64)  # the file now differs from the record
    import_paths([site])
    assert Article.objects.get().source_stat.endswith(":" + Article.objects.get().source_sha)
    Article.objects.update(source_sha="f" * 64)
    counted_reads.clear()
    import_paths([site])
    assert counted_reads == ["_news/a.md"]


def test_new_items_never_take_the_id_of_a_deleted_one(site):
    """The importer takes its ids before inserting: never one given before (SQLite's
    AUTOINCREMENT, PostgreSQL's sequence), in the order of the files."""
    for name in ("a", "b", "c"):
        write(site, f"_news/{name}.md", NEWS_ITEM.replace("example.com/a", f"example.com/{name}"))
    assert run("import_frontmatter", site)[0] == 0
    ids = list(Article.objects.order_by("path").values_list("pk", flat=True))
    assert ids == sorted(ids) and len(set(ids)) == 3
    Article.objects.filter(pk=ids[-1]).delete()
    (site / "_news" / "c.md").unlink()
    write(site, "_news/d.md", NEWS_ITEM.replace("example.com/a", "example.com/d"))
    write(site, "_news/e.md", NEWS_ITEM.replace("example.com/a", "example.com/e"))
    status, out, err = run("import_frontmatter", site)
    assert status == 0 and out[-1].startswith("created 2, updated 0, unchanged 2,"), (out, err)
    d, e = (Article.objects.get(path=f"_news/{name}.md").pk for name in ("d", "e"))
    assert ids[-1] < d < e


# --------------------------------------------------------------------------------------
# PostgreSQL's search indexes and a first import (see articles/search_indexes.py)
# --------------------------------------------------------------------------------------
TRIGRAM_NAMES = {"article_title_trgm", "article_excerpt_trgm", "article_provider_name_trgm", "article_name_trgm"}


def _trigram_indexes():
    """The trigram indexes there are on PostgreSQL; None on SQLite (it has none)."""
    from django.db import connection

    from articles import search_indexes

    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return None
    return search_indexes.present(connection)


@pytest.mark.django_db(transaction=True)
def test_a_first_import_builds_the_search_indexes_after_its_rows(corpus_site, monkeypatch):
    from articles import importer

    during = []
    flush = importer.Importer.flush

    def watched_flush(self):
        during.append(_trigram_indexes())
        return flush(self)

    monkeypatch.setattr(importer.Importer, "flush", watched_flush)
    first = import_paths([corpus_site])
    assert first.ok and first.counts["created"] >= importer.BULK_LOAD_FILES
    after = _trigram_indexes()
    if after is None:  # SQLite
        assert first.indexes_built is None and during and all(present is None for present in during)
    else:
        assert during and all(present == set() for present in during)
        assert set(first.indexes_built[0]) == TRIGRAM_NAMES and first.indexes_built[1] > 0
        assert after == TRIGRAM_NAMES
    # Items are stored now: a later import leaves the indexes where they are.
    during.clear()
    again = import_paths([corpus_site])
    assert again.ok and again.indexes_built is None and during and all(present == after for present in during)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_search_indexes_come_back_after_an_interrupted_first_import(site, monkeypatch):
    from django.core.management import call_command
    from django.db import connection

    from articles import importer

    monkeypatch.setattr(importer, "BULK_LOAD_FILES", 1)
    write(site, "_news/a.md", NEWS_ITEM)

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(importer.Importer, "finish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_paths([site])
    monkeypatch.undo()
    assert _trigram_indexes() == TRIGRAM_NAMES  # built on the way out
    # Killed (kill -9) before it could build them: migrate, or the next import, does.
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "article_excerpt_trgm"')
    call_command("migrate", verbosity=0)
    assert _trigram_indexes() == TRIGRAM_NAMES
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "article_title_trgm"')
    write(site, "_news/b.md", NEWS_ITEM.replace("example.com/a", "example.com/b"))
    result = import_paths([site])
    assert result.ok and result.indexes_built is None
    assert _trigram_indexes() == TRIGRAM_NAMES


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_migrating_back_does_not_bring_the_search_indexes_back():
    """migrate builds missing search indexes only while their migration is applied."""
    from django.core.management import call_command

    try:
        call_command("migrate", "articles", "0005", verbosity=0)
        assert _trigram_indexes() == set()
    finally:
        call_command("migrate", verbosity=0)
    assert _trigram_indexes() == TRIGRAM_NAMES


# --------------------------------------------------------------------------------------
# --jobs workers that insert what they parsed (PostgreSQL)
# --------------------------------------------------------------------------------------
def _fingerprint():
    return (
        sorted(Article.objects.values_list(
            "path", "source_sha", "source_digest", "title", "quality", "published", "provider__domain", "imported_at",
        )),
        sorted(Article.objects.values_list("path", "topic_links__position", "topic_links__topic__topic_id", "topic_links__label")),
        sorted(Article.objects.values_list("path", "images__position", "images__url")),
        sorted(RelatedStory.objects.values_list("article__path", "position", "web_url", "target__path")),
        sorted(Provider.objects.values_list("domain", "name", "path")),
        sorted(Topic.objects.values_list("topic_id", "name", "parent__topic_id", "path")),
    )


@pytest.mark.django_db(transaction=True)
def test_jobs_workers_insert_the_new_items_on_postgresql(corpus_site, monkeypatch):
    """On PostgreSQL the --jobs workers insert the new items themselves, on connections
    of their own; on SQLite (one writer at a time) this process does. Same database."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # imported_at is compared too
    parallel = import_paths([corpus_site], jobs=2)
    assert parallel.ok and parallel.counts["created"] > 1000
    assert parallel.writer_processes == (2 if connection.vendor == "postgresql" else 1)
    assert len(parallel.files) == len({f.path for f in parallel.files})
    assert sorted(f.object_id for f in parallel.files if f.kind == "article") == sorted(
        Article.objects.values_list("pk", flat=True)
    )
    state = _fingerprint()
    Article.objects.all().delete()
    Provider.objects.all().delete()
    Topic.objects.all().delete()
    serial = import_paths([corpus_site])
    assert serial.ok and serial.writer_processes == 1
    assert serial.counts == parallel.counts
    assert _fingerprint() == state


@pytest.mark.django_db(transaction=True)
def test_jobs_workers_report_refused_files_as_this_process_does(site, django_user_model):
    """Files refused inside a writing worker (a bad value, a path too long, a user who
    may not publish publishing) come back with the same messages; the good files import."""
    contributor = django_user_model.objects.create_user("contributor", password="x-not-used-0123")
    for name in ("a", "b", "c"):
        write(site, f"_news/{name}.md", NEWS_ITEM.replace("example.com/a", f"example.com/{name}").replace("published: true", "published: false"))
    write(site, "_news/bad.md", NEWS_ITEM.replace("quality: 75", "quality: high"))
    write(site, "_news/" + ("y" * 200 + "/") * 3 + "long.md", NEWS_ITEM.replace("example.com/a", "example.com/long"))
    write(site, "_news/public.md", NEWS_ITEM.replace("example.com/a", "example.com/public"))

    def outcomes(result):
        return sorted((f.path, f.status, tuple(f.errors)) for f in result.files)

    from django.db import connection

    parallel = import_paths([site], jobs=2, by=contributor)
    assert parallel.writer_processes == (2 if connection.vendor == "postgresql" else 1)
    assert parallel.counts["created"] == 3 and parallel.counts["failed"] == 3
    first = outcomes(parallel)
    assert any("quality: expected an integer, got 'high'" in e for _, _, errors in first for e in errors)
    assert any("you may not publish items" in e for _, _, errors in first for e in errors)
    Article.objects.all().delete()
    assert outcomes(import_paths([site], by=contributor)) == [
        (path, status, errors) for path, status, errors in first
    ]


@pytest.mark.django_db(transaction=True)
def test_a_batch_refused_in_a_writing_worker_is_applied_file_by_file(site, monkeypatch):
    from articles import importer

    for name in ("a", "b", "c", "d"):
        write(site, f"_news/{name}.md", NEWS_ITEM.replace("example.com/a", f"example.com/{name}"))
    real = importer.Importer._create_articles

    def flaky(self, batch):  # inherited by the forked workers
        if len(batch) > 1:
            raise importer.DatabaseError("simulated failure")
        return real(self, batch)

    monkeypatch.setattr(importer.Importer, "_create_articles", flaky)
    result = import_paths([site], jobs=2)
    assert result.ok and result.counts["created"] == 4, result.errors()
    assert Article.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_jobs_mix_updates_conflicts_and_new_items(site):
    """With --jobs 2, this process applies updates and conflicts while the workers insert
    new items (on PostgreSQL): every file gets its outcome, as with --jobs 1."""
    for name in ("a", "b", "c"):
        write(site, f"_news/{name}.md", NEWS_ITEM.replace("example.com/a", f"example.com/{name}"))
    assert run("import_frontmatter", site)[0] == 0
    Article.objects.filter(path="_news/c.md").update(title="Edited in Newsroom")
    Article.objects.get(path="_news/c.md").save()  # the digest now differs from the import's
    write(site, "_news/b.md", NEWS_ITEM.replace("example.com/a", "example.com/b").replace('title: "A title"', 'title: "B, changed"'))
    write(site, "_news/c.md", NEWS_ITEM.replace("example.com/a", "example.com/c").replace("quality: 75", "quality: 76"))
    for name in ("d", "e", "f"):
        write(site, f"_news/{name}.md", NEWS_ITEM.replace("example.com/a", f"example.com/{name}"))
    result = import_paths([site], jobs=2)
    statuses = {f.path: f.status for f in result.files}
    assert statuses == {
        "_news/a.md": "unchanged", "_news/b.md": "updated", "_news/c.md": "conflict",
        "_news/d.md": "created", "_news/e.md": "created", "_news/f.md": "created",
    }
    assert Article.objects.get(path="_news/b.md").title == "B, changed"
    assert Article.objects.get(path="_news/c.md").title == "Edited in Newsroom"
    assert Article.objects.count() == 6
    assert import_paths([site], jobs=2).counts["created"] == 0


def test_a_provider_file_in_a_collection_folder_is_refused_by_line_and_field(site):
    """Finding 7 of issue 11: `taxonomy: organization` in _news/ made a provider whose
    path is in the items' folder (exported over an item's file)."""
    write(site, "_news/2024-01-01-org.md", "---\ntitle: x\ntaxonomy: organization\ndomain: example.org\nname: Org\n---\n")
    write(site, "_news/2024-01-02-ok.md", NEWS_ITEM)
    result = import_paths([site], root=site)
    assert result.errors() == ["_news/2024-01-01-org.md:3: taxonomy: a provider's file belongs in _data/organizations/, "
                             "not in a collection folder"]
    assert not Provider.objects.filter(domain="example.org").exists()
    assert Article.objects.filter(path="_news/2024-01-02-ok.md").exists()


def test_an_import_that_overlaps_an_edit_still_moves_the_content_stamp(site, client, monkeypatch):
    """Finding 2 of issue 11: rows written by an import carried the time the run started,
    so an edit made meanwhile kept MAX(modified_at) ahead of them: an item the import
    unpublished stayed public (200 from the page cache, 304 to a client)."""
    import datetime as dt
    from django.utils import timezone

    from articles import importer as importer_module
    from articles.public.selectors import content_stamp

    write(site, "_news/2024-03-01-a.md", NEWS_ITEM)
    write(site, "_news/2024-03-02-b.md", NEWS_ITEM.replace("https://example.com/a", "https://example.com/b"))
    import_paths([site], root=site)
    item = Article.objects.get(path="_news/2024-03-01-a.md")
    page = client.get(item.get_absolute_url())
    assert page.status_code == 200
    started = timezone.now() - dt.timedelta(seconds=10)  # the run started ...
    Article.objects.filter(path="_news/2024-03-02-b.md").update(title="Edited meanwhile", modified_at=timezone.now())
    stamp = content_stamp()  # ... a reader caches a page after the edit ...
    write(site, "_news/2024-03-01-a.md", NEWS_ITEM.replace("published: true", "published: false"))
    real_init = importer_module.Importer.__init__
    monkeypatch.setattr(importer_module.Importer, "__init__",
                        lambda self, **kw: real_init(self, **{**kw, "now": started}))
    result = import_paths([site / "_news/2024-03-01-a.md"], root=site)  # ... and the run unpublishes
    assert result.counts["updated"] == 1
    assert content_stamp().token != stamp.token
    assert client.get(item.get_absolute_url(), HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 404
