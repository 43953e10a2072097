"""The editors' desk: the Django admin, extended through its hooks.

One module per ModelAdmin (``articles``, ``review_queue``, ``decisions``, ``schedules``,
``triage_rules``, ``providers``, ``topics``); what they share in ``filters``, ``forms``,
``inlines``, ``paginators``, ``search``, ``html`` and ``utils``; the import and export
pages in ``import_export``; the site whose index is the desk in ``site``; login
throttling in ``auth``; logo renditions in ``logos``.

Every write path checks permissions (``has_*_permission`` hooks,
``@admin.action(permissions=...)``) and every editorial change runs an action of
``articles.editorial.actions``, which checks them again.

Importing this package registers the ModelAdmins (Django's admin autodiscovery).
"""
from . import site  # noqa: F401,I001 - first: the ModelAdmins below register on site.desk_site()
from . import articles, decisions, providers, review_queue, schedules, topics, triage_rules  # noqa: F401
