"""Database rows <-> documents, for the importer and the exporter.

A document is what ``frontmatter.parse`` returns (format keys, normalized values). The
functions here turn one into column values and back; the round trip is the identity for
every valid document (tests check it on the whole corpus and with hypothesis), which is
what lets the exporter tell an unchanged item by comparing digests.
"""
from __future__ import annotations

from .frontmatter import ARTICLE_FIELDS, IMAGE_FIELDS, PROVIDER_FIELDS, RELATED_FIELDS, TOPIC_FIELDS

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


# ---- document -> rows ----------------------------------------------------------------
def _split_known(table: dict, data: dict) -> tuple[dict, dict]:
    known, extra = {}, {}
    for key, value in data.items():
        if key in table and table[key][0]:
            known[table[key][0]] = value
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
        if key in ARTICLE_FIELDS:
            fields[ARTICLE_FIELDS[key][0]] = value
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
        _put(doc, key, row[spec[0]])
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
    _put(doc, "keywords", topic.keywords)
    _put(doc, "hashtags", topic.hashtags)
    _put(doc, "services", topic.services)
    for key, value in (topic.extra or {}).items():
        doc.setdefault(key, value)
    return doc
