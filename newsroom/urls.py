from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]

# Uploaded files (provider logos under MEDIA_ROOT), on a laptop only: static() adds
# nothing without DEBUG. In production the web server or object storage serves them
# (README, "Uploaded files").
urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
