from typing import Any

from django.conf import settings

from ontong.channels.meta.models import MetaAccount
from ontong.complaints.approval import pending_approval
from ontong.complaints.models import Notification
from ontong.org.models import Role

from .nav import menu


def ontong(request):
    context: dict[str, Any] = {"CITY_NAME": settings.CITY_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["menu"] = menu(user)
        context["is_pr"] = user.has_role(Role.PR, Role.ADMIN)
        context["unread_notifications"] = Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count()
        if user.has_role(Role.MANAGER, Role.ADMIN):
            context["pending_approvals"] = pending_approval(user).count()
    if user is not None and user.is_authenticated and user.has_role(Role.ADMIN):
        context["invalid_accounts"] = list(
            MetaAccount.objects.filter(is_active=True, token_invalid_at__isnull=False).values_list(
                "name", flat=True
            )
        )
    return context
