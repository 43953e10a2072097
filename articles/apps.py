from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
        from . import public_receivers  # noqa: F401 - deletions move the public site's validators


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """The Django admin with the editors' desk as its index page."""

    default = False  # ArticlesConfig is this module's default
    default_site = "articles.admin_site.NewsroomAdminSite"
