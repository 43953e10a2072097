"""The public pages: thin views over ``selectors`` and ``filters``."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .filters import ArticleFilter
from .http import public

PER_PAGE = 20
MAX_PAGE = 100_000  # deeper pages are for crawlers gone astray: 404 without a query


class Page:
    """One page of a list, found without counting the whole list.

    A news list is read newest first and a page at a time; ``COUNT(*)`` over a large
    filtered set would cost more than the page itself, so a page fetches one row more
    than it shows to know whether there is a next one (``Newer`` / ``Older`` links).
    """

    def __init__(self, rows, number, per_page):
        self.number = number
        self.object_list = rows[:per_page]
        self.has_next = len(rows) > per_page
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number = number + 1
        self.previous_page_number = number - 1

    def __iter__(self):
        return iter(self.object_list)


def paginate(request, queryset, per_page=PER_PAGE, param="page"):
    """A page of ``queryset`` (``?page=N``, or ``?<param>=N`` for a page's second list);
    404 for a page that does not exist."""
    raw = request.GET.get(param) or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise Http404("No such page.")
    number = int(raw)
    start = (number - 1) * per_page
    rows = list(queryset[start:start + per_page + 1])
    if number > 1 and not rows:
        raise Http404("No such page.")
    return Page(rows, number, per_page)


def filtered_list(request, queryset=None):
    """Apply the shared FilterSet; invalid filters show their errors and no items."""
    filterset = ArticleFilter(request.GET or None, queryset=queryset)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, None
    qs = filterset.ordered_qs if filterset.is_bound else selectors.ordered(filterset.queryset)
    page = paginate(request, selectors.with_page_data(qs, body=False))
    return filterset, page


def query_without_page(request, param="page"):
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()


@public
def home(request):
    filterset, page = filtered_list(request)
    unfiltered = not any(v for k, v in request.GET.items() if k != "page")
    hottest = selectors.hottest_articles() if unfiltered and page is not None and page.number == 1 else []
    return render(request, "articles/home.html", {
        "filter": filterset,
        "page": page,
        "hottest": hottest,
        "topics": selectors.topic_tree(with_counts=False),
        "query": query_without_page(request),
        "filtered": not unfiltered,
    })


@public
def search(request):
    searched = any(v for k, v in request.GET.items() if k != "page")
    filterset, page = filtered_list(request) if searched else (ArticleFilter(), None)
    return render(request, "articles/search.html", {
        "filter": filterset,
        "page": page,
        "searched": searched,
        "query": query_without_page(request),
    })


@public
def article_detail(request, pk):
    try:
        article = selectors.article_detail(pk=pk)
    except selectors.Article.DoesNotExist:
        raise Http404("No such item.")
    return render(request, "articles/article_detail.html", {"article": article})


@public
def topic_list(request):
    return render(request, "articles/topic_list.html", {"roots": selectors.topic_tree(with_counts=True)})


@public
def topic_detail(request, topic_id):
    try:
        topic = selectors.topic_by_id(topic_id)
    except selectors.Topic.DoesNotExist:
        raise Http404("No such topic.")
    queryset = selectors.published_articles().filter(selectors.topic_filter(topic))
    filterset, page = filtered_list(request, queryset)
    return render(request, "articles/topic_detail.html", {
        "topic": topic,
        "children": list(topic.children.order_by("name")),
        "filter": filterset,
        "page": page,
        "query": query_without_page(request),
    })


@public
def provider_list(request):
    page = paginate(request, selectors.provider_list(), per_page=50)
    return render(request, "articles/provider_list.html", {"page": page, "query": query_without_page(request)})


@public
def provider_detail(request, domain):
    try:
        provider = selectors.provider_by_domain(domain)
    except selectors.Provider.DoesNotExist:
        raise Http404("No such provider.")
    queryset = selectors.published_articles().filter(provider=provider)
    filterset, page = filtered_list(request, queryset)
    return render(request, "articles/provider_detail.html", {
        "provider": provider,
        "filter": filterset,
        "page": page,
        "query": query_without_page(request),
    })


@public
def event_list(request):
    """Events: those not over yet (the soonest first), then those past (the latest
    first), each list a page at a time with page links of its own (``?upcoming_page=N``,
    ``?page=N``) that keep the other list's page."""
    now = timezone.now()
    upcoming = paginate(request, selectors.upcoming_events(now=now), param="upcoming_page")
    page = paginate(request, selectors.past_events(now=now))
    return render(request, "articles/event_list.html", {
        "upcoming": upcoming, "upcoming_query": query_without_page(request, "upcoming_page"),
        "page": page, "query": query_without_page(request), "now": now,
    })


@public
def robots_txt(request):
    """Crawlers may read everything public; the desk is not for them."""
    sitemap = request.build_absolute_uri(reverse("articles:sitemap"))
    lines = ["User-agent: *", f"Disallow: {reverse('admin:index')}", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
