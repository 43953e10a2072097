"""One editorial path: every entry point runs an action, which records one Decision, one
history entry, one log entry and one signal; permission in ``check()`` only."""
import ast
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from articles import signals
from articles.editorial import actions
from articles.models import Article, ArticleChange, Decision, Provider, ScheduledPublication, Topic, TriageRule

from .desk import PASSWORD, make_items, seen_now
from .test_admin_item import form_data
from .helpers import NEWS_ITEM, run, write

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def trail(caplog):
    """What editorial actions leave behind: signals received and log records."""
    seen = {"decided": [], "topic": [], "related": [], "merged": []}
    receivers = {
        signals.article_decided: lambda sender, article, decision, by, **kw: seen["decided"].append((article.pk, decision.pk, by)),
        signals.topic_added: lambda sender, topic, article_ids, by, **kw: seen["topic"].append((topic.pk, article_ids, by)),
        signals.related_linked: lambda sender, article, target, stories, by, **kw: seen["related"].append(len(stories)),
        signals.providers_merged: lambda sender, provider, merged, by, **kw: seen["merged"].append((provider.pk, merged)),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver, weak=False)
    caplog.set_level(logging.INFO, logger="newsroom.editorial")
    seen["logs"] = lambda: [r.getMessage() for r in caplog.records if r.name == "newsroom.editorial"]
    yield seen
    for signal, receiver in receivers.items():
        signal.disconnect(receiver)


def assert_one_decision_each(trail, items, action, source, by=None, total=None):
    """Each item: exactly one Decision, one history entry, one signal, one log line."""
    for item in items:
        decision = Decision.objects.get(article=item)
        assert (decision.action, decision.source, decision.by) == (action, source, by)
        assert ArticleChange.objects.filter(article=item).count() == 1
        assert [s for s in trail["decided"] if s[0] == item.pk] == [(item.pk, decision.pk, by)]
        assert len([m for m in trail["logs"]() if m.startswith(f"{action} {item.pk} ")]) == 1
    assert len(trail["decided"]) == (total or len(items)) == len(trail["logs"]())


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_shell_call_of_an_action(trail, editor):
    item = make_items(1)[0]
    actions.PublishAction(item, user=editor, note="from a shell").execute()
    assert_one_decision_each(trail, [item], "publish", "editor", editor)
    assert Article.objects.get(pk=item.pk).published is True


def test_admin_single_decision(client, trail, editor):
    item = make_items(1)[0]
    login(client, editor).post(reverse("admin:articles_reviewitem_decide", args=[item.pk]), {"decision": "reject", "seen_at": seen_now()})
    assert_one_decision_each(trail, [item], "reject", "editor", editor)


def test_admin_change_form_decision(client, trail, editor):
    item = make_items(1)[0]
    url = reverse("admin:articles_article_change", args=[item.pk])
    data = form_data(login(client, editor).get(url))
    data.update(decision="publish", decision_note="via the form")
    assert client.post(url, data).status_code == 302
    assert Decision.objects.get(article=item).note == "via the form"
    decision = Decision.objects.get(article=item)
    assert trail["decided"] == [(item.pk, decision.pk, editor)] and len(trail["logs"]()) == 1
    # The form's save is in the history too (if anything changed); the decision once.
    assert ArticleChange.objects.filter(article=item, source="decision").count() == 1


def test_admin_bulk_action(client, trail, editor):
    items = make_items(3)
    login(client, editor).post(
        reverse("admin:articles_reviewitem_changelist"),
        {"action": "publish_selected", "_selected_action": [i.pk for i in items], "seen_at": seen_now()},
    )
    assert_one_decision_each(trail, items, "publish", "editor", editor)


def test_publish_scheduled_command(trail, editor):
    item = make_items(1)[0]
    actions.SchedulePublishAction(item, publish_at=timezone.now() + timedelta(hours=1), user=editor).execute()
    ScheduledPublication.objects.update(publish_at=timezone.now() - timedelta(seconds=1))
    Decision.objects.all().delete()
    ArticleChange.objects.all().delete()
    trail["decided"].clear()
    logged_before = len(trail["logs"]())
    run("publish_scheduled")
    decision = Decision.objects.get(article=item)
    assert (decision.action, decision.source, decision.by) == ("publish", "schedule", None)
    assert ArticleChange.objects.get(article=item).source == "schedule"
    assert trail["decided"] == [(item.pk, decision.pk, None)]
    assert len(trail["logs"]()) == logged_before + 1


def test_triage_rule_after_an_import(tmp_path, trail):
    """The importer decides through the rules, and the rules through the actions."""
    site = tmp_path / "site"
    write(site, "_config.yml", "title: t\n")
    for name, quality in (("high", 90), ("low", 40)):
        write(site, f"_news/2024-03-01-{name}.md", NEWS_ITEM.replace("quality: 75", f"quality: {quality}")
              .replace("https://example.com/a", f"https://example.com/{name}"))
    TriageRule.objects.create(name="news", threshold=70, collection="news", enabled=True)
    run("import_frontmatter", site)
    high, low = Article.objects.get(quality=90), Article.objects.get(quality=40)
    assert_one_decision_each(trail, [high], "publish", "rule", total=2)
    assert_one_decision_each(trail, [low], "queue", "rule", total=2)
    assert high.changes.get().source == low.changes.get().source == "rule"
    assert low.awaiting_decision and high.published is True


def test_check_is_permission_only_and_skip_permission_check_skips_it(trail, contributor, editor):
    item = make_items(1)[0]
    past = timezone.now() - timedelta(minutes=1)
    actions.SchedulePublishAction(item, publish_at=past, user=editor).check()  # no ValidationError from check()
    with pytest.raises(ValidationError):
        actions.SchedulePublishAction(item, publish_at=past, user=editor).execute()
    with pytest.raises(actions.DecisionPermissionDenied):
        actions.PublishAction(item, user=contributor).execute()
    assert not Decision.objects.exists() and not trail["decided"]
    decision = actions.PublishAction(item, user=contributor).execute(skip_permission_check=True)
    assert decision.by == contributor and Article.objects.get(pk=item.pk).published is True
    assert_one_decision_each(trail, [item], "publish", "editor", contributor)


@pytest.mark.parametrize("make", [
    lambda item, user: actions.AddTopicAction(Article.objects.filter(pk=item.pk), topic=Topic.objects.create(topic_id="t", name="T"), user=user),
    lambda item, user: actions.LinkRelatedAction(item, target=make_items(1, start=50)[0], user=user),
    lambda item, user: actions.MergeProvidersAction(into=item.provider, merged=[Provider.objects.create(domain="b.example")], user=user),
])
def test_every_action_shares_the_base(make, trail, django_user_model):
    """The other actions check permissions through the same base, and skip it on request."""
    nobody = django_user_model.objects.create_user("nobody", password=PASSWORD, is_staff=True)
    item = make_items(1)[0]
    action = make(item, nobody)
    assert isinstance(action, actions.EditorialAction)
    with pytest.raises(PermissionDenied):
        action.execute()
    assert not any(trail[k] for k in ("topic", "related", "merged")) and not trail["logs"]()
    action.execute(skip_permission_check=True)
    assert sum(len(trail[k]) for k in ("topic", "related", "merged")) == 1 and len(trail["logs"]()) == 1


def test_no_second_path_and_no_cycle():
    """The model has no decision methods, and models import nothing of the parts that
    use them."""
    assert not hasattr(Article, "publish") and not hasattr(Article, "unpublish")
    tree = ast.parse((ROOT / "articles" / "models.py").read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in imported if m.split(".")[0] in ("editorial", "admin", "public", "services")}
    assert not (ROOT / "articles" / "services.py").exists()
