"""The REST API (/api/): complaints, actions, departments, 읍면동, reports. OpenAPI at
/api/openapi.json, interactive docs at /api/docs.

A key acts as its service account (ApiKey.user): it sees the cases that account sees (narrowed
to the key's department, if any), acts through workflow.perform with that account's permission
checks, and sees personal data masked exactly as that account does on the staff pages (no
"보기" through the API: unmasked only for the handling department, and each such read is logged
in the case's 개인정보 열람 기록)."""

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError

from ontong.accounts.network import client_ip
from ontong.complaints import privacy, reports
from ontong.complaints.access import consulting, handles_case
from ontong.complaints.models import (
    ACCESS_LOG_ACTIONS,
    Channel,
    Complaint,
    Event,
    Kind,
    Message,
)
from ontong.complaints.services import Intake, receive_complaint
from ontong.complaints.workflow import ACTIONS, WorkflowError, available_actions, perform
from ontong.org.models import Area, Role
from ontong.web.filters import ListFilter, ReportPeriod

from .auth import BearerKey, HeaderKey, NulInput, RateLimited, caller
from .inputs import usable_moment

DESCRIPTION = """온통 민원 API입니다. 120 콜센터, 새올 행정시스템, 다른 기관의 시스템이 민원을 넣고
처리 결과를 가져갑니다.

**인증**: 관리 화면(API 키)에서 민원총괄이 만든 키를 `Authorization: Bearer ont_…` 또는
`X-API-Key: ont_…` 헤더로 보냅니다. 키는 만들 때 한 번만 보입니다.

**권한**: 키는 지정된 *서비스 계정*(직원 계정)의 역할과 부서 권한으로 읽고 처리합니다. 키에
부서가 지정되어 있으면 그 부서(하위 부서 포함)의 민원만 다룹니다. 키의 범위(scope)는
`read`(읽기), `create`(접수), `act`(처리)입니다.

**개인정보**: 직원 화면과 똑같이 가립니다. 처리 부서가 아니면 성명·연락처·본문 속 전화번호
등이 가려집니다. 가리지 않은 연락처를 읽으면 그 민원의 개인정보 열람 기록에 남습니다.

**한도**: 키마다 호출 한도가 있으며 넘으면 429를 돌려줍니다. 모든 호출은 기록됩니다."""

api = NinjaAPI(
    title="온통 API",
    version="1",
    description=DESCRIPTION,
    auth=[BearerKey(), HeaderKey()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

PAGE_LIMIT = 100


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "호출 한도를 넘었습니다. 잠시 뒤 다시 호출해 주세요."}, status=429
    )
    response["Retry-After"] = "60"
    return response


@api.exception_handler(NulInput)
def nul_input(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "입력에 NUL 문자가 있습니다."}, status=400)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "찾을 수 없습니다."}, status=404)


# --- schemas -------------------------------------------------------------------------------


class Error(Schema):
    detail: str = Field(description="오류 설명")


class DepartmentOut(Schema):
    id: int
    name: str = Field(description="부서명")
    kind: str = Field(description="종류 (국/과/팀/읍면동…)")
    parent_id: int | None = Field(None, description="상위 부서 ID")
    phone: str = ""
    is_active: bool = Field(description="사용 중인 부서인지")


class LegalUnit(Schema):
    code: str = Field(description="법정동·리 코드")
    name: str = Field(description="법정동·리 이름")


class AreaOut(Schema):
    code: str = Field(description="행정동 코드 (행정표준코드)")
    name: str = Field(description="읍면동 이름")
    kind: str = Field(description="읍/면/동")
    legal_units: list[LegalUnit] = Field(description="법정동·리")


class ComplaintSummary(Schema):
    receipt_no: str = Field(description="접수번호")
    title: str = Field(description="제목 (권한에 따라 개인정보 가림)")
    kind: str = Field(description="민원 종류 (질의/건의/고충/기타/법정)")
    state: str = Field(description="상태 코드 (received, assigned, … closed)")
    state_label: str = Field(description="상태 (한국어)")
    channel: str = Field(description="접수 채널")
    department_id: int | None = None
    department: str = Field("", description="처리 부서")
    area_code: str = Field("", description="읍면동 코드")
    area: str = Field("", description="읍면동")
    received_at: dt.datetime = Field(description="접수 시각")
    due_at: dt.datetime | None = Field(None, description="처리기한")
    closed_at: dt.datetime | None = Field(None, description="종결 시각")


class Page(Schema):
    items: list[ComplaintSummary]
    next_cursor: str | None = Field(
        None, description="다음 쪽을 가져올 때 cursor로 보냄; 없으면 끝"
    )


class CitizenOut(Schema):
    name: str = Field(description="성명 (처리 부서가 아니면 가림)")
    phone: str = Field(description="연락처 (처리 부서가 아니면 가림)")
    email: str = Field(description="이메일 (처리 부서가 아니면 가림)")
    contact_consent: bool = Field(description="결과를 연락처로 받는 데 동의했는지")


class MessageOut(Schema):
    direction: str = Field(description="in: 시민, out: 시청")
    purpose: str = Field(description="메시지 용도 (접수 안내, 답장, 처리 결과 통보…)")
    channel: str
    body: str = Field(description="내용 (권한에 따라 가림)")
    delivery: str = Field(description="발송 상태")
    created_at: dt.datetime


class EventOut(Schema):
    action: str = Field(description="처리 코드")
    label: str = Field(description="처리 이름 (한국어)")
    from_state: str
    to_state: str
    note: str = Field(description="메모 (권한에 따라 가림)")
    actor: str = Field("", description="처리한 직원")
    created_at: dt.datetime


class ComplaintDetail(ComplaintSummary):
    body: str = Field(description="민원 내용 (권한에 따라 가림)")
    address: str = Field("", description="주소·위치 (권한에 따라 가림)")
    latitude: float | None = None
    longitude: float | None = None
    action_note: str = Field("", description="조치 내용")
    answer: str = Field("", description="처리 결과(답변)")
    answered_at: dt.datetime | None = Field(None, description="결과 통보 시각")
    citizen: CitizenOut | None = None
    personal_data_masked: bool = Field(description="개인정보를 가렸는지")
    messages: list[MessageOut] = Field(description="대화 (시민과 시청)")
    timeline: list[EventOut] = Field(description="처리 경과")
    actions: list[str] = Field(description="이 키로 지금 할 수 있는 처리")


class ComplaintIn(Schema):
    body: str = Field(min_length=1, max_length=20000, description="민원 내용")
    title: str = Field("", max_length=200, description="제목 (비우면 내용 앞부분)")
    kind: str = Field("기타", description="민원 종류: 질의, 건의, 고충, 기타, 법정")
    channel: str = Field("phone", description="접수 채널: phone(전화·방문) 또는 web")
    area_code: str = Field("", description="읍면동 코드")
    address: str = Field("", max_length=300, description="주소·위치")
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    name: str = Field("", max_length=60, description="민원인 성명")
    phone: str = Field("", max_length=40, description="민원인 연락처")
    email: str = Field("", max_length=254, description="민원인 이메일")
    contact_consent: bool = Field(
        False,
        description="민원인이 연락처로 결과를 받는 데 동의했는지 (아니면 연락처를 저장하지 않음)",
    )
    external_id: str = Field(
        "",
        max_length=100,
        description="보내는 시스템의 건 번호. 주면 같은 키로 같은 번호를 다시 보내도 새로 접수하지 "
        "않고 처음 접수한 민원을 돌려줍니다(200). 재시도해도 중복 접수가 없게 하려면 꼭 주세요.",
    )


class Created(Schema):
    receipt_no: str = Field(description="접수번호")
    state: str
    due_at: dt.datetime | None = Field(None, description="처리기한")


class ActionIn(Schema):
    department: int | None = Field(None, description="부서 ID (배정·재배정)")
    assignee: int | None = Field(None, description="담당자 ID")
    reason: str = Field("", description="사유")
    text: str = Field("", description="내용 (조치 기록, 보완 요청, 답장)")
    answer: str = Field("", description="처리 결과 (결재 요청)")
    agency: str = Field("", description="이송 기관")
    duplicate_of: str = Field("", description="중복 원민원 접수번호")
    kind: str = Field("", description="민원 종류")
    related: str = Field("", description="관련 민원 접수번호")
    new_due: str = Field("", description="새 처리기한 (YYYY-MM-DD)")
    people: str = Field("", description="다수인 인원")
    interest: str = Field("", description="공동의 이해")


class ActionOut(Schema):
    name: str
    label: str


class ReportRow(Schema):
    department: str
    received: int
    answered: int
    on_time: int
    on_time_rate: float | None
    median_days: float | None
    p90_days: float | None
    overdue_now: int
    extended: int
    satisfaction: float | None
    satisfaction_n: int
    unresolved: int
    multi_party: int
    first_answer_rate: float | None


class ReportOut(Schema):
    start: dt.date
    end: dt.date
    rows: list[ReportRow]
    total: ReportRow


# --- helpers -------------------------------------------------------------------------------


def form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())


def encode_cursor(c: Complaint) -> str:
    raw = json.dumps([c.received_at.isoformat(), c.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        moment, pk = json.loads(raw)
        when, number = dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, TypeError) as exc:
        raise HttpError(400, "cursor가 올바르지 않습니다.") from exc
    # Only what encode_cursor makes: an aware time in range and a database id.
    if not usable_moment(when) or not 0 < number < 2**63:
        raise HttpError(400, "cursor가 올바르지 않습니다.")
    return when, number


def summary(c: Complaint, reveal: bool) -> dict[str, Any]:
    return {
        "receipt_no": c.receipt_no,
        "title": c.title if reveal else privacy.mask_text(c.title),
        "kind": c.kind,
        "state": c.state,
        "state_label": c.get_state_display(),
        "channel": c.channel,
        "department_id": c.department_id,
        "department": c.department.name if c.department else "",
        "area_code": c.area.code if c.area else "",
        "area": c.area.name if c.area else "",
        "received_at": c.received_at,
        "due_at": c.due_at,
        "closed_at": c.closed_at,
    }


def masked(text: str, reveal: bool) -> str:
    return text if reveal else privacy.mask_text(text)


def get_case(request: HttpRequest, receipt_no: str, scope: str) -> Complaint:
    found = caller(request, scope)
    try:
        return (
            found.complaints()
            .select_related("department", "assignee", "citizen", "area")
            .get(receipt_no=receipt_no)
        )
    except Complaint.DoesNotExist as exc:  # 404, not 403: its existence is not disclosed
        raise Http404 from exc


def detail(request: HttpRequest, c: Complaint) -> dict[str, Any]:
    user = request.auth.user  # type: ignore[attr-defined]
    reveal = handles_case(user, c)
    citizen = c.citizen
    consulted = None if reveal or user.has_role(Role.ADMIN, Role.TRIAGE) else consulting(user, c)
    if consulted is not None:  # another department's look at this one case, as on the staff page
        Event.objects.create(
            complaint=c,
            actor=user,
            action="consult_viewed",
            ip=client_ip(request),
            note=f"협조 요청으로 열람 ({consulted.department.name}, API 키 "
            f"{request.auth.key.prefix})",  # type: ignore[attr-defined]
        )
    if reveal and citizen and (citizen.phone or citizen.email):
        Event.objects.create(
            complaint=c,
            actor=user,
            action="personal_data_viewed",
            ip=client_ip(request),
            note=f"API 키 {request.auth.key.prefix}로 연락처 열람",  # type: ignore[attr-defined]
        )
    return {
        **summary(c, reveal),
        "body": masked(c.body, reveal),
        "address": masked(c.address, reveal),
        "latitude": float(c.latitude) if c.latitude is not None else None,
        "longitude": float(c.longitude) if c.longitude is not None else None,
        "action_note": masked(c.action_note, reveal),
        "answer": masked(c.answer, reveal),
        "answered_at": c.answered_at,
        "citizen": {
            "name": citizen.name if reveal else privacy.mask_name(citizen.name),
            "phone": citizen.phone if reveal else privacy.mask_phone(citizen.phone),
            "email": citizen.email if reveal else privacy.mask_email(citizen.email),
            "contact_consent": citizen.contact_consent_at is not None,
        }
        if citizen
        else None,
        "personal_data_masked": not reveal,
        "messages": [
            {
                "direction": m.direction,
                "purpose": m.purpose,
                "channel": m.channel,
                "body": masked(privacy.without_status_tokens(m.body), reveal),
                "delivery": m.delivery,
                "created_at": m.created_at,
            }
            for m in c.messages.filter(deleted_at__isnull=True)
        ],
        "timeline": [
            {
                "action": e.action,
                "label": e.label,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": masked(e.note, reveal),
                "actor": (e.actor.get_full_name() or e.actor.username) if e.actor else "",
                "created_at": e.created_at,
            }
            for e in c.events.exclude(action__in=ACCESS_LOG_ACTIONS).select_related("actor")
        ],
        "actions": [a.name for a in available_actions(user, c)],
    }


# --- complaints ----------------------------------------------------------------------------


class ListQuery(Schema):
    q: str = Field("", description="검색어 (형태소 검색, 접수번호)")
    state: str = Field("", description="상태 코드")
    department: int | None = Field(None, description="부서 ID")
    channel: str = Field("", description="접수 채널")
    area: str = Field("", description="읍면동 코드")
    overdue: bool = Field(False, description="기한 경과만")
    notice_problem: bool = Field(False, description="통보 대기·발송 실패만")
    date_from: dt.date | None = Field(None, description="접수일 부터 (YYYY-MM-DD)")
    date_to: dt.date | None = Field(None, description="접수일 까지 (YYYY-MM-DD)")
    cursor: str = Field("", description="앞 응답의 next_cursor")
    limit: int = Field(50, ge=1, le=PAGE_LIMIT, description="한 번에 가져올 수 (최대 100)")


@api.get(
    "/complaints",
    response={200: Page, 400: Error},
    summary="민원 목록",
    description="직원 화면의 목록과 같은 조건·검색. 최근 접수 순, cursor로 다음 쪽.",
    tags=["민원"],
    url_name="complaint_list",
)
def complaint_list(request: HttpRequest, filters: Query[ListQuery]):
    found = caller(request, "read")
    data = filters.dict()
    form_data = {
        key: value
        for key, value in data.items()
        if key not in {"cursor", "limit", "area"} and value not in (None, "", False)
    }
    if data["area"]:
        area = Area.objects.filter(code=data["area"]).first()
        if area is None:
            raise HttpError(400, "읍면동 코드가 올바르지 않습니다.")
        form_data["area"] = area.pk
    form = ListFilter(form_data)
    if not form.is_valid():
        raise HttpError(400, form_errors(form))
    queryset = form.apply(found.complaints()).select_related("department", "area")
    if data["cursor"]:
        moment, pk = decode_cursor(data["cursor"])
        queryset = queryset.filter(Q(received_at__lt=moment) | Q(received_at=moment, pk__lt=pk))
    rows = list(queryset.order_by("-received_at", "-pk")[: data["limit"] + 1])
    # Titles masked for everyone, as in the staff lists (a list travels further than a case).
    items = [summary(c, reveal=False) for c in rows[: data["limit"]]]
    more = len(rows) > data["limit"]
    return {"items": items, "next_cursor": encode_cursor(rows[data["limit"] - 1]) if more else None}


@api.get(
    "/complaints/{receipt_no}",
    response={200: ComplaintDetail, 404: Error},
    summary="민원 한 건",
    description="내용, 대화, 처리 경과, 지금 할 수 있는 처리.",
    tags=["민원"],
    url_name="complaint_detail",
)
def complaint_detail(request: HttpRequest, receipt_no: str):
    return detail(request, get_case(request, receipt_no, "read"))


@api.post(
    "/complaints",
    response={200: Created, 201: Created, 400: Error, 403: Error},
    summary="민원 접수",
    description="콜센터 등 다른 접수 창구에서 받은 민원을 넣습니다. 누리집 신청과 같은 접수 절차"
    "(접수번호, 처리기한, 주민등록번호 삭제, 배정 추천)를 거칩니다.",
    tags=["민원"],
    url_name="complaint_create",
)
def complaint_create(request: HttpRequest, data: ComplaintIn):
    found = caller(request, "create")
    if data.kind not in Kind.values:
        raise HttpError(400, "민원 종류가 올바르지 않습니다.")
    if data.channel not in {Channel.PHONE, Channel.WEB}:
        raise HttpError(400, "channel은 phone 또는 web입니다.")
    area = None
    if data.area_code:
        area = Area.objects.filter(code=data.area_code).first()
        if area is None:
            raise HttpError(400, "읍면동 코드가 올바르지 않습니다.")
    account = f"api:{found.key.prefix}"
    external_id = data.external_id.strip() or None
    earlier = already_received(account, external_id)
    if earlier is not None:
        return Status(200, created(earlier))
    consent = data.contact_consent
    intake = Intake(
        channel=data.channel,
        account=account,
        external_message_id=external_id,
        body=data.body,
        title=data.title,
        kind=data.kind,
        area=area,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        name=data.name if consent else "",
        phone=data.phone if consent else "",
        email=data.email if consent else "",
        contact_consent=consent,
        ip=client_ip(request),
    )
    try:
        complaint = receive_complaint(intake)
    except IntegrityError:  # the same external_id sent twice at once: the other one won
        earlier = already_received(account, external_id)
        if earlier is None:
            raise
        return Status(200, created(earlier))
    return Status(201, created(complaint))


def created(complaint: Complaint) -> dict[str, Any]:
    return {
        "receipt_no": complaint.receipt_no,
        "state": complaint.state,
        "due_at": complaint.due_at,
    }


def already_received(account: str, external_id: str | None) -> Complaint | None:
    """The complaint this key already sent under this id (its first message carries it)."""
    if not external_id:
        return None
    message = (
        Message.objects.filter(account=account, external_id=external_id)
        .select_related("complaint")
        .first()
    )
    return message.complaint if message else None


@api.get(
    "/complaints/{receipt_no}/actions",
    response={200: list[ActionOut], 404: Error},
    summary="할 수 있는 처리",
    tags=["처리"],
    url_name="action_list",
)
def action_list(request: HttpRequest, receipt_no: str):
    c = get_case(request, receipt_no, "read")
    return [
        {"name": a.name, "label": str(a.label)}
        for a in available_actions(request.auth.user, c)  # type: ignore[attr-defined]
    ]


@api.post(
    "/complaints/{receipt_no}/actions/{action}",
    response={200: ComplaintDetail, 202: Error, 400: Error, 403: Error, 404: Error},
    summary="처리하기",
    description="직원 화면의 처리 단추와 같은 처리(assign, start, record_action, request_info, "
    "submit, approve, notify, close, transfer …)를 같은 권한 검사로 합니다. 상태가 맞지 않거나"
    " 권한이 없으면 400/403과 그 이유를 돌려줍니다. 처리 뒤 민원이 키의 범위를 벗어나면"
    " (다른 부서로 배정 등) 202와 안내만 돌려줍니다.",
    tags=["처리"],
    url_name="action_perform",
)
def action_perform(request: HttpRequest, receipt_no: str, action: str, data: ActionIn):
    found = caller(request, "act")
    c = get_case(request, receipt_no, "act")
    if action not in ACTIONS:
        raise Http404
    if ACTIONS[action] not in available_actions(found.user, c):
        allowed = c.state in ACTIONS[action].sources
        raise HttpError(
            403 if allowed else 400,
            f"'{ACTIONS[action].label}' 권한이 없습니다."
            if allowed
            else f"현재 상태({c.get_state_display()})에서는 '{ACTIONS[action].label}'을(를) 할 수 없습니다.",
        )
    params = {k: ("" if v is None else str(v)) for k, v in data.dict().items()}
    if data.department is not None and found.key.department_id:
        if not found.departments().filter(pk=data.department).exists():
            raise HttpError(403, "이 키의 부서 밖으로는 보낼 수 없습니다.")
    try:
        perform(c, action, found.user, ip=client_ip(request), **params)
    except WorkflowError as exc:
        raise HttpError(400, str(exc)) from exc
    after = found.complaints().select_related("department", "assignee", "citizen", "area")
    updated = after.filter(pk=c.pk).first()
    if updated is None:  # sent out of the key's sight (assigned elsewhere): say what was done
        return Status(
            202,
            {
                "detail": f"'{ACTIONS[action].label}' 처리했습니다. 이 민원은 이제 이 키의 범위 밖입니다."
            },
        )
    return detail(request, updated)


# --- reference data and reports ------------------------------------------------------------


@api.get(
    "/departments",
    response=list[DepartmentOut],
    summary="부서 목록",
    tags=["기준 정보"],
    url_name="departments",
)
def departments(request: HttpRequest):
    found = caller(request, "read")
    return [
        {
            "id": d.pk,
            "name": d.name,
            "kind": d.kind,
            "parent_id": d.parent_id,
            "phone": d.phone,
            "is_active": d.is_active,
        }
        for d in found.departments()
    ]


@api.get(
    "/areas",
    response=list[AreaOut],
    summary="읍면동 목록",
    tags=["기준 정보"],
    url_name="areas",
)
def areas(request: HttpRequest):
    caller(request, "read")
    return [
        {"code": a.code, "name": a.name, "kind": a.kind, "legal_units": a.legal_units}
        for a in Area.objects.all()
    ]


class ReportQuery(Schema):
    start: dt.date | None = Field(None, description="시작일 (기본: 종료일 29일 전)")
    end: dt.date | None = Field(None, description="종료일 (기본: 오늘)")


@api.get(
    "/reports",
    response={200: ReportOut, 400: Error},
    summary="부서별 통계",
    description="직원 화면 '통계'와 같은 숫자 (이 키가 볼 수 있는 민원 기준).",
    tags=["통계"],
    url_name="reports",
)
def report(request: HttpRequest, period: Query[ReportQuery]):
    found = caller(request, "read")
    form = ReportPeriod({k: v for k, v in period.dict().items() if v is not None})
    if not form.is_valid():
        raise HttpError(400, form_errors(form))
    start, end = form.period(timezone.localdate())
    data = reports.build(start, end, found.complaints(consulted=False))  # as /reports/

    def row(r: reports.Row) -> dict[str, Any]:
        return {key: getattr(r, key) for key, _ in reports.COLUMNS}

    return {
        "start": start,
        "end": end,
        "rows": [row(r) for r in data.rows],
        "total": row(data.total),
    }
