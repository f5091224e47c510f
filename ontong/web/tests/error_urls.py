"""The app's URLs plus views that fail on purpose, to see each error page (tests only)."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import path

from ontong.urls import handler500
from ontong.urls import urlpatterns as app_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def bad_request(request):
    raise BadRequest("test")


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("test: a bug in a view")


urlpatterns = [
    path("__test__/400/", bad_request),
    path("__test__/403/", forbidden),
    path("__test__/500/", broken),
    *app_urlpatterns,
]
