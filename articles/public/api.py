"""The public JSON API, compatible with the one the site itself published.

``/api/<collection>/index.json``, ``/api/<collection>/page/<n>/index.json``,
``/api/<collection>/<topic-id>/index.json`` and ``.../<topic-id>/page/<n>/index.json``
answer ``{"page": n, "value": [items], "nextPage": n + 1 or null}``: 25 items a page,
newest first, published items only, each item with every key of the site's format
(``null`` where the item has no value), in the site's key order.

They also take the query parameters of ``filters.ArticleFilter`` and ``page_size``
(1 to ``MAX_PAGE_SIZE``). An unknown parameter or a bad value is answered
``400 {"error": ..., "errors": {parameter: [messages]}}``.
"""
from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.http import JsonResponse

from ..output import StrictJSONEncoder, display_url, json_value
from . import selectors
from .filters import ArticleFilter
from .http import public
from .views import MAX_PAGE

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
UTC = datetime.timezone.utc

# Item keys, in the order of the site's own pages.
ITEM_KEYS = [
    "path", "title", "excerpt", "sourceUrl", "webUrl", "originalUrl", "featuredContent",
    "highlight", "heat", "tags", "images", "content", "type", "ampWebUrl", "cdnAmpWebUrl",
    "publishedDateTime", "updatedDateTime", "provider", "locale", "categories", "topics",
]


class PageSizeForm(forms.Form):
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


def json_datetime(value):
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def json_url(value):
    """A URL as the API shows it: percent-encoded where needed (``output.display_url``)."""
    return None if value is None else display_url(value)


def date_field(article, column: str, key: str):
    """A date of the item: its column, else the value kept as written with the other keys
    (a timestamp with no UTC form: see ``documents.storable``), as ISO 8601 text."""
    value = getattr(article, column)
    if value is not None:
        return json_datetime(value)
    return json_value((article.extra or {}).get(key))


def image_json(image) -> dict:
    """An image in the site's shape, from an ArticleImage or a logo rendition (dict)."""
    if isinstance(image, dict):
        data = dict(image)
        out = {
            "url": json_url(data.pop("url", None)),
            "width": data.pop("width", None),
            "height": data.pop("height", None),
            "title": data.pop("title", None),
            "attribution": data.pop("attribution", None),
            "isCached": bool(data.pop("isCached", False)),
        }
        return out
    extra = image.extra or {}
    return {
        "url": json_url(image.url),
        "width": image.width,
        "height": image.height,
        "title": image.title,
        "attribution": extra.get("attribution"),
        "isCached": bool(image.is_cached),
    }


def provider_json(article) -> dict | None:
    provider = article.provider
    domain = provider.domain if provider is not None else None
    extra = article.provider_extra or {}
    if article.provider_name is None and domain is None and not extra:
        return None
    logos = article.provider_images
    if logos is None and provider is not None:
        logos = provider.images
    return {
        "name": article.provider_name if article.provider_name is not None else (provider.name if provider else None),
        "domain": domain,
        "images": [image_json(logo) for logo in logos] if logos else None,
        "publishers": extra.get("publishers"),
        "authors": article.provider_authors,
    }


def item_json(article) -> dict:
    """One item in the site's API shape; every key present."""
    extra = article.extra or {}
    topics = [link.label or link.topic.name for link in article.topic_links.all()]
    images = [image_json(image) for image in article.images.all()]
    item = {
        "path": article.path,
        "title": article.title if article.title is not None else article.name,
        "excerpt": article.excerpt,
        "sourceUrl": extra.get("sourceUrl"),
        "webUrl": json_url(article.web_url),
        "originalUrl": json_url(article.original_url),
        "featuredContent": article.featured_content,
        "highlight": extra.get("highlight"),
        "heat": article.heat,
        "tags": extra.get("tags"),
        "images": images or None,
        "content": (article.body or "").strip(),
        "type": article.type,
        "ampWebUrl": json_url(article.amp_web_url),
        "cdnAmpWebUrl": json_url(article.cdn_amp_web_url),
        "publishedDateTime": date_field(article, "published_at", "publishedDateTime"),
        "updatedDateTime": date_field(article, "source_updated_at", "updatedDateTime"),
        "provider": provider_json(article),
        "locale": extra.get("locale") or settings.NEWSROOM.get("LOCALE", "en-us"),
        "categories": [article.category] if article.category else None,
        "topics": topics or None,
    }
    if article.collection == "events" or article.starts_at or article.ends_at:
        # Events: when, then (with the other keys) where: location, website.
        item["startDateTime"] = date_field(article, "starts_at", "startDateTime")
        ends_on = article.ends_on  # a day alone: the date, as the file says it
        item["endDateTime"] = ends_on.isoformat() if ends_on else date_field(article, "ends_at", "endDateTime")
    # Collection-specific keys (price, length, ratings, levels, items, ...) follow. ``extra``
    # holds only keys without a column, so none of the editorial ones (published, secured).
    for key, value in extra.items():
        if key not in item:
            item[key] = value
    if isinstance(item.get("website"), str):  # a link like webUrl (checked on import): shown as one
        item["website"] = json_url(item["website"])
    return item


def error(status, message, errors=None):
    body = {"error": message}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status)


def form_errors(form) -> dict:
    return {name: [e["message"] for e in errs] for name, errs in form.errors.get_json_data().items()}


def allowed_parameters():
    return (set(ArticleFilter.base_filters) - {"collection"}) | {"page_size"}


def page_of(request, *, collection, page=1, topic_id=None):
    """Build one page of the API (``(status, body)``); used by the view and the tests."""
    unknown = sorted(set(request.GET) - allowed_parameters())
    if unknown:
        return error(
            400, f"unknown parameter: {', '.join(unknown)}",
            {name: ["Unknown parameter."] for name in unknown},
        )
    size_form = PageSizeForm(request.GET)
    if not size_form.is_valid():
        return error(400, "invalid parameter: page_size", form_errors(size_form))
    page_size = size_form.cleaned_data["page_size"] or PAGE_SIZE
    base = selectors.published_articles().filter(collection=collection)

    def unknown_collection():
        """The 404 of a collection without published items, which comes before any other
        error. Asked only on the way to an error or an empty page: a page with items
        shows that the collection has some, without a query of its own."""
        if base.exists():
            return None
        return error(404, f"no published items in collection {collection!r}")

    queryset = base
    if topic_id is not None:
        try:
            topic = selectors.topic_by_id(topic_id)
        except selectors.Topic.DoesNotExist:
            return unknown_collection() or error(404, f"no topic {topic_id!r}")
        queryset = base.filter(selectors.topic_filter(topic))
    filterset = ArticleFilter(request.GET, queryset=queryset)
    if not filterset.is_valid():
        errors = form_errors(filterset.form)
        return unknown_collection() or error(400, f"invalid parameter: {', '.join(sorted(errors))}", errors)
    start = (page - 1) * page_size
    # Events: the latest to take place first (unless ?sort= says otherwise).
    ordered = filterset.ordered_qs if collection != "events" or request.GET.get("sort") else selectors.ordered(filterset.qs, "start")
    rows = list(selectors.with_page_data(ordered)[start:start + page_size + 1])
    if not rows and (missing := unknown_collection()):
        return missing
    if page > 1 and not rows:
        return error(404, f"page {page} is past the last page")
    has_next = len(rows) > page_size
    # Strict JSON: what JSON cannot hold (dates, NaN, keys that are not text) written the
    # way the sites' own API writes it, control characters stripped (output.json_value).
    return JsonResponse(
        json_value({
            "page": page,
            "value": [item_json(article) for article in rows[:page_size]],
            "nextPage": page + 1 if has_next else None,
        }),
        encoder=StrictJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )


def not_found(request):
    return error(404, "no such API URL: see /api/<collection>/index.json")


@public
def collection_index(request, collection, page=1, topic_id=None):
    if page < 1:
        return error(404, "pages start at 1")
    if page > MAX_PAGE:
        return error(404, f"page {page} is past the last page")
    return page_of(request, collection=collection, page=page, topic_id=topic_id)
