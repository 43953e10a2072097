from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path, register_converter

from .public import api, feeds, views
from .public.http import public
from .public.sitemaps import SITEMAPS, NewsSitemap


class DomainConverter:
    regex = r"[A-Za-z0-9._-]+"  # (host names may hold underscores)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(DomainConverter, "domain")

app_name = "articles"


@public
def sitemap_index(request):
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="articles:sitemap-section")


@public
def sitemap_section(request, section):
    if section == "news":
        response = sitemap_views.sitemap(request, {"news": NewsSitemap}, section="news", template_name="sitemaps/news.xml")
        response.context_data.update(publication_name=NewsSitemap().publication_name(), language=NewsSitemap().language())
        return response
    return sitemap_views.sitemap(request, SITEMAPS, section=section)


urlpatterns = [
    path("", views.home, name="home"),
    path("items/<int:pk>/", views.article_detail, name="article"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<slug:topic_id>/", views.topic_detail, name="topic"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/<domain:domain>/", views.provider_detail, name="provider"),
    path("search/", views.search, name="search"),
    path("events/", views.event_list, name="events"),
    path("robots.txt", views.robots_txt, name="robots"),
    # Feeds
    path("feeds/latest.rss", public(feeds.LatestFeed()), name="feed-rss"),
    path("feeds/latest.atom", public(feeds.LatestAtomFeed()), name="feed-atom"),
    path("feeds/topics/<slug:topic_id>.rss", public(feeds.TopicFeed()), name="topic-feed-rss"),
    path("feeds/topics/<slug:topic_id>.atom", public(feeds.TopicAtomFeed()), name="topic-feed-atom"),
    path("feeds/providers/<domain:domain>.rss", public(feeds.ProviderFeed()), name="provider-feed-rss"),
    path("feeds/providers/<domain:domain>.atom", public(feeds.ProviderAtomFeed()), name="provider-feed-atom"),
    # Sitemaps
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap-section"),
    # The JSON API, in the site's own URL scheme.
    path("api/<slug:collection>/index.json", api.collection_index, name="api"),
    path("api/<slug:collection>/page/<int:page>/index.json", api.collection_index, name="api-page"),
    path("api/<slug:collection>/<slug:topic_id>/index.json", api.collection_index, name="api-topic"),
    path(
        "api/<slug:collection>/<slug:topic_id>/page/<int:page>/index.json",
        api.collection_index, name="api-topic-page",
    ),
    # Any other URL under api/: a JSON 404, as clients of the API expect JSON back.
    re_path(r"^api/", api.not_found),
]
