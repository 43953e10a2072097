from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from .editorial import receivers  # noqa: F401 - connects the signal receivers
        from .public import receivers as public_receivers  # noqa: F401 - deletions move the public validators
        from .search_indexes import build_missing_after_migrate

        post_migrate.connect(build_missing_after_migrate, sender=self)


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """The Django admin with the editors' desk as its index page."""

    default = False  # ArticlesConfig is this module's default
    default_site = "articles.admin.site.desk_site"
