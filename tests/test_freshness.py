"""The content stamp behind ETags, 304s and the page cache moves with every write the
public sees, however writers overlap (issue 11, "fresh after every change")."""
import threading

import pytest
from django.db import connection
from django.utils import timezone

from articles import signals
from articles.importer import import_paths
from articles.models import Article
from articles.public.selectors import content_stamp

from .helpers import NEWS_ITEM, write


@pytest.mark.django_db(transaction=True)
def test_an_edit_committed_while_an_import_writes_does_not_hide_the_import(tmp_path, client):
    """Two real connections: the import's transaction has written (not committed) an
    unpublished item when an editor's change to another item commits with a later time.
    A reader then caches the page; once the import commits, the stamp must move."""
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite has a single write lock); runs in make test-pg")
    site = tmp_path
    write(site, "_config.yml", "title: t\n")
    write(site, "_news/2024-03-01-a.md", NEWS_ITEM)
    write(site, "_news/2024-03-02-b.md", NEWS_ITEM.replace("https://example.com/a", "https://example.com/b"))
    import_paths([site], root=site)
    a = Article.objects.get(path="_news/2024-03-01-a.md")
    write(site, "_news/2024-03-01-a.md", NEWS_ITEM.replace("published: true", "published: false"))

    written, edited, outcome = threading.Event(), threading.Event(), {}

    def hold(sender, article, **kwargs):  # inside the import's transaction, after its writes
        written.set()
        assert edited.wait(20)

    def run_import():
        try:
            outcome["result"] = import_paths([site / "_news/2024-03-01-a.md"], root=site)
        finally:
            connection.close()

    signals.article_imported.connect(hold)
    try:
        importer = threading.Thread(target=run_import)
        importer.start()
        assert written.wait(20)
        Article.objects.filter(path="_news/2024-03-02-b.md").update(title="Edited meanwhile", modified_at=timezone.now())
        page = client.get(a.get_absolute_url())
        assert page.status_code == 200  # the import has not committed yet
        stamp = content_stamp()
        edited.set()
        importer.join(30)
    finally:
        signals.article_imported.disconnect(hold)
    assert outcome["result"].counts["updated"] == 1
    assert content_stamp().token != stamp.token
    assert client.get(a.get_absolute_url(), HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 404
