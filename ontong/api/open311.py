"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2): discovery,
services, a service's attributes, requests (GET and POST), a request, tokens. Every resource in
XML (the spec's default, also `.xml`) and JSON (`.json`); errors in the spec's shape.

Services are the city's complaint kinds (민원 종류); the 읍면동 is an attribute. A request is
`open` while the city works on it and `closed` once the result was told to the citizen (통보완료)
or the case ended (종결, 이송, 반려, 취하); `status_notes` is then the published answer.

Reading requests needs an api_key too (the spec leaves it to the city): complaints are personal,
and what is shown is masked as for any reader who does not handle the case. A city may open a
public feed (ONTONG_OPEN311_PUBLIC_READ): without a key, GET requests then shows every case
without its text or exact place — service, status, 읍면동, dates, department."""

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from ontong.accounts.network import client_ip
from ontong.channels import media
from ontong.complaints import privacy
from ontong.complaints.models import (
    FINAL_STATES,
    Attachment,
    Channel,
    Complaint,
    Kind,
    Message,
    State,
)
from ontong.complaints.services import Intake, receive_complaint
from ontong.korean import person_name
from ontong.org.models import Area

from .auth import NulInput, RateLimited, authenticate, has_nul
from .inputs import usable_moment, xml_text
from .keys import Caller
from .tasks import fetch_media_url

SPEC = "http://wiki.open311.org/GeoReport_v2"
# Kinds as service codes: ASCII codes a client can put in a URL.
SERVICES = {
    "inquiry": (Kind.INQUIRY, "법령·제도·절차를 묻는 민원"),
    "suggestion": (Kind.SUGGESTION, "정책·제도·행정 개선을 제안하는 민원"),
    "grievance": (Kind.GRIEVANCE, "불편·부담을 풀어 달라는 민원 (도로 파손, 불법 주차, 쓰레기 등)"),
    "other": (Kind.OTHER, "그 밖의 민원"),
}
CODE_OF_KIND = {kind.value: code for code, (kind, _) in SERVICES.items()}
CLOSED_STATES = FINAL_STATES | {State.NOTIFIED}
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
MAX_DESCRIPTION = 20_000


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# --- rendering -----------------------------------------------------------------------------

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def fill(element: ET.Element, data: Any) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            fill(ET.SubElement(element, key), value)
    elif isinstance(data, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for value in data:
            fill(ET.SubElement(element, tag), value)
    elif isinstance(data, bool):
        element.text = "true" if data else "false"
    elif data is not None:
        element.text = xml_text(str(data))


def render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(to_xml(root, data), status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


def iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def resource(view):
    """Formats, the spec's errors, jurisdiction_id and the rate limit, for every view."""

    @csrf_exempt
    @require_http_methods(["GET", "POST"])
    def wrapped(request: HttpRequest, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
        fmt = fmt or "xml"
        if has_nul(request):
            return error(fmt, 400, "입력에 NUL 문자가 있습니다.")
        params = request.POST if request.method == "POST" else request.GET
        wanted = settings.ONTONG_OPEN311_JURISDICTION
        jurisdiction = params.get("jurisdiction_id", "")
        if jurisdiction and wanted and jurisdiction != wanted:
            return error(fmt, 404, f"jurisdiction_id '{jurisdiction}'를 찾을 수 없습니다.")
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)
        except NulInput:
            return error(fmt, 400, "입력에 NUL 문자가 있습니다.")
        except RateLimited:
            response = error(fmt, 429, "호출 한도를 넘었습니다. 잠시 뒤 다시 호출해 주세요.")
            response["Retry-After"] = "60"
            return response

    return wrapped


PUBLIC_RATE = "60/m"


def public_reader(request: HttpRequest) -> bool:
    """A read without a key, when the city opened the public feed; limited per client address."""
    if not settings.ONTONG_OPEN311_PUBLIC_READ or request.GET.get("api_key"):
        return False
    usage = get_usage(
        request,
        group="ontong.open311.public",
        key=lambda group, r: client_ip(r) or "",
        rate=PUBLIC_RATE,
        increment=True,
    )
    if usage and usage["should_limit"]:
        raise RateLimited
    return True


def key_for(request: HttpRequest, params: Any, scope: str) -> Caller:
    caller = authenticate(request, params.get("api_key", ""))
    if caller is None:
        raise Open311Error(403, "api_key가 없거나 올바르지 않습니다 (만료·폐기 포함).")
    if scope not in caller.key.scopes():
        raise Open311Error(403, f"이 api_key에는 '{scope}' 권한이 없습니다.")
    return caller


# --- discovery and services ----------------------------------------------------------------


@resource
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    return render(
        fmt,
        "discovery",
        {
            "changeset": "2026-12-01T00:00:00+09:00",
            "contact": f"{settings.CITY_NAME} 민원 담당 ({settings.SITE_URL})",
            "key_service": f"{settings.SITE_URL}/admin/ 에서 민원총괄이 발급 (docs/api.md)",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base.rsplit("/discovery", 1)[0],
                    "changeset": "2026-12-01T00:00:00+09:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def service(code: str) -> dict[str, Any]:
    kind, description = SERVICES[code]
    return {
        "service_code": code,
        "service_name": str(kind.label),
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": kind.value,
        "group": "민원",
    }


@resource
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [service(code) for code in SERVICES])


@resource
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if code not in SERVICES:
        raise Open311Error(404, f"service_code '{code}'를 찾을 수 없습니다.")
    return render(
        fmt,
        "service_definition",
        {
            "service_code": code,
            "attributes": [
                {
                    "variable": True,
                    "code": "area",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "읍면동을 고르세요 (행정동 코드).",
                    "order": 1,
                    "description": "읍면동",
                    "values": [{"key": a.code, "name": a.name} for a in Area.objects.all()],
                },
                {
                    "variable": True,
                    "code": "title",
                    "datatype": "string",
                    "required": False,
                    "datatype_description": "한 줄 제목 (비우면 내용 앞부분).",
                    "order": 2,
                    "description": "제목",
                },
                {
                    "variable": True,
                    "code": "contact_consent",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "연락처(email, phone, 이름)를 처리 결과 안내에 쓰는 데"
                    " 민원인이 동의했으면 true. 동의가 없으면 연락처는 저장하지 않습니다.",
                    "order": 3,
                    "description": "연락처 제공 동의",
                    "values": [
                        {"key": "true", "name": "동의"},
                        {"key": "false", "name": "동의 안 함"},
                    ],
                },
            ],
        },
    )


# --- requests ------------------------------------------------------------------------------


def status_of(c: Complaint) -> str:
    return "closed" if c.state in CLOSED_STATES else "open"


def status_notes(c: Complaint) -> str:
    """The published answer once told; why, for a case that ended otherwise; else the state."""
    if c.state in {State.NOTIFIED, State.CLOSED} and c.answer:
        return privacy.mask_text(c.answer)
    if c.state == State.TRANSFERRED:
        return f"{c.transfer_agency}(으)로 이송했습니다."
    if c.state in {State.REJECTED, State.WITHDRAWN}:
        reason = privacy.mask_text(c.state_reason)
        return f"{c.get_state_display()}: {reason}" if reason else c.get_state_display()
    return c.get_state_display()


def request_row(c: Complaint, first: Message | None) -> dict[str, Any]:
    extra = first.extra if first else {}
    return {
        "service_request_id": c.receipt_no,
        "status": status_of(c),
        "status_notes": status_notes(c),
        "service_name": str(Kind(c.kind).label),
        "service_code": CODE_OF_KIND.get(c.kind, "other"),
        "description": privacy.mask_text(c.body),
        "agency_responsible": c.department.name if c.department else "",
        "service_notice": "",
        "requested_datetime": iso(c.received_at),
        "updated_datetime": iso(c.updated_at),
        "expected_datetime": iso(c.due_at),
        "address": privacy.mask_text(c.address) or (c.area.name if c.area else ""),
        "address_id": "",
        "zipcode": "",
        "lat": float(c.latitude) if c.latitude is not None else None,
        "long": float(c.longitude) if c.longitude is not None else None,
        "media_url": extra.get("media_url", ""),
    }


PUBLIC_FIELDS_BLANKED = ("description", "address_id", "zipcode", "media_url")


def public_row(c: Complaint) -> dict[str, Any]:
    """What anyone may read: no text the citizen wrote, the place only to its 읍면동, the state's
    name instead of the answer (an answer speaks to the citizen, often by name)."""
    row = request_row(c, None)
    row.update({field: "" for field in PUBLIC_FIELDS_BLANKED})
    row.update(
        {
            "status_notes": c.get_state_display(),
            "address": c.area.name if c.area else "",
            "lat": None,
            "long": None,
        }
    )
    return row


def rows(queryset, public: bool = False) -> list[dict[str, Any]]:
    cases = list(queryset.select_related("department", "area")[:MAX_RESULTS])
    if public:
        return [public_row(c) for c in cases]
    firsts: dict[int, Message] = {}
    for m in Message.objects.filter(
        complaint__in=[c.pk for c in cases], direction=Message.Direction.IN
    ).order_by("created_at", "id"):
        firsts.setdefault(m.complaint_id, m)
    return [request_row(c, firsts.get(c.pk)) for c in cases]


def moment(params: Any, name: str) -> dt.datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = parse_datetime(text.replace(" ", "+"))  # a '+' unescaped in a query is a space
    except ValueError:
        value = None
    if value is not None and timezone.is_naive(value) and dt.datetime(1900, 1, 2) < value:
        value = timezone.make_aware(value)
    if value is None or not usable_moment(value):
        raise Open311Error(
            400, f"{name}는 ISO 8601 날짜·시각이어야 합니다 (예: 2026-12-01T00:00:00+09:00)."
        )
    return value


@resource
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    public = public_reader(request)
    if public:
        found = Complaint.objects.all()
    else:
        found = key_for(request, request.GET, "read").complaints()
    found = found.order_by("-received_at", "-pk")
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:  # the spec: every other parameter is ignored
        return render(fmt, "service_requests", rows(found.filter(receipt_no__in=ids), public))
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    unknown = [c for c in codes if c not in SERVICES]
    if unknown:
        raise Open311Error(404, f"service_code '{unknown[0]}'를 찾을 수 없습니다.")
    if codes:
        found = found.filter(kind__in=[SERVICES[c][0] for c in codes])
    start, end = moment(request.GET, "start_date"), moment(request.GET, "end_date")
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        found = found.filter(received_at__gte=start)
    if end is not None:
        found = found.filter(received_at__lte=end)
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status는 open 또는 closed입니다.")
    if statuses == {"open"}:
        found = found.exclude(state__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        found = found.filter(state__in=CLOSED_STATES)
    return render(fmt, "service_requests", rows(found, public))


@resource
def single_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    if public_reader(request):
        found = rows(Complaint.objects.filter(receipt_no=request_id), public=True)
    else:
        caller = key_for(request, request.GET, "read")
        found = rows(caller.complaints().filter(receipt_no=request_id))
    if not found:
        raise Open311Error(404, f"service_request_id '{request_id}'를 찾을 수 없습니다.")
    return render(fmt, "service_requests", found)


@resource
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    caller = key_for(request, request.GET, "read")
    message = (
        Message.objects.filter(
            direction=Message.Direction.IN,
            extra__open311_token=token,
            complaint__in=caller.complaints(),
        )
        .select_related("complaint")
        .first()
    )
    if message is None:
        raise Open311Error(404, f"token '{token}'을 찾을 수 없습니다.")
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": message.complaint.receipt_no, "token": token}],
    )


def decimal(params: Any, name: str, limit: int) -> Decimal | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise Open311Error(400, f"{name} 값이 숫자가 아닙니다.") from exc
    if not value.is_finite() or abs(value) > limit:
        raise Open311Error(400, f"{name} 값이 범위를 벗어났습니다.")
    return round(value, 6)


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    caller = key_for(request, params, "create")
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code가 필요합니다.")
    if code not in SERVICES:
        raise Open311Error(404, f"service_code '{code}'를 찾을 수 없습니다.")
    latitude, longitude = decimal(params, "lat", 90), decimal(params, "long", 180)
    address = params.get("address_string", "").strip()
    if (latitude is None or longitude is None) and not address and not params.get("address_id"):
        raise Open311Error(400, "위치가 필요합니다: lat와 long, 또는 address_string.")
    description = params.get("description", "").strip()
    if not description:
        raise Open311Error(400, "description이 필요합니다.")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, "description이 너무 깁니다.")
    area = None
    area_code = params.get("attribute[area]", "").strip()
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise Open311Error(400, f"attribute[area] '{area_code}'는 없는 읍면동 코드입니다.")
    media_url = params.get("media_url", "").strip()
    if media_url and not media_url.lower().startswith(("https://", "http://")):
        raise Open311Error(400, "media_url은 http(s) 주소여야 합니다.")
    consent = params.get("attribute[contact_consent]", "").strip().lower() == "true"
    name = person_name(params.get("last_name", "").strip(), params.get("first_name", "").strip())
    body = description + (f"\n\n첨부 사진 주소: {media_url}" if media_url else "")
    issued = secrets.token_urlsafe(12)
    with transaction.atomic():
        complaint = receive_complaint(
            Intake(
                channel=Channel.WEB,
                account=f"open311:{caller.key.prefix}",
                body=body,
                title=params.get("attribute[title]", "")[:200],
                kind=SERVICES[code][0],
                area=area,
                address=address[:300],
                latitude=latitude,
                longitude=longitude,
                name=name[:60] if consent else "",
                phone=params.get("phone", "")[:40] if consent else "",
                email=params.get("email", "")[:254] if consent else "",
                contact_consent=consent,
                ip=client_ip(request),
            )
        )
        first = complaint.messages.filter(direction=Message.Direction.IN).first()
        if first is not None:
            first.extra = {**first.extra, "open311_token": issued, "media_url": media_url}
            first.save(update_fields=["extra"])
        if media_url:
            photo = Attachment.objects.create(
                complaint=complaint, message=first, source_url=media_url
            )
            fetch_media_url.enqueue(photo.pk)
    notice = "접수되었습니다. 처리 결과는 이 요청의 status_notes로 확인할 수 있습니다."
    if not consent and (params.get("email") or params.get("phone")):
        notice += " 연락처 제공 동의(attribute[contact_consent]=true)가 없어 연락처는 저장하지 않았습니다."
    return render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": complaint.receipt_no,
                "token": issued,
                "service_notice": notice,
                "account_id": params.get("account_id", ""),
            }
        ],
        status=201,
    )


def fetch_media(attachment_id: int) -> str:
    """The media_url photo, fetched in the background like a channel's photos (size cap, image
    check, https to a public address only); a refusal is on the case's timeline. The caller's
    citizen is not messaged: the API has no conversation to say it in."""
    return media.fetch_attachment(
        attachment_id,
        lambda url: media.download_public(url, settings.ONTONG_MEDIA_URL_TIMEOUT),
        "open311",
        tell_citizen=False,
    )
