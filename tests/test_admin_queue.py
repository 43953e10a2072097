"""The review queue: what it lists, in which order, its buttons, actions and filters."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editorial.actions import PublishAction
from articles.models import Article, Decision, Provider, Topic

from .desk import PASSWORD, make_items, seen_now

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:articles_reviewitem_changelist")




def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def rows(response):
    return list(response.context["cl"].result_list)


def test_queue_lists_items_awaiting_a_decision_best_first(client, editor):
    awaiting = make_items(5)
    make_items(2, start=100, published=True)  # already public
    decided = make_items(1, start=200)[0]
    PublishAction(decided, user=editor).execute()
    Article.objects.filter(pk=awaiting[0].pk).update(quality=None)
    Article.objects.filter(pk=awaiting[1].pk).update(quality=50, heat=9)
    Article.objects.filter(pk=awaiting[2].pk).update(quality=50, heat=1)
    response = login(client, editor).get(QUEUE)
    assert response.status_code == 200
    listed = [a.pk for a in rows(response)]
    assert set(listed) == {a.pk for a in awaiting}
    assert listed.index(awaiting[1].pk) < listed.index(awaiting[2].pk)  # same quality: hotter first
    assert listed[-1] == awaiting[0].pk  # no score: last, on every database
    html = response.content.decode()
    assert 'value="publish"' in html and 'value="reject"' in html and "csrfmiddlewaretoken" in html


def test_queue_and_changelists_run_a_constant_number_of_queries(client, editor):
    login(client, editor)
    urls = [QUEUE, reverse("admin:articles_article_changelist"), reverse("admin:articles_provider_changelist"),
            reverse("admin:articles_topic_changelist"), reverse("admin:articles_decision_changelist")]
    make_items(10)
    counts_small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts_small[url] = len(ctx)
    other = Provider.objects.create(domain="other.example.org", name="Other")
    topic = Topic.objects.create(topic_id="gadgets", name="Gadgets")
    for item in make_items(40, start=10, provider=other, topic=topic)[:20]:
        PublishAction(item, user=editor).execute()
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx) == counts_small[url], url


def test_one_click_publish_and_reject_with_a_note(client, editor):
    best, other = make_items(2)
    login(client, editor)
    url = reverse("admin:articles_reviewitem_decide", args=[best.pk])
    response = client.post(url, {"decision": "publish", f"note-{best.pk}": "front page", "seen_at": seen_now()})
    assert response.status_code == 302 and response["Location"] == QUEUE
    best.refresh_from_db()
    assert best.published is True and best.decided_by == editor
    assert best.decisions.get().note == "front page"
    client.post(reverse("admin:articles_reviewitem_decide", args=[other.pk]), {"decision": "reject", f"note-{other.pk}": "off topic", "seen_at": seen_now()})
    other.refresh_from_db()
    assert other.published is False and other.decided_at is not None
    assert (other.decisions.get().action, other.decisions.get().note) == ("reject", "off topic")
    assert rows(client.get(QUEUE)) == []


def test_decide_needs_post(client, editor):
    item = make_items(1)[0]
    response = login(client, editor).get(reverse("admin:articles_reviewitem_decide", args=[item.pk]) + "?decision=publish")
    assert response.status_code == 405
    item.refresh_from_db()
    assert item.published is False


def test_contributor_sees_no_way_to_publish_and_a_forged_post_is_refused(client, contributor):
    item = make_items(1)[0]
    response = login(client, contributor).get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="publish"' not in html and "publish_selected" not in html and "reject_selected" not in html
    forged = client.post(reverse("admin:articles_reviewitem_decide", args=[item.pk]), {"decision": "publish"})
    assert forged.status_code == 403
    client.post(QUEUE, {"action": "publish_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.published is False and not item.decisions.exists()


def test_forged_post_without_csrf_token_is_refused(editor):
    from .desk import Client

    item = make_items(1)[0]
    client = Client(enforce_csrf_checks=True)
    login(client, editor)
    response = client.post(reverse("admin:articles_reviewitem_decide", args=[item.pk]), {"decision": "publish"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.published is False


@pytest.mark.parametrize("action,published", [("publish_selected", True), ("reject_selected", False), ("unpublish_selected", False)])
def test_bulk_decisions_record_who_and_the_note(client, editor, action, published):
    items = make_items(3)
    login(client, editor).post(QUEUE, {"action": action, "_selected_action": [a.pk for a in items], "note": "batch", "seen_at": seen_now()})
    for item in items:
        item.refresh_from_db()
        assert item.published is published and item.decided_by == editor
        assert item.decisions.get().note == "batch"


def test_bulk_add_topic_and_schedule(client, editor):
    items = make_items(3)
    topic = Topic.objects.create(topic_id="news-of-the-day", name="News of the day")
    login(client, editor)
    client.post(QUEUE, {"action": "add_topic", "_selected_action": [a.pk for a in items], "topic": topic.pk})
    client.post(QUEUE, {"action": "add_topic", "_selected_action": [a.pk for a in items], "topic": topic.pk})  # idempotent
    for item in items:
        assert list(item.topic_links.values_list("topic__name", "position")) == [("Widgets", 0), ("News of the day", 1)]
    client.post(QUEUE, {"action": "schedule_selected", "_selected_action": [items[0].pk], "publish_at": "2999-01-01T09:30", "seen_at": seen_now()})
    items[0].refresh_from_db()
    assert items[0].schedule.publish_at.year == 2999 and items[0].published is False
    assert items[0].decisions.get().action == Decision.Action.SCHEDULE
    assert items[0].pk not in [a.pk for a in rows(client.get(QUEUE))]
    assert [a.pk for a in rows(client.get(QUEUE + "?decided=scheduled"))] == [items[0].pk]


def test_filters_and_search(client, editor):
    make_items(5)
    other = Provider.objects.create(domain="blog.example.net", name="The Blog")
    special = make_items(1, start=50, provider=other, quality=120)[0]
    Article.objects.filter(pk=special.pk).update(title="Canvas apps in depth", excerpt="layout tricks")
    login(client, editor)
    assert [a.pk for a in rows(client.get(QUEUE + "?q=canvas"))] == [special.pk]
    assert [a.pk for a in rows(client.get(QUEUE + "?q=layout+tricks"))] == [special.pk]
    assert [a.pk for a in rows(client.get(QUEUE + "?q=blog.example.net"))] == [special.pk]
    assert [a.pk for a in rows(client.get(QUEUE + "?q=The+Blog"))] == [special.pk]
    assert [a.pk for a in rows(client.get(QUEUE + f"?provider__id__exact={other.pk}"))] == [special.pk]
    assert [a.pk for a in rows(client.get(QUEUE + "?quality_band=100%2B"))] == [special.pk]
    assert len(rows(client.get(QUEUE + "?quality_band=0-39"))) == 5
    assert len(rows(client.get(QUEUE + "?collection=news"))) == 6
    assert rows(client.get(QUEUE + "?collection=learning")) == []
    widgets = Topic.objects.get(topic_id="widgets")
    child = Topic.objects.create(topic_id="small-widgets", name="Small widgets", parent=widgets)
    Article.objects.filter(pk=special.pk).first().topic_links.update(topic=child)
    assert len(rows(client.get(QUEUE + f"?topic={widgets.pk}"))) == 6  # the topic and the topics below it
    assert [a.pk for a in rows(client.get(QUEUE + f"?topic={child.pk}"))] == [special.pk]
    PublishAction(special, user=editor).execute()
    assert [a.pk for a in rows(client.get(QUEUE + f"?decided=published&decided_by={editor.pk}"))] == [special.pk]
    assert len(rows(client.get(QUEUE + "?decided=all"))) == 6


def test_large_lists_are_not_counted_in_full(client, editor, monkeypatch):
    from articles.admin.paginators import CheapPaginator

    monkeypatch.setattr(CheapPaginator, "limit", 5)
    make_items(8)
    response = login(client, editor).get(QUEUE + "?q=item")
    assert response.context["cl"].result_count == 6  # counted up to limit + 1 only
    assert "more than 5" in response.content.decode()


def test_counts_read_as_english(client, editor):
    """Defect 7 of issue 16: "0 review queue", "1 items", "Change review item"."""
    login(client, editor)
    html = client.get(QUEUE).content.decode()
    assert "0 items awaiting review" in html and "0 review queue" not in html
    item = make_items(1)[0]
    html = client.get(QUEUE).content.decode()
    assert "1 item awaiting review" in html and "1 items" not in html
    page = client.get(reverse("admin:articles_reviewitem_change", args=[item.pk])).content.decode()
    assert "Change review item" not in page and "Review the item" in page
    make_items(60, start=10)
    assert "Select all 61 items awaiting review" in client.get(QUEUE).content.decode()
