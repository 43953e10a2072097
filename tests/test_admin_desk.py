"""The admin index: the desk at a glance."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editorial.actions import PublishAction, SchedulePublishAction, UnpublishAction
from articles.editorial.selectors import desk_summary

from .desk import PASSWORD, make_items, user_in

pytestmark = pytest.mark.django_db


def test_desk_on_an_empty_database(client, django_user_model):
    user_in(django_user_model, "Editor")
    client.login(username="editor", password=PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Awaiting review" in html and "Nothing is waiting" in html and "No items dated in the last 30 days" in html
    summary = desk_summary()
    assert summary["awaiting_total"] == 0 and summary["decisions_today"] == 0 and summary["chart"]["total"] == 0


def test_desk_counts_and_links_in_a_handful_of_queries(client, django_user_model):
    editor = user_in(django_user_model, "Editor")
    items = make_items(12)
    for item in items[:3]:
        PublishAction(item, user=editor).execute()
    UnpublishAction(items[3], user=editor).execute()
    with CaptureQueriesContext(connection) as ctx:
        summary = desk_summary()
    assert len(ctx) <= 7
    assert summary["awaiting_total"] == 8 and summary["awaiting_by_collection"] == [{"collection": "news", "n": 8}]
    assert summary["decisions_today"] == 4 and summary["decisions_week"] == 4
    assert summary["chart"]["total"] == 12
    assert sum(bar["counts"]["published"] for bar in summary["chart"]["bars"]) == 3
    assert sum(bar["counts"]["rejected"] for bar in summary["chart"]["bars"]) == 1
    assert summary["top_by_volume"][0]["n"] == 12
    client.login(username="editor", password=PASSWORD)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:articles_reviewitem_changelist") + "?collection=news" in html
    assert "<svg" in html and "<rect" in html and "provider__id__exact=" in html


def test_contributor_sees_no_rule_or_provider_editing(client, django_user_model):
    user_in(django_user_model, "Contributor")
    client.login(username="contributor", password=PASSWORD)
    assert client.get(reverse("admin:articles_triagerule_changelist")).status_code == 403
    assert client.get(reverse("admin:articles_provider_add")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 200


def test_desk_shows_what_is_scheduled(client, django_user_model):
    from datetime import timedelta

    from django.utils import timezone

    editor = user_in(django_user_model, "Editor")
    item = make_items(1)[0]
    SchedulePublishAction(item, publish_at=timezone.now() + timedelta(hours=2), user=editor).execute()
    client.login(username="editor", password=PASSWORD)
    html = client.get(reverse("admin:index")).content.decode()
    assert "Scheduled" in html and item.title in html and reverse("admin:articles_scheduledpublication_changelist") in html
    queue = client.get(reverse("admin:articles_article_changelist") + "?decided=scheduled").content.decode()
    assert "nr-scheduled" in queue


def test_overdue_scheduled_items_are_flagged_in_words(client, django_user_model):
    """Defect 6 of issue 16: a scheduled item past its time was listed like the others,
    and "Due" was a red ✗ (read as an error) for the items not due yet."""
    from datetime import timedelta

    from articles.models import ScheduledPublication
    from django.utils import timezone

    editor = user_in(django_user_model, "Editor")
    late, later = make_items(2)
    for item in (late, later):
        SchedulePublishAction(item, publish_at=timezone.now() + timedelta(hours=2), user=editor).execute()
    ScheduledPublication.objects.filter(article=late).update(publish_at=timezone.now() - timedelta(hours=3))
    client.login(username="editor", password=PASSWORD)
    html = client.get(reverse("admin:index")).content.decode()
    assert html.count("nr-overdue") == 1
    listing = client.get(reverse("admin:articles_scheduledpublication_changelist")).content.decode()
    assert listing.count(">Overdue<") == 1 and "due 3\xa0hours ago" in listing and "publish_scheduled" in listing
    assert "in 1\xa0hour" in listing
    assert "icon-no.svg" not in listing and "icon-yes.svg" not in listing
