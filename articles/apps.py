from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
        from . import public_receivers  # noqa: F401 - deletions move the public site's validators

        post_migrate.connect(_build_missing_search_indexes, sender=self)


def _build_missing_search_indexes(using, **kwargs):
    """``migrate`` builds the search indexes an interrupted first import left unbuilt
    (only where the migration that creates them is applied: not after migrating back)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .search_indexes import CREATED_BY, create_missing

    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    if CREATED_BY in MigrationRecorder(connection).applied_migrations():
        create_missing(connection)


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """The Django admin with the editors' desk as its index page."""

    default = False  # ArticlesConfig is this module's default
    default_site = "articles.admin_site.NewsroomAdminSite"
