"""The public site: what readers see, only ever published items.

- ``views.py``: the pages; ``api.py``: the JSON API; ``feeds.py``: RSS and Atom;
  ``sitemaps.py``: the sitemaps (and Google News).
- ``selectors.py``: the read-only queries they share; ``filters.py``: the one FilterSet
  of pages and API.
- ``http.py``: HTTP caching (ETag / Last-Modified from the content stamp, the
  per-process page cache); ``receivers.py``: deletions move that stamp.
- ``context_processors.py``: what every public template gets.

URLs are in ``articles/urls.py``; template helpers in ``articles/templatetags/public.py``.
"""
