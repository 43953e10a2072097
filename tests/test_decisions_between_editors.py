"""Decisions safe between editors (issue 16, defect 1): every decision from a list
carries the time the editor saw it, and is refused, saying who decided what and when,
if anyone decided on the item since; every decision can be undone (through the same
editorial actions, recorded as an undo); bulk publishing of more than 5 items asks first.
"""
import re
import time

import pytest
from django.urls import reverse

from articles.editorial.actions import PublishAction, RejectAction
from articles.models import Article, ArticleChange, Decision

from .browserform import browser_post_data
from .desk import PASSWORD, make_items, user_in

pytestmark = pytest.mark.django_db
QUEUE = "/admin/articles/reviewitem/"


@pytest.fixture
def two_editors(django_user_model, client):
    from .desk import Client

    a = user_in(django_user_model, "Editor", "editor-a")
    b = user_in(django_user_model, "Editor", "editor-b")
    ca, cb = client, Client()
    ca.login(username="editor-a", password=PASSWORD)
    cb.login(username="editor-b", password=PASSWORD)
    return (a, ca), (b, cb)


def queue_form(client, url=QUEUE):
    """The queue page's form as the browser would send it (no button)."""
    page = client.get(url)
    assert page.status_code == 200
    return browser_post_data(page.content, "changelist-form")


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_row_button_refused_after_another_editor_decided(two_editors):
    (a, ca), (b, cb) = two_editors
    item = make_items(1)[0]
    seen_by_a = queue_form(ca)  # A opens the queue
    time.sleep(0.01)
    RejectAction(item, user=b, note="press release").execute()  # B rejects, a second later
    data = {**seen_by_a, "decision": "publish"}
    response = ca.post(reverse("admin:articles_reviewitem_decide", args=[item.pk]), data, follow=True)
    text = " ".join(messages_of(response))
    assert "was not changed" in text and "editor-b rejected it at" in text and "press release" in text
    item.refresh_from_db()
    assert item.published is False and item.decided_by == b
    assert list(item.decisions.values_list("action", flat=True)) == ["reject"]
    # Reloaded, A sees the current state and may decide again.
    response = ca.post(reverse("admin:articles_reviewitem_decide", args=[item.pk]),
                       {**queue_form(ca, "/admin/articles/article/"), "decision": "publish"}, follow=True)
    item.refresh_from_db()
    assert item.published is True and item.decided_by == a


def test_a_decision_without_the_time_seen_is_refused(two_editors):
    (a, ca), _ = two_editors
    item = make_items(1)[0]
    response = ca.post(reverse("admin:articles_reviewitem_decide", args=[item.pk]), {"decision": "publish"}, follow=True)
    assert "missing the time it was shown" in " ".join(messages_of(response))
    response = ca.post(QUEUE, {"action": "publish_selected", "_selected_action": [item.pk]}, follow=True)
    assert "missing the time it was shown" in " ".join(messages_of(response))
    assert not Decision.objects.exists()


def test_bulk_action_refuses_only_the_items_decided_since(two_editors):
    (a, ca), (b, cb) = two_editors
    items = make_items(3)
    seen_by_a = queue_form(ca)
    time.sleep(0.01)
    PublishAction(items[1], user=b).execute()
    data = {**seen_by_a, "action": "reject_selected", "_selected_action": [i.pk for i in items], "index": "0"}
    response = ca.post(QUEUE, data, follow=True)
    text = " ".join(messages_of(response))
    assert "Rejected 2 items." in text and "editor-b published it at" in text
    states = dict(Article.objects.values_list("pk", "published"))
    assert states == {items[0].pk: False, items[1].pk: True, items[2].pk: False}
    assert items[1].decisions.get().by == b


def test_bulk_publish_of_more_than_five_asks_with_the_count(two_editors):
    (a, ca), _ = two_editors
    items = make_items(7)
    form = queue_form(ca)
    data = {**form, "action": "publish_selected", "_selected_action": [i.pk for i in items], "index": "0"}
    page = ca.post(QUEUE, data)
    assert page.status_code == 200 and b"Yes, publish 7 items" in page.content
    assert not Article.objects.filter(published=True).exists()
    confirm = browser_post_data(page.content.replace(b'<form method="post">', b'<form id="confirm" method="post">'),
                                "confirm")
    response = ca.post(QUEUE, confirm, follow=True)
    assert "Published 7 items." in " ".join(messages_of(response))
    assert Article.objects.filter(published=True).count() == 7
    # Five go without asking.
    more = make_items(5, start=10)
    ca.post(QUEUE, {**queue_form(ca), "action": "publish_selected", "_selected_action": [i.pk for i in more], "index": "0"})
    assert Article.objects.filter(published=True).count() == 12


def test_undo_restores_the_previous_state_through_the_actions(two_editors):
    (a, ca), (b, cb) = two_editors
    items = make_items(2)
    PublishAction(items[1], user=b).execute()  # published before
    response = ca.post(QUEUE, {**queue_form(ca, "/admin/articles/article/"), "action": "reject_selected",
                               "_selected_action": [i.pk for i in items], "index": "0"}, follow=True)
    message = next(m for m in messages_of(response) if "Rejected 2 items" in m)
    undo = browser_post_data("<form id='u'>" + re.search(r"<form.*?</form>", message, re.S).group(0)[5:], "u")
    assert undo["decisions"]
    response = ca.post(reverse("admin:articles_article_undo"), undo, follow=True)
    assert "Undone: 2 items back as they were." in " ".join(messages_of(response))
    first, second = (Article.objects.get(pk=i.pk) for i in items)
    assert first.awaiting_decision and second.published is True
    undos = list(Decision.objects.filter(source=Decision.Source.UNDO).order_by("article_id"))
    assert [(d.action, d.by, d.undoes.action) for d in undos] == [("queue", a, "reject"), ("publish", a, "reject")]
    assert ArticleChange.objects.filter(article=first, summary__startswith="Queued for review: undo of").exists()
    # Undoing again: the undo itself was the last decision, so the first undo is refused.
    response = ca.post(reverse("admin:articles_article_undo"), undo, follow=True)
    assert "was not changed back" in " ".join(messages_of(response))
    assert Decision.objects.filter(source=Decision.Source.UNDO).count() == 2


def test_undo_after_another_editor_decided_is_refused(two_editors):
    (a, ca), (b, cb) = two_editors
    item = make_items(1)[0]
    made = PublishAction(item, user=a).execute()
    RejectAction(item, user=b, note="wrong").execute()
    response = ca.post(reverse("admin:articles_article_undo"), {"decisions": str(made.pk)}, follow=True)
    assert "editor-b rejected it at" in " ".join(messages_of(response))
    item.refresh_from_db()
    assert item.published is False and item.decided_by == b


def test_contributor_cannot_undo(client, contributor, editor):
    item = make_items(1)[0]
    made = PublishAction(item, user=editor).execute()
    client.login(username=contributor.username, password=PASSWORD)
    assert client.post(reverse("admin:articles_article_undo"), {"decisions": str(made.pk)}).status_code == 403
    item.refresh_from_db()
    assert item.published is True
