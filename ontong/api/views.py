"""The open-data download for 민원총괄."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone

from ontong.org.models import Role

from . import opendata


@login_required
def open_data(request):
    if not request.user.has_role(Role.ADMIN):
        raise Http404
    today = timezone.localdate()
    try:
        month = opendata.parse_month(request.GET.get("month", ""))
    except ValueError:
        month = opendata.previous_month(today)
    encoding = "cp949" if request.GET.get("encoding") == "cp949" else "utf-8-sig"
    charset = "cp949" if encoding == "cp949" else "utf-8"
    response = HttpResponse(
        opendata.csv_bytes(month, today, encoding), content_type=f"text/csv; charset={charset}"
    )
    name = opendata.file_name(month, today)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
