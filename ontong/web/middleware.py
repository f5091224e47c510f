from django.conf import settings
from django.shortcuts import render


class KoreanByDefault:
    """Korean unless the person chose otherwise (language cookie): a browser's Accept-Language
    alone does not switch a city's workspace or complaint form to English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class BrowserPolicies:
    """Permissions-Policy on every answer, and nothing a signed-in person sees is kept by a
    browser or proxy cache: staff pages carry citizens' personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.ONTONG_PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class FriendlyMethodNotAllowed:
    """A form's address opened again (a refresh after sending, a bookmark) answers 405 from
    require_POST with an empty body: a blank page. Say what happened, with a way back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response  # the APIs' own JSON answers stay
        friendly = render(request, "405.html", status=405)
        friendly["Allow"] = response.get("Allow", "")
        return friendly
