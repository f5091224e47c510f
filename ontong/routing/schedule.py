import datetime as dt

from django.conf import settings
from django.utils import timezone

from .models import RoutingModel
from .tasks import retrain


def retrain_if_due() -> bool:
    """Enqueue a retraining when the newest model is older than ONTONG_RETRAIN_HOURS."""
    if settings.ONTONG_RETRAIN_HOURS <= 0:
        return False
    newest = (
        RoutingModel.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    )
    if newest and timezone.now() - newest < dt.timedelta(hours=settings.ONTONG_RETRAIN_HOURS):
        return False
    retrain.enqueue()
    return True
