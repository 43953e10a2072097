"""Uploaded files (provider logos under MEDIA_ROOT) are served on a laptop: `make run`
runs with DJANGO_DEBUG=1 (issue 16, defect 3). In production the web server or object
storage serves them (README, "Uploaded files"); Django never does."""
import importlib

import pytest
from django.urls import clear_url_caches

import newsroom.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls_with(settings):
    def load(debug):
        settings.DEBUG = debug
        importlib.reload(newsroom.urls)
        clear_url_caches()

    yield load
    settings.DEBUG = False
    importlib.reload(newsroom.urls)
    clear_url_caches()


def test_media_served_with_debug_only(client, settings, tmp_path, urls_with):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "example.com-50x50.png").write_bytes(b"\x89PNG\r\n\x1a\nlogo")
    urls_with(True)
    response = client.get("/media/logos/example.com-50x50.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\nlogo"
    assert response["Content-Type"] == "image/png"
    assert client.get("/media/../settings.py").status_code in (400, 404)  # never outside MEDIA_ROOT
    assert client.get("/media/logos/missing.png").status_code == 404
    urls_with(False)
    assert client.get("/media/logos/example.com-50x50.png").status_code == 404
