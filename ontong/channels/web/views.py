"""누리집 intake: the public complaint form and the token-protected status page."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from ontong import geo, images
from ontong.accounts.network import client_ip
from ontong.complaints import notices, privacy, satisfaction, wording
from ontong.complaints.models import (
    Attachment,
    Channel,
    Complaint,
    Event,
    Message,
    Satisfaction,
    State,
)
from ontong.complaints.services import Intake, clean_text, receive_complaint
from ontong.org.models import Area

from . import nearby, progress, receipt_link, status_grants
from .forms import (
    MAX_PHOTOS,
    FollowForm,
    FollowUpForm,
    IntakeForm,
    PointForm,
    StatusLookupForm,
    SurveyForm,
)


class RateLimitedRequest(HttpRequest):
    limited: bool  # set by django-ratelimit's decorator


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "channels_web/ratelimited.html", status=429)


TOO_MANY = _(
    "짧은 시간에 너무 많이 보내셔서 잠시 받지 않고 있습니다. 적으신 내용은 아래에 그대로 있으니, "
    "잠시 뒤 다시 보내 주세요."
)
PHOTOS_AGAIN = _("보안을 위해 사진은 다시 골라 주세요.")


def refused(request: HttpRequest) -> dict[str, Any]:
    """What a form page says when it gives the citizen's input back: why, and about photos,
    which a browser never fills in again."""
    return {
        "refusal": TOO_MANY if getattr(request, "limited", False) else None,
        "photos_again": PHOTOS_AGAIN if request.FILES else None,
    }


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda g, r: settings.ONTONG_INTAKE_RATE, method="POST", block=False)
def intake(request: RateLimitedRequest) -> HttpResponse:
    if request.method == "POST" and request.limited:
        form = IntakeForm(request.POST)  # shown again as typed, not processed
        return intake_page(request, form, status=429)
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        complaint = receive_complaint(
            Intake(
                channel=Channel.WEB,
                body=data["body"],
                title=data["title"],
                area=data["area"] or area_at(data["latitude"], data["longitude"]),
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                contact_consent=data["consent"],
                files=data["photos"],
                ip=client_ip(request),
            )
        )
        status_grants.grant(request.session, complaint)
        return redirect(status_path(complaint, new=1))
    return intake_page(request, form, status=400 if request.method == "POST" else 200)


def area_at(lat: Decimal | None, lng: Decimal | None) -> Area | None:
    """The 읍면동 of the pin, when the citizen placed one and did not choose a 읍면동."""
    if lat is None or lng is None:
        return None
    name = geo.area_name_at(float(lat), float(lng))
    return Area.objects.filter(name=name).first() if name else None


def intake_page(
    request: HttpRequest, form: Form, status: int, refusal: object = None
) -> HttpResponse:
    days = settings.ONTONG_RETENTION_DAYS
    retention = _("%(n)d년") % {"n": days // 365} if days % 365 == 0 else _("%(n)d일") % {"n": days}
    context = {
        "form": form,
        "retention": retention,
        "max_photos": MAX_PHOTOS,
        "map": geo.map_config().as_data(),
        "geocoder": geo.geocoder_configured(),
        **refused(request),
    }
    if refusal:
        context["refusal"] = refusal
    return render(request, "channels_web/intake.html", context, status=status)


@require_http_methods(["GET"])
@ratelimit(key="ip", rate="60/m", block=False)
def near(request: RateLimitedRequest) -> HttpResponse:
    """Open reports near a pin, as the form shows them: title, plain state, date — nothing else."""
    form = PointForm(request.GET)
    if request.limited or not form.is_valid():
        return JsonResponse({"cases": []}, status=429 if request.limited else 400)
    found = nearby.near(form.cleaned_data["lat"], form.cleaned_data["lng"])
    return JsonResponse(
        {
            "cases": [
                {
                    "receipt_no": n.receipt_no,
                    "title": n.title,
                    "state": n.state,
                    "received": n.received_at.date().isoformat(),
                    "distance_m": n.distance_m,
                }
                for n in found
            ]
        }
    )


@require_http_methods(["GET"])
@ratelimit(key="ip", rate="30/m", block=False)
def address(request: RateLimitedRequest) -> HttpResponse:
    """The address at a pin from the configured reverse geocoder ("" when there is none)."""
    form = PointForm(request.GET)
    if request.limited or not form.is_valid():
        return JsonResponse({"address": ""}, status=429 if request.limited else 400)
    return JsonResponse(
        {"address": geo.reverse_geocode(form.cleaned_data["lat"], form.cleaned_data["lng"])}
    )


FOLLOW_REFUSED = _(
    "그 민원은 따라갈 수 없습니다(이미 처리가 끝났거나 지도의 위치와 멀리 있습니다)."
)


@require_http_methods(["POST"])
@ratelimit(key="ip", rate=lambda g, r: settings.ONTONG_INTAKE_RATE, method="POST", block=False)
def follow(request: RateLimitedRequest) -> HttpResponse:
    """ "이미 접수된 민원인가요?" → this case: the citizen's words join it instead of a new case."""
    form = FollowForm(request.POST)
    if request.limited:
        return ratelimited(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = nearby.followable(data["receipt_no"], data["latitude"], data["longitude"])
        except nearby.FollowRefused:
            pass
        else:
            nearby.follow(complaint, data["body"], client_ip(request), data["phone"])
            nearby.remember(request.session, complaint.receipt_no)
            return redirect("channels_web:following", receipt_no=complaint.receipt_no)
    typed = {
        name: request.POST.get(name, "")[:10_000]
        for name in ("body", "latitude", "longitude", "phone")
    }
    # A phone without consent (or not a mobile number) is the citizen's to fix: say so.
    contact_errors = form.errors.get("consent") or form.errors.get("phone")
    refusal = contact_errors[0] if contact_errors else FOLLOW_REFUSED
    return intake_page(request, IntakeForm(initial=typed), status=400, refusal=refusal)


def following(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """A followed case as any citizen may see it: steps, department and contact, no conversation."""
    if "f" in request.GET and nearby.receipt_for_key(request.GET["f"]) == receipt_no:
        nearby.remember(request.session, receipt_no)  # a bookmark on another device
    if not nearby.follows(request.session, receipt_no):
        raise Http404
    complaint = status_grants.find(receipt_no)
    if complaint is None:
        raise Http404
    events = list(complaint.events.filter(action__in=progress.PUBLIC_EVENTS))
    context = {
        "complaint": complaint,
        "title": nearby.public_title(complaint),
        "steps": progress.steps(complaint, events),
        "state_words": wording.state_words(complaint),
        "contact": progress.contact(complaint),
        "bookmark": request.build_absolute_uri(
            f"{request.path}?{urlencode({'f': notices.follow_key(receipt_no)})}"
        ),
    }
    response = render(request, "channels_web/following.html", context)
    response["Cache-Control"] = "no-store"
    return response


def status_path(complaint: Complaint, **flags: object) -> str:
    """The status page's address: never with the token, so it stays out of logs and Referers."""
    path = reverse("channels_web:status", args=[complaint.receipt_no])
    return f"{path}?{urlencode(flags)}" if flags else path


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="60/m", block=False)
def status_lookup(request: RateLimitedRequest) -> HttpResponse:
    """접수번호 + 조회 코드, posted (a GET with both still works for old bookmarks)."""
    data = request.POST if request.method == "POST" else request.GET
    form = StatusLookupForm(data if "receipt_no" in data else None)
    if form.is_bound and request.limited:
        context = {"form": form, **refused(request)}
        return render(request, "channels_web/lookup.html", context, status=429)
    if form.is_bound and form.is_valid():
        receipt_no, token = form.cleaned_data["receipt_no"], form.cleaned_data["token"]
        if status_grants.too_many_failures(receipt_no):
            form.add_error(None, TOO_MANY_TRIES)
            return render(request, "channels_web/lookup.html", {"form": form}, status=429)
        complaint = status_grants.complaint_for_secret(receipt_no, token)
        if complaint is not None:
            status_grants.grant(request.session, complaint)
            return redirect(status_path(complaint))
        status_grants.record_failure(receipt_no)
        form.add_error(None, NOT_FOUND)
        return render(request, "channels_web/lookup.html", {"form": form}, status=404)
    return render(request, "channels_web/lookup.html", {"form": form})


NOT_FOUND = _("접수번호나 조회 코드가 맞지 않습니다.")
TOO_MANY_TRIES = _(
    "이 접수번호로 틀린 코드가 여러 번 들어와 한 시간 동안 조회를 막았습니다. 안내 문자·메일의 링크를 "
    "누르거나 잠시 뒤 다시 해 주세요."
)


def ask_for_code(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """No grant in this browser (a bookmark, another phone) or a wrong code: the lookup form with
    the number filled in — the same 404 page for every number, so nothing is enumerable."""
    form = StatusLookupForm(initial={"receipt_no": receipt_no[:11]})
    context = {"form": form, "ask_again": True}
    return render(request, "channels_web/lookup.html", context, status=404)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="60/m", block=False)
def status(request: RateLimitedRequest, receipt_no: str) -> HttpResponse:
    if request.limited and request.method == "GET":
        return ratelimited(request)
    if "t" in request.GET:
        # A link from a notice (SMS, e-mail, Messenger): trade its token for a grant in this
        # browser's session and continue on the address without it.
        complaint = status_grants.complaint_for_token(receipt_no, request.GET["t"])
        if complaint is None:
            return ask_for_code(request, receipt_no)
        status_grants.grant(request.session, complaint)
        if request.method == "GET":
            return redirect(status_path(complaint))
        # A form on a page opened before links were traded: take what it sent.
    else:
        complaint = status_grants.complaint_for_session(request.session, receipt_no)
        if complaint is None:
            return ask_for_code(request, receipt_no)
    answered = complaint.state in {State.NOTIFIED, State.CLOSED}
    posted = request.method == "POST" and not request.limited
    posted_survey = request.method == "POST" and "survey" in request.POST
    form = FollowUpForm(request.POST if request.method == "POST" and not posted_survey else None)
    survey = SurveyForm(request.POST if posted_survey else None)
    if posted and posted_survey and answered and survey.is_valid():
        satisfaction.record_answer(
            complaint,
            Channel.WEB,
            score=survey.cleaned_data["score"] or None,
            unresolved=survey.cleaned_data["unresolved"],
            comment=privacy.remove_rrns(clean_text(survey.cleaned_data["comment"]))[0],
            ip=client_ip(request),
        )
        return redirect(status_path(complaint, thanks=1))
    if posted and "send_link" in request.POST:
        route = request.POST["send_link"]
        try:
            receipt_link.send_link(complaint, route)
        except receipt_link.TooMany:
            return redirect(status_path(complaint, link="many"))
        except receipt_link.NotOffered:
            return redirect(status_path(complaint))
        return redirect(status_path(complaint, link=route))
    if posted and not posted_survey and complaint.is_open and form.is_valid():
        add_follow_up(complaint, form.cleaned_data["body"], client_ip(request))
        return redirect(status_path(complaint, sent=1))
    events = list(complaint.events.filter(action__in=progress.PUBLIC_EVENTS))
    # The receipt and the survey request say what this page already shows (with a link to it).
    messages = (
        complaint.messages.exclude(delivery=Message.Delivery.FAILED, direction="out")
        .exclude(purpose__in=[Message.Purpose.ACK, Message.Purpose.SURVEY])
        # has_key too: on SQLite a message without a route has NULL there, and NOT (NULL = …)
        # would drop every ordinary message as well.
        .exclude(extra__has_key="route", extra__route__in=list(receipt_link.ROUTES))
        .exclude(recipient__isnull=False)  # to someone following the case, not this citizen
    )
    response = render(
        request,
        "channels_web/status.html",
        {
            "complaint": complaint,
            "events": [(event, progress.event_words(event)) for event in events],
            "steps": progress.steps(complaint, events),
            "state_words": wording.state_words(complaint),
            "thread": messages,
            "form": form,
            "is_new": request.GET.get("new") == "1",
            "sent": request.GET.get("sent") == "1",
            "token": complaint.status_token,
            "token_groups": token_groups(complaint.status_token),
            "short_code": status_grants.display_code(status_grants.short_code(complaint)),
            "photos": citizen_photos(complaint),
            "photo_count": complaint.attachments.count(),
            "map": geo.map_config().as_data(),
            "contact": progress.contact(complaint),
            "link_routes": receipt_link.offered(complaint),
            "link": request.GET.get("link", ""),
            "show_answer": answered,
            "survey": survey if answered else None,
            "answered_survey": Satisfaction.objects.filter(complaint=complaint).first(),
            "thanks": request.GET.get("thanks") == "1",
            **refused(request),
            "refused_form": "survey" if posted_survey else "follow_up",
        },
        status=429 if request.method == "POST" and request.limited else 200,
    )
    # The address carries no secret, so the browser may send its origin with the page's forms
    # (no-referrer made chromium post "Origin: null", which the CSRF check refuses).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def citizen_photos(complaint: Complaint) -> "QuerySet[Attachment]":
    """The photos the citizen sent (stored ones), shown back on their receipt."""
    return (
        complaint.attachments.exclude(file="")
        .exclude(message__direction=Message.Direction.OUT)
        .order_by("pk")
    )


@require_http_methods(["GET"])
def status_photo(request: HttpRequest, receipt_no: str, attachment_id: int) -> HttpResponseBase:
    """A photo the citizen sent, for the holder of the case's grant (as images.serve checks it)."""
    complaint = status_grants.complaint_for_session(request.session, receipt_no)
    if complaint is None:
        raise Http404
    attachment = citizen_photos(complaint).filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = images.serve(attachment.file, f"{complaint.receipt_no}-{attachment.pk}")
    response["Cache-Control"] = "private, no-store"
    return response


def token_groups(token: str) -> str:
    """The code in groups of four, easier to copy by hand; the lookup ignores the spaces."""
    return " ".join(token[i : i + 4] for i in range(0, len(token), 4))


@transaction.atomic
def add_follow_up(complaint: Complaint, body: str, ip: str | None) -> None:
    body, removed = privacy.remove_rrns(clean_text(body))
    Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.IN,
        channel=complaint.channel,
        account="web",
        body=body,
    )
    Event.objects.create(
        complaint=complaint,
        action="citizen_message",
        ip=ip,
        note="민원인이 추가 내용을 보냈습니다." + (" (주민등록번호 삭제)" if removed else ""),
    )


def robots(request: HttpRequest) -> HttpResponse:
    return HttpResponse("User-agent: *\nDisallow: /minwon/status/\n", content_type="text/plain")
