"""The content model: identity, publication state, and decisions through the actions."""
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from articles.editorial.actions import PublishAction, UnpublishAction
from articles.models import Article, Decision, validate_item_url
from articles.editorial.paths import article_default_path

pytestmark = pytest.mark.django_db


def make(path="_news/2024-01-01-a.md", **fields):
    return Article.objects.create(path=path, title="A", **fields)


def test_path_is_the_identity():
    make()
    with pytest.raises(IntegrityError):
        make()


def test_items_without_a_decision_are_public():
    undecided = make("_learning/videos/a.md", published=None)
    draft = make("_news/b.md", published=False)
    live = make("_news/c.md", published=True)
    assert undecided.is_published and live.is_published and not draft.is_published
    assert set(Article.objects.published()) == {undecided, live}
    assert list(Article.objects.drafts()) == [draft]
    assert Article().published is False  # created in the CMS: a draft until an editor decides


def test_publish_and_unpublish_go_through_the_actions_and_are_recorded(django_user_model):
    editor = django_user_model.objects.create_user("ed", password="x")
    editor.user_permissions.add(Permission.objects.get(codename="publish_article"))
    article = make(published=False)
    decision = PublishAction(article, user=editor, note="good one").execute()
    article.refresh_from_db()
    assert article.published is True and article.decided_by == editor and article.decided_at
    assert (decision.action, decision.by, decision.note) == (Decision.Action.PUBLISH, editor, "good one")
    UnpublishAction(article, user=editor).execute()
    article.refresh_from_db()
    assert article.published is False
    assert list(article.decisions.values_list("action", flat=True)) == ["unpublish", "publish"]


def test_a_user_without_the_permission_cannot_decide(django_user_model):
    contributor = django_user_model.objects.create_user("c", password="x")
    contributor.user_permissions.add(Permission.objects.get(codename="change_article"))
    article = make(published=False)
    with pytest.raises(PermissionDenied):
        PublishAction(article, user=contributor).execute()
    article.refresh_from_db()
    assert article.published is False and not article.decisions.exists()


def test_the_system_may_decide():
    article = make(published=False)
    PublishAction(article).execute()
    assert Article.objects.get().published is True


def test_default_paths_for_items_created_in_the_cms():
    make("_news/2024-05-06-hello.md")
    import datetime as dt

    when = dt.datetime(2024, 5, 6, tzinfo=dt.timezone.utc)
    assert article_default_path(title="Hello", published_at=when) == "_news/2024-05-06-hello-2.md"
    assert article_default_path(collection="samples", title="A sample!") == "_samples/a-sample.md"


# Real-world URLs are kept as written (issue 9): only dangerous schemes are refused,
# read the way browsers read them.
@pytest.mark.parametrize("url", [
    "https://example.com/a?b=c", "http://x.org", "/assets/logo.png", "/has space",
    "https://www.newsclick.in/articles/Artificial Intelligence and jobs", "\n\t\thttps://example.com/i.png",
    "https://bücher.example/straße", "//cdn.example/x.png", "images/x.png", " https://example.com/ ",
])
def test_valid_urls(url):
    validate_item_url(url)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://x.org/f", "data:text/html,x", "JavaScript:alert(1)", " \x01javascript:alert(1)",
    "java\tscript:alert(1)", "jav\na\rscript:alert(1)", "vbscript:msgbox(1)", "file:///etc/passwd",
    "https://example.com/" + "x" * 2000,
])
def test_invalid_urls(url):
    with pytest.raises(ValidationError):
        validate_item_url(url)


@pytest.mark.postgresql
def test_long_texts_are_stored_with_lz4_on_postgresql():
    """Migration 0010: on PostgreSQL, items' long text columns are compressed with lz4
    (this server has it); SQLite stores text as it is."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'articles_article'::regclass AND attname = ANY(%s)",
            [["source_text", "body", "secured", "excerpt"]],
        )
        assert dict(cursor.fetchall()) == {"source_text": "l", "body": "l", "secured": "l", "excerpt": "l"}
