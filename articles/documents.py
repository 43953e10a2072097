"""Database rows <-> documents, for the importer and the exporter.

A document is what ``frontmatter.parse`` returns (format keys, normalized values). The
functions here turn one into column values and back; the round trip is the identity for
every valid document (tests check it on the whole corpus and with hypothesis), which is
what lets the exporter tell an unchanged item by comparing digests.
"""
from __future__ import annotations

import datetime as dt
import json
import math

from .frontmatter import ARTICLE_FIELDS, DAY_FIELDS, IMAGE_FIELDS, NAN, PROVIDER_FIELDS, RELATED_FIELDS, TOPIC_FIELDS, Key, timestamp_text

ARTICLE_COLUMNS = [spec[0] for spec in ARTICLE_FIELDS.values()]
IMAGE_COLUMNS = ["url", "width", "height", "is_cached", "title", "extra"]
RELATED_COLUMNS = [
    "title", "excerpt", "published_at", "web_url", "type", "quality",
    "provider_name", "provider_domain", "provider_extra", "images", "extra",
]
STRUCTURED = {"provider", "topics", "images", "related"}


def collection_of(path: str, doc: dict | None = None) -> str:
    """news for ``_news/...``, learning for ``_learning/videos/...``; else the category."""
    first = path.split("/", 1)[0]
    if first.startswith("_") and "/" in path:
        return first[1:]
    category = (doc or {}).get("category")
    return category if isinstance(category, str) else ""


# ---- values JSON cannot hold, as JSON --------------------------------------------------
# Documents hold what safe YAML can say; JSON (what OrderedJSONField stores) lacks some
# of it. Those values are stored as one-key objects, so that what is read back is what
# was written, of the same types:
#
#   {"$date": "2019-12-08"}   {"$datetime": "2001-12-14T21:59:43.1-05:00"} (offset kept)
#   {"$float": "nan"}          ("inf", "-inf")
#   {"$map": [[key, value], ...]}   a mapping with keys other than strings, in order
#   {"$key": true}             a key held apart from an equal key of another type
#                              (frontmatter.Key: true beside 1)
#
# A mapping of the data that looks like one of these (one key, a tag) is stored as a
# "$map" too, so nothing is ever read back as something else.
TAGS = frozenset({"$date", "$datetime", "$float", "$map", "$key"})
_STRICT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)


def to_json(value) -> str:
    """``value`` (a document's value: anything safe YAML builds) as compact JSON text."""
    if not value and type(value) in (dict, list):  # most "extra" values: {}
        return "{}" if type(value) is dict else "[]"
    return _STRICT_JSON.encode(tagged(value) if needs_tags(value) else value)


def from_json(text: str):
    """The value ``to_json()`` wrote."""
    if '{"$' in text:
        return json.loads(text, object_hook=_untag)
    return json.loads(text)


def needs_tags(value) -> bool:
    """Whether ``value`` holds anything JSON cannot hold exactly (see TAGS)."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return False
    if t is float:
        return not math.isfinite(value)
    if t is list:
        for item in value:
            ti = type(item)
            if ti is not str and ti is not int and needs_tags(item):
                return True
        return False
    if t is dict:
        if len(value) == 1 and next(iter(value)) in TAGS:
            return True
        for key, item in value.items():
            if type(key) is not str:
                return True
            ti = type(item)
            if ti is not str and ti is not int and ti is not bool and needs_tags(item):
                return True
        return False
    return True  # dates, datetimes


def tagged(value):
    """``value`` with what JSON cannot hold written as tags (see TAGS)."""
    t = type(value)
    if t is dict:
        if all(type(k) is str for k in value) and not (len(value) == 1 and next(iter(value)) in TAGS):
            return {k: tagged(v) for k, v in value.items()}
        return {"$map": [[tagged(k), tagged(v)] for k, v in value.items()]}
    if t is list:
        return [tagged(v) for v in value]
    if t is float and not math.isfinite(value):
        return {"$float": "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"}
    if t is dt.datetime:
        return {"$datetime": timestamp_text(value)}
    if t is dt.date:
        return {"$date": value.isoformat()}
    if t is Key:
        return {"$key": tagged(value.value)}
    return value


_FLOATS = {"nan": NAN, "inf": math.inf, "-inf": -math.inf}


def _untag(obj: dict):
    if len(obj) != 1:
        return obj
    tag, value = next(iter(obj.items()))
    if tag == "$datetime":
        return dt.datetime.fromisoformat(value)
    if tag == "$date":
        return dt.date.fromisoformat(value)
    if tag == "$float":
        return _FLOATS[value]
    if tag == "$map":
        return {k: v for k, v in value}
    if tag == "$key":
        return Key(value)
    return obj


# ---- document -> rows ----------------------------------------------------------------
def day_end(day: dt.date) -> dt.datetime | None:
    """The last instant of ``day`` in the site's time zone (TIME_ZONE), in UTC; None for
    9999-12-31 there, which has no next day."""
    from django.utils import timezone

    zone = timezone.get_default_timezone()
    try:
        start_of_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
        return (start_of_next - dt.timedelta(microseconds=1)).astimezone(dt.timezone.utc)
    except OverflowError:
        return None


def as_day_end(value: dt.datetime | None):
    """The day whose ``day_end()`` ``value`` is, else ``value`` as it is."""
    if value is None or value.microsecond != 999_999:
        return value
    from django.utils import timezone

    try:
        local = value.astimezone(timezone.get_default_timezone())
    except OverflowError:
        return value
    if (local.hour, local.minute, local.second) == (23, 59, 59) and day_end(local.date()) == value:
        return local.date()
    return value


def storable(spec: tuple, value) -> bool:
    """Whether the column of ``spec`` (a row of the frontmatter tables) holds ``value``
    exactly. The parser checks every known key's type; what it keeps although no column
    can hold it (a timestamp that has no UTC form, such as 0001-01-01T00:00:00+05:00)
    goes with the keys Newsroom has no column for, and comes back from there."""
    if spec[1] == "datetime":
        return type(value) is dt.datetime and value.tzinfo is dt.timezone.utc
    return True


def _split_known(table: dict, data: dict) -> tuple[dict, dict]:
    known, extra = {}, {}
    for key, value in data.items():
        spec = table.get(key)
        if spec is not None and spec[0] and storable(spec, value):
            known[spec[0]] = value
        else:
            extra[key] = value
    return known, extra


def article_rows(doc: dict) -> dict:
    """Column values for an Article and its children, from a document.

    Returns ``{"fields": {...}, "provider_domain": str|None, "topics": [labels],
    "images": [dict], "related": [dict]}``.
    """
    fields = {attr: None for attr in ARTICLE_COLUMNS}
    extra = {}
    for key, value in doc.items():
        spec = ARTICLE_FIELDS.get(key)
        if key in DAY_FIELDS and type(value) is dt.date and day_end(value) is not None:
            fields[spec[0]] = day_end(value)  # (a day, until its end: see frontmatter.DAY_FIELDS)
        elif spec is not None and storable(spec, value):
            fields[spec[0]] = value
        elif key not in STRUCTURED:
            extra[key] = value
    fields["extra"] = extra
    provider = doc.get("provider")
    domain = None
    if provider is None:
        fields.update(provider_name=None, provider_images=None, provider_authors=None, provider_extra=None)
    else:
        rest = dict(provider)
        domain = rest.pop("domain", None)
        fields["provider_name"] = rest.pop("name", None)
        fields["provider_images"] = rest.pop("images", None)
        fields["provider_authors"] = rest.pop("authors", None)
        fields["provider_extra"] = rest
    images = []
    for image in doc.get("images", ()):
        known, other = _split_known(IMAGE_FIELDS, image)
        images.append({**{c: None for c in IMAGE_COLUMNS}, **known, "extra": other})
    related = []
    for story in doc.get("related", ()):
        known, other = _split_known(RELATED_FIELDS, story)
        row = {**{c: None for c in RELATED_COLUMNS}, **known}
        images_value = other.pop("images", None)
        provider_value = other.pop("provider", None)
        row["images"] = images_value
        if provider_value is not None:
            rest = dict(provider_value)
            row["provider_name"] = rest.pop("name", None)
            row["provider_domain"] = rest.pop("domain", None)
            row["provider_extra"] = rest
        row["extra"] = other
        related.append(row)
    return {
        "fields": fields,
        "provider_domain": domain,
        "topics": list(doc.get("topics", ())),
        "images": images,
        "related": related,
    }


def provider_rows(doc: dict) -> dict:
    known, extra = _split_known(PROVIDER_FIELDS, doc)
    images = extra.pop("images", None)
    authors = extra.pop("authors", None)
    return {"name": known.get("name", ""), "domain": known["domain"], "images": images, "authors": authors, "extra": extra}


def topic_rows(doc: dict) -> dict:
    known, extra = _split_known(TOPIC_FIELDS, doc)
    return {
        "topic_id": known.get("topic_id"),
        "name": known.get("name"),
        "shortname": known.get("shortname"),
        "parent_ref": known.get("parent_ref"),
        "keywords": extra.pop("keywords", None),
        "hashtags": extra.pop("hashtags", None),
        "services": extra.pop("services", None),
        "extra": extra,
    }


# ---- rows -> document ----------------------------------------------------------------
def _put(doc: dict, key: str, value) -> None:
    if value is not None:
        doc[key] = value


def article_document(row: dict, *, domain, topics, images, related) -> dict:
    """The document an Article holds now.

    ``row``: the article's columns (ARTICLE_COLUMNS + provider_* + extra), ``domain``: its
    provider's domain or None, ``topics``: labels in order, ``images``/``related``: rows
    in order (dicts of IMAGE_COLUMNS / RELATED_COLUMNS).
    """
    doc: dict = {}
    for key, spec in ARTICLE_FIELDS.items():
        _put(doc, key, as_day_end(row[spec[0]]) if key in DAY_FIELDS else row[spec[0]])
    if row["provider_extra"] is not None or domain is not None or row["provider_name"] is not None:
        provider: dict = {}
        _put(provider, "name", row["provider_name"])
        _put(provider, "domain", domain)
        _put(provider, "images", row["provider_images"])
        _put(provider, "authors", row["provider_authors"])
        provider.update(row["provider_extra"] or {})
        doc["provider"] = provider
    if topics:
        doc["topics"] = list(topics)
    if images:
        doc["images"] = [_image_document(image) for image in images]
    if related:
        doc["related"] = [_related_document(story) for story in related]
    for key, value in (row["extra"] or {}).items():
        doc.setdefault(key, value)
    return doc


def _image_document(image: dict) -> dict:
    out: dict = {}
    for key, spec in IMAGE_FIELDS.items():
        _put(out, key, image[spec[0]])
    out.update(image["extra"] or {})
    return out


def _related_document(story: dict) -> dict:
    out: dict = {}
    for key, spec in RELATED_FIELDS.items():
        _put(out, key, story[spec[0]])
    if story["provider_extra"] is not None or story["provider_name"] is not None or story["provider_domain"] is not None:
        provider: dict = {}
        _put(provider, "name", story["provider_name"])
        _put(provider, "domain", story["provider_domain"])
        provider.update(story["provider_extra"] or {})
        out["provider"] = provider
    _put(out, "images", story["images"])
    out.update(story["extra"] or {})
    return out


def provider_document(provider) -> dict:
    doc: dict = {}
    if provider.name:
        doc["name"] = provider.name
    doc["domain"] = provider.domain
    _put(doc, "images", provider.images)
    _put(doc, "authors", provider.authors)
    for key, value in (provider.extra or {}).items():
        doc.setdefault(key, value)
    return doc


def topic_document(topic) -> dict:
    doc: dict = {"_id": topic.topic_id, "name": topic.name}
    _put(doc, "shortname", topic.shortname)
    parent = topic.parent
    if parent is not None:
        ref = topic.parent_ref
        doc["parent"] = ref if ref in (parent.name, parent.topic_id) else parent.name
    elif topic.parent_ref and topic.parent_ref in (topic.topic_id, topic.name):
        doc["parent"] = topic.parent_ref  # the file names the topic itself: kept as written, not linked
    _put(doc, "keywords", topic.keywords)
    _put(doc, "hashtags", topic.hashtags)
    _put(doc, "services", topic.services)
    for key, value in (topic.extra or {}).items():
        doc.setdefault(key, value)
    return doc
