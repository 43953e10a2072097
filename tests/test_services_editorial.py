"""Editorial actions, scheduling, triage rules and history, through the actions."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import signals
from articles.editorial import actions
from articles.editorial.related import related_suggestions
from articles.editorial.triage import triage_rule_for
from articles.models import Article, ArticleChange, Decision, ScheduledPublication, Topic, TriageRule

from .desk import make_items
from .helpers import NEWS_ITEM, run, write

pytestmark = pytest.mark.django_db




def test_actions_check_permission_before_changing_anything(contributor):
    item = make_items(1)[0]
    for action in (actions.PublishAction, actions.RejectAction, actions.UnpublishAction):
        with pytest.raises(actions.DecisionPermissionDenied):
            action(item, user=contributor).execute()
    with pytest.raises(PermissionDenied):
        actions.SchedulePublishAction(item, publish_at=timezone.now() + timedelta(days=1), user=contributor).execute()
    item.refresh_from_db()
    assert item.published is False and not Decision.objects.exists() and not ArticleChange.objects.exists()


def test_publish_records_decision_history_and_sends_a_signal(editor):
    item = make_items(1)[0]
    seen = []

    def receiver(sender, article, decision, by, **kwargs):
        seen.append((article.pk, decision.action, by))

    signals.article_decided.connect(receiver)
    try:
        decision = actions.PublishAction(item, user=editor, note="lead story").execute()
    finally:
        signals.article_decided.disconnect(receiver)
    item.refresh_from_db()
    assert item.published is True and item.decided_by == editor
    assert (decision.action, decision.note, decision.source) == ("publish", "lead story", "editor")
    assert seen == [(item.pk, "publish", editor)]
    change = item.changes.get()
    assert change.changes == {"published": [False, True]} and change.by == editor and change.source == "decision"
    actions.UnpublishAction(item, user=editor).execute()
    assert item.changes.order_by("at", "id").last().changes == {"published": [True, False]}


def test_schedule_then_publish_scheduled_command(editor):
    soon, later = make_items(2)
    actions.SchedulePublishAction(soon, publish_at=timezone.now() + timedelta(minutes=5), user=editor, note="embargo").execute()
    actions.SchedulePublishAction(later, publish_at=timezone.now() + timedelta(days=2), user=editor).execute()
    with pytest.raises(ValidationError):
        actions.SchedulePublishAction(later, publish_at=timezone.now() - timedelta(minutes=1), user=editor).execute()
    soon.refresh_from_db()
    assert soon.published is False and soon.decided_at is not None
    ScheduledPublication.objects.filter(article=soon).update(publish_at=timezone.now() - timedelta(seconds=1))
    status, out, _err = run("publish_scheduled", "--dry-run")
    assert status == 0 and out[-1] == "due 1 item" and soon.path in out[0]
    assert Article.objects.get(pk=soon.pk).published is False
    status, out, _err = run("publish_scheduled")
    assert out[-1] == "published 1 item"
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.published is True and later.published is False
    last = soon.decisions.order_by("at", "id").last()
    assert (last.action, last.source, last.by) == ("publish", "schedule", None)
    assert "scheduled by" in last.note and "embargo" in last.note
    assert not ScheduledPublication.objects.filter(article=soon).exists()
    assert run("publish_scheduled")[1][-1] == "published 0 items"


def test_cancel_schedule_puts_the_item_back_in_the_queue(editor):
    item = make_items(1)[0]
    actions.SchedulePublishAction(item, publish_at=timezone.now() + timedelta(hours=1), user=editor).execute()
    actions.QueueAction(item, user=editor).execute()
    item.refresh_from_db()
    assert item.awaiting_decision and not ScheduledPublication.objects.exists()


def test_triage_rule_is_off_by_default_and_applies_to_new_imports(tmp_path, editor):
    site = tmp_path / "site"
    write(site, "_config.yml", "title: t\n")
    for name, quality in (("high", 90), ("low", 40)):
        write(site, f"_news/2024-03-01-{name}.md", NEWS_ITEM.replace("quality: 75", f"quality: {quality}")
              .replace("https://example.com/a", f"https://example.com/{name}"))
    rule = TriageRule.objects.create(name="news by quality", threshold=70, collection="news")
    assert rule.enabled is False
    run("import_frontmatter", site)
    assert dict(Article.objects.values_list("quality", "published")) == {90: True, 40: True}  # as the files say
    assert not Decision.objects.exists()
    Article.objects.all().delete()
    rule.enabled = True
    rule.save()
    run("import_frontmatter", site)
    high, low = Article.objects.get(quality=90), Article.objects.get(quality=40)
    assert high.published is True and high.decided_at is not None and high.decided_by is None
    assert low.published is False and low.awaiting_decision
    assert high.decisions.get().source == "rule" and "quality 90 >= 70" in high.decisions.get().note
    assert low.decisions.get().action == "queue"
    assert low.changes.get().changes == {"published": [True, False]}


def test_most_specific_rule_wins(editor):
    widgets = Topic.objects.create(topic_id="w", name="W")
    rules = [TriageRule(name="all", threshold=10, enabled=True), TriageRule(name="topic", threshold=99, enabled=True, topic=widgets)]
    assert triage_rule_for(rules, collection="news", topic_ids={widgets.pk}, provider_id=None).name == "topic"
    assert triage_rule_for(rules, collection="news", topic_ids=set(), provider_id=None).name == "all"


def test_import_changes_are_in_the_history(tmp_path):
    site = tmp_path / "site"
    write(site, "_config.yml", "title: t\n")
    path = write(site, "_news/2024-03-01-a.md", NEWS_ITEM)
    run("import_frontmatter", site)
    path.write_text(NEWS_ITEM.replace('title: "A title"', 'title: "A better title"'))
    run("import_frontmatter", site)
    item = Article.objects.get()
    change = item.changes.get()
    assert change.source == "import" and change.changes == {"title": ["A title", "A better title"]}


def test_link_related_both_ways_and_suggestions(editor):
    a, b, c = make_items(3)
    Article.objects.filter(pk=a.pk).update(title="Power Apps canvas release notes")
    Article.objects.filter(pk=b.pk).update(title="Canvas release notes explained")
    a.refresh_from_db()
    b.refresh_from_db()
    suggested = related_suggestions(article=a)
    assert suggested[0].pk == b.pk and c.pk in [s.pk for s in suggested]  # shared topic, close in time
    actions.LinkRelatedAction(a, target=b, user=editor, both_ways=True).execute()
    assert a.related_stories.get().target == b and b.related_stories.get().target == a
    assert a.related_stories.get().title == "Canvas release notes explained"
    assert actions.LinkRelatedAction(a, target=b, user=editor).execute() == []  # already linked
    assert b.pk not in [s.pk for s in related_suggestions(article=a)]
    with pytest.raises(ValidationError):
        actions.LinkRelatedAction(a, target=a, user=editor).execute()


def test_schedule_admin_reschedules_and_cancels(client, editor):
    from django.urls import reverse

    from .desk import PASSWORD

    item = make_items(1)[0]
    actions.SchedulePublishAction(item, publish_at=timezone.now() + timedelta(hours=1), user=editor).execute()
    schedule = ScheduledPublication.objects.get()
    client.login(username=editor.username, password=PASSWORD)
    changelist = reverse("admin:articles_scheduledpublication_changelist")
    assert item.title in client.get(changelist).content.decode()
    later = timezone.localtime(timezone.now() + timedelta(days=3))
    response = client.post(reverse("admin:articles_scheduledpublication_change", args=[schedule.pk]),
                           {"publish_at_0": later.strftime("%Y-%m-%d"), "publish_at_1": later.strftime("%H:%M:%S"), "note": "moved"})
    assert response.status_code == 302
    schedule = ScheduledPublication.objects.get()
    assert schedule.publish_at.date() == later.date() and schedule.note == "moved"
    client.post(changelist, {"action": "cancel_selected", "_selected_action": [schedule.pk]})
    item.refresh_from_db()
    assert not ScheduledPublication.objects.exists() and item.awaiting_decision
    assert [d.action for d in item.decisions.order_by("at", "id")] == ["schedule", "schedule", "queue"]
