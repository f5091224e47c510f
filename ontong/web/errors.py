"""Error pages a citizen or an official can read, with a way back, in both modes.

400, 403 and 404 use Django's own handlers with the templates 400.html, 403.html and 404.html.
"""

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (an old page, blocked cookies): say what to do."""
    context = {"reason": reason if settings.DEBUG else ""}
    response = render(request, "403_csrf.html", context, status=HttpResponseForbidden.status_code)
    return response


def server_error(request, template_name="500.html"):
    """Rendered without the request: no context processor, no session, no database — whatever
    failed (the database itself) must not also break the page that says so."""
    context = {"CITY_NAME": settings.CITY_NAME, "stylesheet": stylesheet_url()}
    return HttpResponseServerError(render_to_string(template_name, context))


def stylesheet_url() -> str | None:
    try:
        return static("ontong.css")
    except ValueError:  # no manifest entry: the page is readable unstyled
        return None
