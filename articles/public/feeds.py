"""RSS and Atom feeds of the latest published items: all, per topic, per provider.

Text from the files is shown without control characters (``output.printable``): XML
cannot hold them, and Django's feed writer refuses them.
"""
import html

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ..output import printable
from . import selectors

FEED_SIZE = 50


class LatestFeed(Feed):
    description_template = None

    def title(self, obj=None):
        return settings.NEWSROOM.get("SITE_TITLE", "Newsroom") + ": latest"

    def link(self, obj=None):
        return reverse("articles:home")

    def description(self, obj=None):
        return "The latest published items."

    def subtitle(self, obj=None):  # Atom
        return self.description(obj)

    def feed_url(self, obj=None):
        return None  # Django uses the request's URL

    def queryset(self, obj):
        return selectors.published_articles()

    def items(self, obj=None):
        return selectors.feed_items(self.queryset(obj), limit=FEED_SIZE)

    def item_title(self, item):
        return printable(html.unescape(item.display_title))

    def item_description(self, item):
        return printable(html.unescape(item.excerpt or ""))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return printable(item.path)

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.source_updated_at

    def item_author_name(self, item):
        return printable(item.provider_name or (item.provider.name if item.provider else None))

    def item_author_link(self, item):
        return None

    def item_categories(self, item):
        return [printable(link.label or link.topic.name) for link in item.topic_links.all()]


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed


class TopicFeed(LatestFeed):
    def get_object(self, request, topic_id):
        try:
            return selectors.topic_by_id(topic_id)
        except selectors.Topic.DoesNotExist:
            raise Http404("No such topic.")

    def title(self, obj=None):
        return printable(f"{settings.NEWSROOM.get('SITE_TITLE', 'Newsroom')}: {obj.name}")

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return printable(f"The latest published items about {obj.name}.")

    def queryset(self, obj):
        return selectors.published_articles().filter(selectors.topic_filter(obj))


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed


class ProviderFeed(LatestFeed):
    def get_object(self, request, domain):
        try:
            return selectors.provider_by_domain(domain)
        except selectors.Provider.DoesNotExist:
            raise Http404("No such provider.")

    def title(self, obj=None):
        return printable(f"{settings.NEWSROOM.get('SITE_TITLE', 'Newsroom')}: {obj}")

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return printable(f"The latest published items from {obj}.")

    def queryset(self, obj):
        return selectors.published_articles().filter(provider=obj)


class ProviderAtomFeed(ProviderFeed):
    feed_type = Atom1Feed
