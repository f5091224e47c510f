import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .services import has_authenticator, second_factor_expected

LAST_ACTIVITY = "ontong_last_activity"
SIGNED_IN_AT = "ontong_signed_in_at"
# Writing the session on every request would be a database write per click; a minute is plenty.
TOUCH_EVERY_SECONDS = 60


class ExpireIdleStaffSessions:
    """Logs a signed-in user out after ONTONG_STAFF_IDLE_MINUTES without activity, and in any
    case SESSION_COOKIE_AGE after the login: every touch below saves the session, which slides
    Django's own expiry, so the day's limit is counted here. htmx polling (the inbox's GETs every
    few seconds) is not activity. Citizens' sessions have no user and are untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = clock()
            last = request.session.get(LAST_ACTIVITY, now)
            signed_in = request.session.setdefault(SIGNED_IN_AT, now)
            if now - last > settings.ONTONG_STAFF_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request, _("오래 사용하지 않아 로그아웃되었습니다. 다시 로그인하세요.")
                )
            elif now - signed_in > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(
                    request,
                    _("로그인한 지 %(hours)d시간이 지나 로그아웃되었습니다. 다시 로그인하세요.")
                    % {"hours": settings.SESSION_COOKIE_AGE // 3600},
                )
            elif LAST_ACTIVITY not in request.session or (
                not is_polling(request) and now - last >= TOUCH_EVERY_SECONDS
            ):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


def clock() -> float:
    return time.time()


def is_polling(request) -> bool:
    return request.method == "GET" and request.headers.get("HX-Request") == "true"


class RequireTwoFactor:
    """A user who must (or chose to) use a second factor reaches nothing but the code, enrolment
    and logout pages until they give one — the staff pages and Django admin alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(open_paths())
            and second_factor_expected(user)
        ):
            step = "accounts:verify" if has_authenticator(user) else "accounts:enrol"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def open_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:verify"),
        reverse("accounts:enrol"),
        reverse("logout"),
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
        "/i18n/",
    )
