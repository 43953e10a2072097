"""The public pages: thin views over ``selectors`` and ``filters``."""
from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .filters import ArticleFilter
from .http import public

PER_PAGE = 20


def paginate(request, queryset, per_page=PER_PAGE):
    """A page of ``queryset`` (``?page=N``); 404 for a page that does not exist."""
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.")


def filtered_list(request, queryset=None):
    """Apply the shared FilterSet; invalid filters show their errors and no items."""
    filterset = ArticleFilter(request.GET or None, queryset=queryset)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, None
    qs = filterset.ordered_qs if filterset.is_bound else selectors.ordered(filterset.queryset)
    page = paginate(request, selectors.with_page_data(qs, body=False))
    return filterset, page


def query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
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
        "hottest_ids": {a.pk for a in hottest},
        "topics": selectors.topic_tree(),
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
    return render(request, "articles/topic_list.html", {"roots": selectors.topic_tree()})


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
