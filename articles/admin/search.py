"""The item lists' search box."""

from django.db.models import Q

from ..models import Provider


LIST_DEFERRED = ("body", "source_text", "extra", "secured", "featured_content", "provider_extra", "provider_authors",
                 "source_sha", "source_digest")


def search_items(queryset, search_term):
    """Every word must match the title, the excerpt or the provider (name or domain), or,
    for words that look like URLs or domains, the URLs and the path.

    Providers matching a word are looked up first (a small table), so the item query
    ORs indexed conditions only (trigram indexes on PostgreSQL) instead of joining.
    """
    from django.utils.text import smart_split, unescape_string_literal

    for bit in list(smart_split(search_term))[:10]:
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        if not bit:
            continue
        providers = list(Provider.objects.filter(Q(name__icontains=bit) | Q(domain__icontains=bit)).values_list("pk", flat=True)[:500])
        q = Q(title__icontains=bit) | Q(excerpt__icontains=bit) | Q(provider_name__icontains=bit)
        if providers:
            q |= Q(provider_id__in=providers)
        if "." in bit or "/" in bit:
            q |= Q(web_url__icontains=bit) | Q(original_url__icontains=bit) | Q(path__icontains=bit)
        queryset = queryset.filter(q)
    return queryset
