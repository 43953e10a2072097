"""Paginators that never count a large table."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CheapPaginator(Paginator):
    """Counts at most ``limit + 1`` rows: a large table's page never waits for COUNT(*)."""

    limit = 10000

    @cached_property
    def count(self):
        qs = self.object_list
        if hasattr(qs, "query"):
            counted = qs.order_by()[: self.limit + 1].count()
            return counted
        return len(qs)


class LookaheadPaginator(Paginator):
    """Autocomplete pages: one query fetches the page and one row more, so it knows whether
    there is a next page without counting every match."""

    _count = None

    @property
    def count(self):
        return self._count if self._count is not None else self.per_page

    def page(self, number):
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start:start + self.per_page + 1])
        self._count = start + len(rows)
        return self._get_page(rows[: self.per_page], number, self)

    def get_page(self, number):
        return self.page(number)
