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
    from articles.views import PER_PAGE

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
