"""Issue 9: no input aborts a run, every value safe YAML can say is kept.

``tests/fixtures/hostile/`` is a site of files written to break an importer, with the
expected outcome of each in ``OUTCOMES.tsv``: *kept* (imported, then exported byte for
byte), *refused* (a message naming the file, line and field; nothing stored) or
*skipped* (a file of a collection folder holding no item, named with the reason).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from articles import frontmatter as fm
from articles.exporter import export_site
from articles.importer import Importer, current_article_state, discover, import_paths, read_one
from articles.models import Article, Provider, Topic

from .helpers import NEWS_ITEM, db_state, run, tree, write

pytestmark = pytest.mark.django_db
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
ROOT = Path(__file__).resolve().parent.parent


def outcomes() -> list[tuple[str, str, str]]:
    rows = []
    for line in (HOSTILE / "OUTCOMES.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            path, outcome, message = line.split("\t")
            rows.append((path, outcome, message))
    return rows


OUTCOMES = outcomes()
KEPT = [path for path, outcome, _ in OUTCOMES if outcome == "kept"]
REFUSED = {path: message for path, outcome, message in OUTCOMES if outcome == "refused"}
SKIPPED = {path: reason for path, outcome, reason in OUTCOMES if outcome == "skipped"}


def test_the_fixture_set_is_complete():
    assert len(OUTCOMES) >= 40
    on_disk = {rel for rel in tree(HOSTILE) if rel not in ("_config.yml", "OUTCOMES.tsv")}
    assert on_disk == {path for path, _, _ in OUTCOMES}
    assert len(KEPT) >= 30 and len(REFUSED) >= 30 and SKIPPED


def kind_of(path):
    return "provider" if path.startswith("_data/organizations/") else "topic" if path.startswith("_data/topics/") else "article"


def test_every_file_has_its_expected_outcome():
    status, out, err = run("import_frontmatter", HOSTILE)
    assert status == 1  # some files are refused: the run says so, after applying the others
    assert "Traceback" not in err and "unexpected error" not in err
    lines = err.splitlines()
    for path, message in REFUSED.items():
        mine = [line for line in lines if line.startswith(path + ":")]
        assert len(mine) == 1, (path, mine)
        assert mine[0].startswith(message), (path, mine[0], message)
    for path, reason in SKIPPED.items():
        assert f"{path}: skipped: {reason}" in lines  # named at the default verbosity
    summary = out[-1]
    assert summary.startswith(f"created {len(KEPT)}, updated 0, unchanged 0, conflicts 0, failed {len(REFUSED)} ")
    articles = set(Article.objects.values_list("path", flat=True))
    assert articles == {p for p in KEPT if kind_of(p) == "article"}
    assert set(Provider.objects.exclude(path=None).values_list("path", flat=True)) == {p for p in KEPT if kind_of(p) == "provider"}
    assert set(Topic.objects.exclude(path=None).values_list("path", flat=True)) == {p for p in KEPT if kind_of(p) == "topic"}


def test_refusals_name_the_line_and_the_field():
    """Every refusal of a value names its line and its field (path:line: field: ...)."""
    for path, message in REFUSED.items():
        where, _, rest = message[len(path) + 1:].partition(": ")
        assert where.isdigit(), message
        assert rest, message


def test_kept_files_export_byte_for_byte_and_rebuild_the_same_data(tmp_path):
    run("import_frontmatter", HOSTILE)
    for article in Article.objects.all():
        doc, digest_now, digest_stored = current_article_state(article.pk)
        parsed = fm.parse(article.path, article.source_text.encode("utf-8"), "article")
        assert fm.same(doc, parsed.doc), article.path
        assert digest_now == digest_stored == parsed.digest, article.path
    status, out, err = run("export_frontmatter", tmp_path)
    assert status == 0, err
    exported, original = tree(tmp_path), tree(HOSTILE)
    assert sorted(exported) == sorted(KEPT)
    assert [path for path in KEPT if exported[path] != original[path]] == []
    # Read back, nothing changes.
    status, out, err = run("import_frontmatter", tmp_path, "--root", tmp_path)
    assert status == 0 and out[-1].startswith(f"created 0, updated 0, unchanged {len(KEPT)},"), (out, err)


def test_kept_values_are_written_anew_as_they_were_read(tmp_path):
    """The items as if created in the CMS (no source file): the writer renders every odd
    value (keys of every type, timestamps with their offsets, NaN, control characters,
    long keys) so that it reads back as the same data, of the same types."""
    run("import_frontmatter", HOSTILE)
    before = {a.path: current_article_state(a.pk)[0] for a in Article.objects.all()}
    Article.objects.update(source_text="", source_sha="", source_digest="")
    result = export_site(tmp_path, with_taxonomy=False)
    assert result.ok and len(result.written) == len(before)
    for path, doc in before.items():
        parsed = fm.parse(path, (tmp_path / path).read_bytes(), "article")
        assert fm.same(parsed.doc, doc), path
    # And the importer takes them back as the same items.
    Article.objects.all().delete()
    again = import_paths([tmp_path], root=tmp_path)
    assert again.ok, again.errors()
    assert {a.path: current_article_state(a.pk)[0] for a in Article.objects.all()}.keys() == before.keys()
    for article in Article.objects.all():
        assert fm.same(current_article_state(article.pk)[0], before[article.path]), article.path


def test_refused_files_leave_the_database_as_it_was(tmp_path):
    run("import_frontmatter", HOSTILE)
    before = db_state()
    site = tmp_path / "site"
    shutil.copytree(HOSTILE, site)
    # The same paths, now all refused: an update refused leaves the stored item alone.
    for path in KEPT:
        if kind_of(path) == "article":
            write(site, path, (HOSTILE / path).read_bytes().replace(b"---", b"---\nquality: high", 1), binary=True)
    status, out, err = run("import_frontmatter", site, "--root", site)
    assert status == 1
    assert db_state() == before


def outcome_table(result):
    return sorted((f.path, f.status, tuple(f.errors)) for f in result.files)


def test_dry_run_and_real_run_agree_file_by_file(tmp_path, fixtures_dir):
    site = tmp_path / "site"
    shutil.copytree(HOSTILE, site)
    shutil.copytree(fixtures_dir / "site", site, dirs_exist_ok=True)
    before = db_state()
    dry = import_paths([site], root=site, dry_run=True)
    assert db_state() == before
    real = import_paths([site], root=site)
    assert outcome_table(dry) == outcome_table(real)
    assert dry.skipped == real.skipped and dry.notices == real.notices
    # A second pass: updates, a conflict (edited here and in the file) and refusals.
    edited = Article.objects.get(path="_news/2024-01-03-non-string-keys.md")
    edited.title = "Edited in the desk"
    edited.save()
    for rel in ("_news/2024-01-03-non-string-keys.md", "_news/2024-01-07-nan-inf.md", "_events/2024-06-10-conference.md"):
        path = site / rel
        path.write_bytes(path.read_bytes().replace(b"quality: 60", b"quality: 61").replace(b'"Seattle, WA"', b"Tacoma"))
    write(site, "_news/2024-01-09-nulls-and-empty-collections.md", "---\ntitle: [broken\n---\n")
    before = db_state()
    dry = import_paths([site], root=site, dry_run=True)
    assert db_state() == before
    real = import_paths([site], root=site)
    assert outcome_table(dry) == outcome_table(real)
    statuses = {f.path: f.status for f in real.files}
    assert statuses["_news/2024-01-03-non-string-keys.md"] == "conflict"
    assert statuses["_news/2024-01-07-nan-inf.md"] == "updated"
    assert statuses["_events/2024-06-10-conference.md"] == "updated"
    assert statuses["_news/2024-01-09-nulls-and-empty-collections.md"] == "failed"


def test_jobs_give_the_same_outcomes(tmp_path):
    one = import_paths([HOSTILE], root=HOSTILE, dry_run=True)
    two = import_paths([HOSTILE], root=HOSTILE, jobs=2)
    assert outcome_table(one) == outcome_table(two)
    assert Article.objects.count() == len([p for p in KEPT if kind_of(p) == "article"])


# --------------------------------------------------------------------------------------
# Errors nobody expected: this file's failure, named, with its traceback at -v 3.
# --------------------------------------------------------------------------------------
@pytest.fixture
def site(tmp_path):
    write(tmp_path, "_config.yml", "title: t\n")
    for name in ("a", "b", "boom", "c"):
        write(tmp_path, f"_news/{name}.md", NEWS_ITEM.replace('title: "A title"', f'title: "{name}"'))
    return tmp_path


def explode_on(monkeypatch, target, name="boom"):
    real = getattr(fm, target)

    def exploding(path, *args, **kwargs):
        if name in path:
            raise RuntimeError("something nobody foresaw")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(fm, target, exploding)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unexpected_error_fails_its_file_only(site, monkeypatch, jobs):
    explode_on(monkeypatch, "parse_text")
    status, out, err = run("import_frontmatter", site, "--jobs", jobs)
    assert status == 1
    assert "_news/boom.md: unexpected error: RuntimeError: something nobody foresaw" in err
    assert "Traceback" not in err and "run with -v 3" in err
    assert out[-1].startswith("created 3, updated 0, unchanged 0, conflicts 0, failed 1")
    Article.objects.all().delete()
    status, out, err = run("import_frontmatter", site, "--jobs", jobs, verbosity=3)
    assert "Traceback (most recent call last)" in err and "RuntimeError: something nobody foresaw" in err


def test_an_unexpected_error_while_storing_fails_its_file_only(site, monkeypatch):
    """A batch that fails to insert for a reason nobody foresaw is applied file by file:
    the file that cannot be stored fails, the others are created."""
    real = Importer._create_articles

    def exploding(self, batch):
        if any("boom" in item.rel for item in batch):
            raise TypeError("cannot adapt this value")
        return real(self, batch)

    monkeypatch.setattr(Importer, "_create_articles", exploding)
    result = import_paths([site])
    assert {f.path: f.status for f in result.files} == {
        "_news/a.md": "created", "_news/b.md": "created", "_news/boom.md": "failed", "_news/c.md": "created",
    }
    failed = next(f for f in result.files if f.status == "failed")
    assert failed.errors == ["_news/boom.md: unexpected error: TypeError: cannot adapt this value"]
    assert "Traceback" in failed.traceback
    assert sorted(Article.objects.values_list("path", flat=True)) == ["_news/a.md", "_news/b.md", "_news/c.md"]


def test_an_unexpected_error_while_updating_fails_its_file_only(site, monkeypatch):
    import articles.importer as importer

    import_paths([site])
    for name in ("a", "boom"):
        path = site / f"_news/{name}.md"
        path.write_text(path.read_text().replace("quality: 75", "quality: 76"))
    real = importer.article_rows

    def exploding(doc):
        if doc.get("title") == "boom":
            raise KeyError("odd")
        return real(doc)

    monkeypatch.setattr(importer, "article_rows", exploding)
    before = db_state()
    result = import_paths([site])
    statuses = {f.path: f.status for f in result.files}
    assert statuses == {"_news/a.md": "updated", "_news/b.md": "unchanged", "_news/boom.md": "failed", "_news/c.md": "unchanged"}
    failed = next(f for f in result.files if f.status == "failed")
    assert failed.errors == ["_news/boom.md: unexpected error: KeyError: 'odd'"] and "Traceback" in failed.traceback
    assert Article.objects.get(path="_news/boom.md").quality == 75
    assert Article.objects.get(path="_news/a.md").quality == 76
    assert before != db_state()


# --------------------------------------------------------------------------------------
# Reading stays inside the site.
# --------------------------------------------------------------------------------------
def test_a_file_replaced_by_a_link_mid_run_fails_by_name(site, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write(outside, "secret.md", NEWS_ITEM.replace('title: "A title"', 'title: "Secret"'))
    entries, _skipped, _refused = discover([site])
    (site / "_news" / "b.md").unlink()
    os.symlink(outside / "secret.md", site / "_news" / "b.md")  # swapped after the walk
    outcome = read_one(next(e for e in entries if e[1] == "_news/b.md"))
    assert outcome[0] == "failed"
    assert outcome[2] == "_news/b.md: cannot read: the file is a symbolic link now (links are not followed)"


def test_a_folder_replaced_by_a_link_mid_run_fails_by_name(site, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write(outside, "a.md", NEWS_ITEM.replace('title: "A title"', 'title: "Secret"'))
    entries, _skipped, _refused = discover([site])
    shutil.rmtree(site / "_news")
    os.symlink(outside, site / "_news")
    outcome = read_one(next(e for e in entries if e[1] == "_news/a.md"))
    assert outcome[2] == (
        "_news/a.md: cannot read: a folder of its path is a symbolic link now, or no folder (links are not followed)"
    )


def test_a_swap_during_an_import_fails_that_file_and_the_run_goes_on(site, tmp_path_factory, monkeypatch):
    import articles.importer as importer

    outside = tmp_path_factory.mktemp("outside")
    write(outside, "secret.md", NEWS_ITEM.replace('title: "A title"', 'title: "Secret"'))
    real = importer.discover

    def discover_then_swap(paths, root=None):
        found = real(paths, root)
        (site / "_news" / "b.md").unlink()
        os.symlink(outside / "secret.md", site / "_news" / "b.md")
        return found

    monkeypatch.setattr(importer, "discover", discover_then_swap)
    status, out, err = run("import_frontmatter", site)
    assert status == 1 and "_news/b.md: cannot read: the file is a symbolic link now" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == ["a", "boom", "c"]


def test_a_fifo_in_place_of_a_file_cannot_hang_the_run(site):
    entries, _skipped, _refused = discover([site])
    (site / "_news" / "c.md").unlink()
    os.mkfifo(site / "_news" / "c.md")
    outcome = read_one(next(e for e in entries if e[1] == "_news/c.md"))
    assert outcome[:3] == ("failed", "_news/c.md", "_news/c.md: not a regular file")


def test_a_file_name_that_is_not_utf8_is_refused_by_name(site):
    name = os.fsencode(str(site / "_news")) + b"/caf\xe9.md"
    with open(name, "wb") as handle:
        handle.write(NEWS_ITEM.encode())
    status, out, err = run("import_frontmatter", site)
    assert status == 1
    assert "_news/caf\\xe9.md: the file name is not UTF-8 (rename the file)" in err
    assert Article.objects.count() == 4


def test_nesting_that_would_crash_libyaml_is_refused(tmp_path):
    """Some ten thousand levels overflow the C stack of libyaml's composer (the process
    dies, not an exception): such files are refused from the parser's events first. Run
    in a child process, so that a crash fails this test instead of the suite."""
    write(tmp_path, "_config.yml", "title: t\n")
    write(tmp_path, "_news/deep.md", "---\nx: " + "[" * 200_000 + "]" * 200_000 + "\n---\n")
    write(tmp_path, "_news/ok.md", NEWS_ITEM)
    db = tmp_path / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run([sys.executable, "manage.py", "import_frontmatter", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "_news/deep.md:2: x: nested deeper than 32 levels" in done.stderr
    assert done.stdout.splitlines()[-1].startswith("created 1, updated 0, unchanged 0, conflicts 0, failed 1")


def test_files_without_front_matter_in_collection_folders_are_named(tmp_path):
    write(tmp_path, "_config.yml", "title: t\n")
    write(tmp_path, "_news/empty.md", "")
    write(tmp_path, "_events/2024-01-01-cut.md", "\n")
    write(tmp_path, "_data/organizations/x.com.md", "name: X\n")
    write(tmp_path, "README.md", "# A readme at the root is no accident\n")
    write(tmp_path, "_news/ok.md", NEWS_ITEM)
    status, out, err = run("import_frontmatter", tmp_path)
    assert status == 0
    assert err.splitlines() == [
        "_data/organizations/x.com.md: skipped: no front matter (the file does not start with a '---' line)",
        "_events/2024-01-01-cut.md: skipped: only blank lines, no front matter",
        "_news/empty.md: skipped: empty file",
    ]
    status, out, err = run("import_frontmatter", tmp_path, verbosity=0)
    assert err == ""


def test_odd_urls_are_noted_at_verbosity_2(tmp_path):
    write(tmp_path, "_config.yml", "title: t\n")
    write(tmp_path, "_news/a.md", NEWS_ITEM.replace('"https://example.com/a"', '"https://example.com/a b"'))
    status, out, err = run("import_frontmatter", tmp_path, verbosity=2)
    assert status == 0
    assert "note: _news/a.md: webUrl: URL kept as written: 'https://example.com/a b'" in err
    assert Article.objects.get().web_url == "https://example.com/a b"


@pytest.mark.django_db(transaction=True)
def test_jobs_outside_a_transaction_give_the_same_outcomes():
    """Outside a transaction, on PostgreSQL, --jobs workers insert the new items
    themselves: what they refuse or fail on is reported as this process would."""
    dry = import_paths([HOSTILE], root=HOSTILE, dry_run=True)
    two = import_paths([HOSTILE], root=HOSTILE, jobs=2)
    assert outcome_table(dry) == outcome_table(two)
    assert Article.objects.count() == len([p for p in KEPT if kind_of(p) == "article"])
