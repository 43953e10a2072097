"""Issue 9, third round: the rest of the break-it review (F7, F11, events, the minor
cases), each pinned by a test that failed before its fix."""
import shutil
from pathlib import Path

import pytest

from articles.exporter import export_site
from articles.models import Article, Provider, Topic

from .helpers import NEWS_ITEM, run, tree, write
from .test_roundtrip import changed_lines

pytestmark = pytest.mark.django_db
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


def site(tmp_path, files: dict):
    root = tmp_path / "site"
    write(root, "_config.yml", "title: t\n")
    for rel, text in files.items():
        write(root, rel, text, binary=isinstance(text, bytes))
    return root


# F7 ---------------------------------------------------------------------------------

CRLF_ITEM = NEWS_ITEM.replace("\n", "\r\n")
EXPLICIT_ITEM = NEWS_ITEM.replace(
    "heat: 3\n",
    "heat: 3\n? explicit\n: value\n? |\n  a block\n  key\n: block value\n? " + '"' + "k" * 1100 + '"' + "\n: long key\n",
).replace("  name: Example\n", "  ? name\n  : Example\n")


@pytest.mark.parametrize("text", [CRLF_ITEM, EXPLICIT_ITEM, EXPLICIT_ITEM.replace("\n", "\r\n")], ids=["crlf", "explicit-keys", "both"])
@pytest.mark.parametrize("edit", ["quality", "provider_name", "title"])
def test_an_edit_changes_only_its_lines_whatever_the_line_ends_and_key_styles(tmp_path, text, edit):
    root = site(tmp_path, {"_news/2024-03-01-a.md": text})
    assert run("import_frontmatter", root)[0] == 0
    article = Article.objects.get()
    if edit == "quality":
        article.quality, want = 42, (["quality: 75"], ["quality: 42"])
    elif edit == "title":
        article.title, want = "Another title", (['title: "A title"'], ['title: "Another title"'])
    else:
        article.provider_name = "Renamed"
        want = (["  name: Example"], ["  name: Renamed"]) if "? name" not in text else (["  : Example"], ["  : Renamed"])
    article.save()
    out = tmp_path / "out"
    assert export_site(out).ok
    written = (out / "_news/2024-03-01-a.md").read_bytes()
    assert changed_lines(text.encode(), written) == want
    assert written.count(b"\r\n") == text.count("\r\n") and written.count(b"\n") == text.count("\n")


def test_every_hostile_item_edited_changes_only_the_edited_line(tmp_path):
    """Over every item of the hostile set (CRLF and BOM, explicit, long and odd keys, flow
    collections, aliases...): a quality set in Newsroom changes the quality line only
    (or adds it), except where the front matter is one flow mapping or holds line breaks
    the file's lines do not show (written anew, in block style, by design)."""
    assert run("import_frontmatter", HOSTILE)[0] == 1
    originals = tree(HOSTILE)
    for article in Article.objects.all():
        article.quality = 42
        article.save()
    out = tmp_path / "out"
    export_site(out)
    problems = []
    for article in Article.objects.all():
        before = originals[article.path]
        if b"\xc2\x85" in before or "\u2028".encode() in before or b"\n{" in before.split(b"---", 2)[1][:2]:
            continue
        removed, added = changed_lines(before, (out / article.path).read_bytes())
        if [line.split(":")[0] for line in removed] not in ([], ["quality"]) or [line.split(":")[0] for line in added] != ["quality"]:
            problems.append((article.path, removed, added))
    assert problems == []


# F11 --------------------------------------------------------------------------------

DELIMITED = {
    "trailing-spaces": NEWS_ITEM.replace("---\n", "---  \n"),
    "trailing-tab": NEWS_ITEM.replace("---\n", "---\t\n", 1).replace('secured: "s1;s2"\n---\n', 'secured: "s1;s2"\n---\t\n'),
    "document-end": NEWS_ITEM.replace('secured: "s1;s2"\n---\n', 'secured: "s1;s2"\n...\n') + "A body.\n",
    "document-end-crlf": (NEWS_ITEM.replace('secured: "s1;s2"\n---\n', 'secured: "s1;s2"\n... \n') + "Body\n").replace("\n", "\r\n"),
    "document-end-no-newline": NEWS_ITEM.replace('secured: "s1;s2"\n---\n\n', 'secured: "s1;s2"\n...'),
}


@pytest.mark.parametrize("name", list(DELIMITED))
def test_delimiters_with_trailing_blanks_and_document_end_are_accepted_and_kept(tmp_path, name):
    text = DELIMITED[name]
    root = site(tmp_path, {"_news/2024-03-01-a.md": text})
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    article = Article.objects.get()
    assert article.title == "A title" and article.secured == "s1;s2"
    assert article.body == {"document-end": "\nA body.\n", "document-end-crlf": "\r\nBody\r\n", "document-end-no-newline": ""}.get(name, "\n")
    out_dir = tmp_path / "out"
    assert export_site(out_dir).ok
    assert (out_dir / "_news/2024-03-01-a.md").read_bytes() == text.encode()
    article.quality = 42  # an edit keeps the delimiters as they are
    article.save()
    export_site(out_dir)
    assert changed_lines(text.encode(), (out_dir / "_news/2024-03-01-a.md").read_bytes()) == (["quality: 75"], ["quality: 42"])


def test_a_delimiter_followed_by_text_is_still_not_one(tmp_path):
    root = site(tmp_path, {"_news/2024-03-01-a.md": NEWS_ITEM.replace('secured: "s1;s2"\n---\n', 'secured: "s1;s2"\n--- x\n')})
    status, out, err = run("import_frontmatter", root)
    assert status == 1 and "no closing '---' line" in err


# Events -----------------------------------------------------------------------------

def events(count, *, upcoming):
    import datetime as dt

    from django.utils import timezone

    from .public_data import article

    now = timezone.now()
    step = dt.timedelta(days=1)
    return [
        article(n, collection="events", images=0, title=f"Event {n:03d}", path=f"_events/{'up' if upcoming else 'past'}-{n}.md",
                starts_at=now + step * (n + 1) if upcoming else now - step * (n + 2),
                ends_at=now + step * (n + 2) if upcoming else now - step * (n + 1))
        for n in range(count)
    ]


def titles(html, section):
    import re

    upcoming, _, past = html.partition('id="past-heading"')
    return re.findall(r"Event \d{3}", upcoming if section == "upcoming" else past)


def test_upcoming_and_past_events_are_both_paginated(client):
    from articles.public.views import PER_PAGE

    events(PER_PAGE * 6 + 5, upcoming=True)  # more than the 100 once shown at most
    events(PER_PAGE + 3, upcoming=False)
    seen = []
    number = 1
    while True:
        html = client.get(f"/events/?upcoming_page={number}").content.decode()
        page = titles(html, "upcoming")
        assert len(page) == (PER_PAGE if number <= 6 else 5)
        seen += page
        more = f'href="?upcoming_page={number + 1}"' in html
        if number > 1:
            assert f'href="?upcoming_page={number - 1}"' in html
        assert titles(html, "past") == [f"Event {n:03d}" for n in range(PER_PAGE)]  # the past's first page
        if not more:
            break
        number += 1
    assert seen == [f"Event {n:03d}" for n in range(PER_PAGE * 6 + 5)]  # the soonest first, every one
    html = client.get("/events/?upcoming_page=3&page=2").content.decode()
    assert titles(html, "past") == [f"Event {n:03d}" for n in range(PER_PAGE, PER_PAGE + 3)]
    assert titles(html, "upcoming")[0] == f"Event {2 * PER_PAGE:03d}"
    # Each section's links keep the other's page.
    assert 'href="?upcoming_page=3&amp;page=1"' in html and 'href="?page=2&amp;upcoming_page=4"' in html
    assert client.get("/events/?upcoming_page=99").status_code == 404
    assert client.get("/events/?upcoming_page=x").status_code == 404


def test_a_date_only_end_is_the_end_of_that_day(tmp_path, client, settings):
    import datetime as dt
    import json
    import zoneinfo

    from django.utils import timezone

    settings.TIME_ZONE = "America/New_York"
    zone = zoneinfo.ZoneInfo("America/New_York")
    today = timezone.now().astimezone(zone).date()
    files = {
        "_events/today.md": f"---\ntitle: Ends today\ncategory: events\nstartDateTime: {today - dt.timedelta(days=2)}\nendDateTime: {today}\npublished: true\n---\n",
        "_events/quoted.md": f"---\ntitle: Quoted\ncategory: events\nendDateTime: \"{today - dt.timedelta(days=1)}\"\npublished: true\n---\n",
        "_events/instant.md": "---\ntitle: Instant\ncategory: events\nendDateTime: 2026-05-01T00:00:00Z\npublished: true\n---\n",
        "_events/last.md": "---\ntitle: Last day\ncategory: events\nendDateTime: 9999-12-31\npublished: true\n---\n",
    }
    root = site(tmp_path, files)
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    ends = lambda path: Article.objects.get(path=path).ends_at  # noqa: E731
    end_of_today = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), zone) - dt.timedelta(microseconds=1)
    assert ends("_events/today.md") == end_of_today
    assert ends("_events/quoted.md") == end_of_today - dt.timedelta(days=1)
    assert ends("_events/instant.md") == dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    html = client.get("/events/").content.decode()
    upcoming, _, past = html.partition('id="past-heading"')
    assert "Ends today" in upcoming and "Quoted" in past
    api = json.loads(client.get("/api/events/index.json").content)
    assert {i["title"]: i["endDateTime"] for i in api["value"]}["Ends today"] == today.isoformat()
    # Exported byte for byte, unchanged and edited.
    out_dir = tmp_path / "out"
    assert export_site(out_dir).ok
    assert tree(out_dir) == {rel: text.encode() for rel, text in files.items()}
    for article in Article.objects.all():
        article.title += "!"
        article.save()
    export_site(out_dir)
    for rel, text in files.items():
        removed, added = changed_lines(text.encode(), (out_dir / rel).read_bytes())
        assert [line[:6] for line in removed + added] == ["title:", "title:"], (rel, removed, added)
    # The re-import of the edited files finds what Newsroom holds.
    status, out, err = run("import_frontmatter", out_dir, "--root", out_dir)
    assert status == 0 and ends("_events/today.md") == end_of_today


# Minor ------------------------------------------------------------------------------

def test_the_same_path_under_two_roots_is_counted_and_named(tmp_path):
    a = site(tmp_path / "a", {"_news/x.md": NEWS_ITEM})
    b = site(tmp_path / "b", {"_news/x.md": NEWS_ITEM.replace("A title", "B title"), "_news/y.md": NEWS_ITEM})
    status, out, err = run("import_frontmatter", a, b)
    assert status == 1
    (line,) = [line for line in err.splitlines() if line.startswith("_news/x.md")]
    assert "not read" in line and str(a / "_news/x.md") in line
    assert out[-1].startswith("created 2, updated 0, unchanged 0, conflicts 0, failed 1 (3 files")
    assert Article.objects.get(path="_news/x.md").title == "A title"
    # The same file named twice (its folder and itself) is read once, without a failure.
    status, out, err = run("import_frontmatter", a, a / "_news/x.md")
    assert status == 0 and "unchanged 1, conflicts 0, failed 0 (1 files" in out[-1], err


def test_a_collection_name_longer_than_its_column_is_refused_by_name(tmp_path):
    rel = "_" + "c" * 101 + "/2024-03-01-a.md"
    root = site(tmp_path, {rel: NEWS_ITEM, "_" + "c" * 100 + "/ok.md": NEWS_ITEM})
    status, out, err = run("import_frontmatter", root)
    assert status == 1 and "Traceback" not in err and "unexpected" not in err
    (line,) = [line for line in err.splitlines() if line.startswith(rel)]
    assert line == f"{rel}: the collection name (its first folder) is longer than 100 characters"
    assert Article.objects.get().collection == "c" * 100


@pytest.mark.parametrize("since", ["2024-13-45", "2024-02-30", "2024-01-01T25:00:00", "yesterday"])
def test_export_since_an_odd_value_is_a_usage_error(tmp_path, since):
    status, out, err = run("export_frontmatter", tmp_path / "out", "--since", since)
    assert status == 2 and "--since" in err and "Traceback" not in err


ODD_VALUES = {
    "empty-date": NEWS_ITEM.replace("heat: 3\n", 'heat: 3\nupdatedDateTime: ""\n'),
    "integral-float": NEWS_ITEM.replace("quality: 75", "quality: 75.0"),
    "underscore-domain": NEWS_ITEM.replace("domain: example.com", "domain: my_host.example.com"),
    "yes-title": NEWS_ITEM.replace('title: "A title"', "title: yes"),
    "off-related-title": NEWS_ITEM.replace("secured:", 'related:\n  - title: Off\n    webUrl: "https://x.example/"\n\nsecured:'),
}


@pytest.mark.parametrize("name", list(ODD_VALUES))
def test_values_a_real_site_means_are_kept(tmp_path, name):
    text = ODD_VALUES[name]
    root = site(tmp_path, {"_news/2024-03-01-a.md": text})
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    article = Article.objects.get()
    expected = {
        "empty-date": ("source_updated_at", None), "integral-float": ("quality", 75),
        "yes-title": ("title", "yes"),
    }.get(name)
    if expected:
        assert getattr(article, expected[0]) == expected[1]
    if name == "underscore-domain":
        assert article.provider.domain == "my_host.example.com"
    if name == "off-related-title":
        assert article.related_stories.get().title == "Off"
    out_dir = tmp_path / "out"
    assert export_site(out_dir).ok
    assert (out_dir / "_news/2024-03-01-a.md").read_bytes() == text.encode()
    article.heat = 4
    article.save()
    export_site(out_dir)
    assert changed_lines(text.encode(), (out_dir / "_news/2024-03-01-a.md").read_bytes()) == (["heat: 3"], ["heat: 4"])


def test_a_provider_file_with_an_underscore_domain_imports(tmp_path):
    root = site(tmp_path, {"_data/organizations/my_host.md": "---\ntaxonomy: organization\nname: H\ndomain: my_host.example.com\n---\n"})
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    assert Provider.objects.get().domain == "my_host.example.com"


def test_an_explicit_bool_where_text_is_expected_is_still_refused(tmp_path):
    root = site(tmp_path, {"_news/a.md": NEWS_ITEM.replace('title: "A title"', "title: !!bool yes")})
    status, out, err = run("import_frontmatter", root)
    assert status == 1 and "_news/a.md:3: title: expected a string, got True" in err


def test_a_topic_whose_parent_is_itself_is_a_root(tmp_path):
    text = "_id: selfish\nname: Selfish\nparent: Selfish\n"
    root = site(tmp_path, {"_data/topics/01-self.yaml": text, "_data/topics/02-other.yaml": "name: Other\nparent: other\n"})
    status, out, err = run("import_frontmatter", root)
    assert status == 0, err
    assert sorted(Topic.objects.values_list("topic_id", "parent")) == [("other", None), ("selfish", None)]
    out_dir = tmp_path / "out"
    assert export_site(out_dir).ok
    assert (out_dir / "_data/topics/01-self.yaml").read_text() == text
    assert run("import_frontmatter", root)[0] == 0  # run after run
