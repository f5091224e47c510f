from typing import Any

from django.conf import settings

from ontong.org.models import Role


def ontong(request):
    context: dict[str, Any] = {"CITY_NAME": settings.CITY_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from ontong.complaints.models import Notification

        from .nav import menu

        context["menu"] = menu(user)
        context["is_pr"] = user.has_role(Role.PR, Role.ADMIN)
        context["unread_notifications"] = Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count()
    if user is not None and user.is_authenticated and user.has_role(Role.ADMIN):
        from ontong.channels.meta.models import MetaAccount

        context["invalid_accounts"] = list(
            MetaAccount.objects.filter(is_active=True, token_invalid_at__isnull=False).values_list(
                "name", flat=True
            )
        )
    return context
