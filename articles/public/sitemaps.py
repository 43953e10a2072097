"""sitemap.xml (an index of the sections below) and a Google News sitemap."""
import datetime

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from . import selectors


class PagesSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return ["articles:home", "articles:topics", "articles:providers"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 5_000

    def location(self, item):
        # reverse() once, not once per URL (sections are thousands of URLs long).
        if not hasattr(self, "_pattern"):
            self._pattern = reverse("articles:article", args=[0]).replace("/0/", "/{}/")
        return self._pattern.format(item.pk)

    def items(self):
        return selectors.sitemap_articles()

    def lastmod(self, item):
        return item.modified_at

    def get_latest_lastmod(self):
        # One MAX() instead of Django's default walk over every item of the section.
        return selectors.content_stamp().last_modified


class TopicSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return selectors.Topic.objects.only("topic_id", "modified_at").order_by("topic_id")

    def lastmod(self, item):
        return item.modified_at


class ProviderSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.4

    def items(self):
        return selectors.provider_list()

    def lastmod(self, item):
        return item.modified_at


class NewsSitemap(Sitemap):
    """Google News sitemap: news items published in the last two days (Google ignores
    older ones), with the publication's name and language."""

    limit = 1000  # Google's maximum for a news sitemap
    window = datetime.timedelta(days=2)

    def items(self):
        return selectors.recent_news(since=timezone.now() - self.window)

    def lastmod(self, item):
        return item.modified_at

    def publication_name(self):
        return settings.NEWSROOM.get("SITE_TITLE", "Newsroom")

    def language(self):
        return settings.NEWSROOM.get("LOCALE", "en-us").split("-")[0]


SITEMAPS = {
    "pages": PagesSitemap,
    "items": ArticleSitemap,
    "topics": TopicSitemap,
    "providers": ProviderSitemap,
    "news": NewsSitemap,
}
