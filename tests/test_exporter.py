"""export_frontmatter: filters, safety of writes, and a site that imports to the same state."""
import os
from pathlib import Path

import pytest

from articles import exporter
from articles.exporter import export_site
from articles.importer import current_article_state
from articles.models import Article, Provider, Topic

from .helpers import run, tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(fixtures_dir):
    status, out, err = run("import_frontmatter", fixtures_dir / "site")
    assert status == 0, err
    return fixtures_dir / "site"


def states():
    return {a.path: current_article_state(a.pk)[0] for a in Article.objects.all()}


def test_export_is_a_site_that_imports_to_the_same_state(site, tmp_path):
    before = states()
    providers = list(Provider.objects.order_by("domain").values_list("domain", "name", "images", "extra", "path"))
    topics = list(Topic.objects.order_by("topic_id").values_list("topic_id", "name", "parent__topic_id", "keywords", "hashtags", "path"))
    status, out, _ = run("export_frontmatter", tmp_path)
    assert status == 0 and out[-1].startswith("written 6, unchanged 0, failed 0 (6 files in ")
    assert sorted(tree(tmp_path)) == [
        "_data/organizations/example.com.md", "_data/topics/00-widgets.yaml", "_data/topics/01-gadgets.yaml",
        "_learning/videos/intro-video.md", "_news/2024-01-02-hello-world.md", "_news/2024-01-03-hello-too.md",
    ]
    Article.objects.all().delete()
    Provider.objects.all().delete()
    Topic.objects.all().delete()
    status, out, err = run("import_frontmatter", tmp_path, "--root", tmp_path)
    assert status == 0, err
    assert states() == before
    assert list(Provider.objects.order_by("domain").values_list("domain", "name", "images", "extra", "path")) == providers
    assert list(Topic.objects.order_by("topic_id").values_list("topic_id", "name", "parent__topic_id", "keywords", "hashtags", "path")) == topics


def test_filters(site, tmp_path):
    def exported(*args):
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        status, lines, err = run("export_frontmatter", out, *args)
        assert status == 0, err
        return sorted(p for p in tree(out) if not p.startswith("_data/"))

    assert exported("--collection", "learning") == ["_learning/videos/intro-video.md"]
    assert exported("--published-only") == ["_learning/videos/intro-video.md", "_news/2024-01-02-hello-world.md"]
    assert exported("--provider", "other.org") == ["_news/2024-01-03-hello-too.md"]
    # A topic includes its subtopics: gadgets is below widgets.
    assert exported("--topic", "widgets") == [
        "_learning/videos/intro-video.md", "_news/2024-01-02-hello-world.md", "_news/2024-01-03-hello-too.md",
    ]
    assert exported("--topic", "gadgets") == ["_news/2024-01-03-hello-too.md"]
    Article.objects.exclude(path="_news/2024-01-03-hello-too.md").update(modified_at="2020-01-01T00:00:00Z")
    assert exported("--since", "2024-01-03") == ["_news/2024-01-03-hello-too.md"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "yesterday"], "--since 'yesterday'"),
        (["--topic", "nope"], "--topic 'nope': no such topic"),
        (["--provider", "nope.example"], "--provider 'nope.example': no such provider"),
    ],
)
def test_bad_options_are_usage_errors(site, tmp_path, args, message):
    status, out, err = run("export_frontmatter", tmp_path / "out", *args)
    assert status == 2 and message in err
    assert not (tmp_path / "out").exists()


def test_never_writes_outside_outdir(site, tmp_path):
    Article.objects.filter(path="_news/2024-01-03-hello-too.md").update(path="../escaped.md")
    Article.objects.filter(path="_news/2024-01-02-hello-world.md").update(path="/etc/evil.md")
    outdir = tmp_path / "out"
    status, out, err = run("export_frontmatter", outdir)
    assert status == 1
    assert "../escaped.md: refusing to write outside the output folder" in err
    assert "/etc/evil.md: refusing to write outside the output folder" in err
    assert out[-1].startswith("written 4, unchanged 0, failed 2")
    assert not (tmp_path / "escaped.md").exists()


def test_refuses_to_follow_a_link_out_of_outdir(site, tmp_path):
    outdir, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    outdir.mkdir()
    elsewhere.mkdir()
    (outdir / "_news").symlink_to(elsewhere, target_is_directory=True)
    result = export_site(outdir)
    assert any("through a link" in e for e in result.errors)
    assert list(elsewhere.iterdir()) == []


def test_interrupted_write_leaves_no_half_written_file(site, tmp_path, monkeypatch):
    outdir = tmp_path / "out"
    export_site(outdir)
    target = outdir / "_news/2024-01-02-hello-world.md"
    original = target.read_bytes()
    Article.objects.filter(path="_news/2024-01-02-hello-world.md").update(title="Changed")
    real_replace = os.replace

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(exporter.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        export_site(outdir)
    monkeypatch.setattr(exporter.os, "replace", real_replace)
    assert target.read_bytes() == original
    assert [p.name for p in outdir.rglob("*.tmp")] == []


def test_unchanged_files_are_not_rewritten(site, tmp_path):
    export_site(tmp_path)
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.md")}
    Article.objects.filter(path="_news/2024-01-03-hello-too.md").update(heat=5)
    result = export_site(tmp_path)
    assert result.written == ["_news/2024-01-03-hello-too.md"]
    changed = [p for p in stamp if p.stat().st_mtime_ns != stamp[p]]
    assert changed == [tmp_path / "_news/2024-01-03-hello-too.md"]
    text = (tmp_path / "_news/2024-01-03-hello-too.md").read_text()
    assert "heat: 5\n" in text and "heat: -1" not in text


def test_edited_provider_and_topic_keep_their_style(site, tmp_path):
    Provider.objects.filter(domain="example.com").update(name="Example Inc.")
    Topic.objects.filter(topic_id="gadgets").update(keywords=["gadget", "gizmo"])
    export_site(tmp_path)
    assert (tmp_path / "_data/organizations/example.com.md").read_text() == (
        (site / "_data/organizations/example.com.md").read_text().replace("name: Example\n", "name: Example Inc.\n")
    )
    assert (tmp_path / "_data/topics/01-gadgets.yaml").read_text() == (
        "taxonomy: topic\n_id: gadgets\nname: Gadgets\nparent: Widgets\nkeywords:\n  - gadget\n  - gizmo\n"
    )
    # Files without a final newline keep it that way.
    assert (tmp_path / "_data/topics/00-widgets.yaml").read_bytes() == (site / "_data/topics/00-widgets.yaml").read_bytes()


def test_same_files_with_or_without_unnamed_temporary_files(site, tmp_path, monkeypatch):
    """New files are written unnamed (O_TMPFILE) and linked in place where the system
    allows it, else through a named temporary file: the same site either way, and no
    temporary file left behind."""
    linked = export_site(tmp_path / "linked")
    monkeypatch.delattr(exporter.os, "O_TMPFILE", raising=False)
    renamed = export_site(tmp_path / "renamed")
    assert linked.ok and renamed.ok and sorted(linked.written) == sorted(renamed.written)
    assert tree(tmp_path / "linked") == tree(tmp_path / "renamed")
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")] == []
    modes = {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "linked").rglob("*.md")}
    assert modes == {oct(0o644 & ~_umask())}


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_link_in_outdir_is_refused_before_any_folder_is_made_through_it(site, tmp_path):
    """Finding 7 of issue 11: folders were made (through the link, outside OUTDIR) before
    the check of where they resolve."""
    Article.objects.create(path="_learning/videos/deep/2024-01-01-x.md", collection="learning", title="Deep")
    outdir, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    outdir.mkdir()
    elsewhere.mkdir()
    (outdir / "_learning").symlink_to(elsewhere, target_is_directory=True)
    result = export_site(outdir)
    assert any("_learning: refusing to write through a link" in e for e in result.errors)
    assert list(elsewhere.iterdir()) == []
