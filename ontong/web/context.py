from django.conf import settings


def ontong(request):
    return {"CITY_NAME": settings.CITY_NAME}
