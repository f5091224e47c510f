"""누리집 intake: the public complaint form and the token-protected status page."""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from ontong.accounts.network import client_ip
from ontong.complaints import privacy, satisfaction
from ontong.complaints.models import Channel, Complaint, Event, Message, Satisfaction, State
from ontong.complaints.services import (
    Intake,
    clean_text,
    receive_complaint,
    status_token_matches,
)

from .forms import FollowUpForm, IntakeForm, StatusLookupForm, SurveyForm

PUBLIC_EVENTS = {
    "received",
    "assign",
    "reassign",
    "start",
    "request_info",
    "resume",
    "notify",
    "close",
    "transfer",
    "reject",
    "withdraw",
    "mark_duplicate",
    "extend",
    "reopen",
    "close_repeated",
}


def ratelimited(request, exception=None):
    return render(request, "channels_web/ratelimited.html", status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda g, r: settings.ONTONG_INTAKE_RATE, method="POST", block=True)
def intake(request):
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        complaint = receive_complaint(
            Intake(
                channel=Channel.WEB,
                body=data["body"],
                title=data["title"],
                area=data["area"],
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
        return redirect(status_link(complaint) + "&new=1")
    status = 400 if request.method == "POST" else 200
    return render(request, "channels_web/intake.html", {"form": form}, status=status)


def status_link(complaint: Complaint) -> str:
    path = reverse("channels_web:status", args=[complaint.receipt_no])
    return f"{path}?{urlencode({'t': complaint.status_token})}"


@ratelimit(key="ip", rate="60/m", block=True)
def status_lookup(request):
    form = StatusLookupForm(request.GET or None)
    if request.GET and form.is_valid():
        path = reverse("channels_web:status", args=[form.cleaned_data["receipt_no"]])
        return redirect(f"{path}?{urlencode({'t': form.cleaned_data['token']})}")
    return render(request, "channels_web/lookup.html", {"form": form})


def complaint_for_token(receipt_no: str, token: str) -> Complaint:
    """The same 404 for an unknown number and a wrong token: nothing is enumerable."""
    complaint = (
        Complaint.objects.select_related("department", "area").filter(receipt_no=receipt_no).first()
    )
    if complaint is None or not status_token_matches(complaint, token):
        raise Http404("접수번호나 조회 코드가 맞지 않습니다.")
    return complaint


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="60/m", block=True)
def status(request, receipt_no: str):
    token = request.GET.get("t", "")
    complaint = complaint_for_token(receipt_no, token)
    answered = complaint.state in {State.NOTIFIED, State.CLOSED}
    posted_survey = request.method == "POST" and "survey" in request.POST
    form = FollowUpForm(request.POST if request.method == "POST" and not posted_survey else None)
    survey = SurveyForm(request.POST if posted_survey else None)
    if posted_survey and answered and survey.is_valid():
        satisfaction.record_answer(
            complaint,
            Channel.WEB,
            score=survey.cleaned_data["score"] or None,
            unresolved=survey.cleaned_data["unresolved"],
            comment=privacy.remove_rrns(clean_text(survey.cleaned_data["comment"]))[0],
            ip=client_ip(request),
        )
        return redirect(status_link(complaint) + "&thanks=1")
    if request.method == "POST" and not posted_survey and complaint.is_open and form.is_valid():
        add_follow_up(complaint, form.cleaned_data["body"], client_ip(request))
        return redirect(status_link(complaint))
    events = complaint.events.filter(action__in=PUBLIC_EVENTS)
    messages = complaint.messages.exclude(delivery=Message.Delivery.FAILED, direction="out")
    response = render(
        request,
        "channels_web/status.html",
        {
            "complaint": complaint,
            "events": events,
            "thread": messages,
            "form": form,
            "is_new": request.GET.get("new") == "1",
            "token": token,
            "show_answer": answered,
            "survey": survey if answered else None,
            "answered_survey": Satisfaction.objects.filter(complaint=complaint).first(),
            "thanks": request.GET.get("thanks") == "1",
        },
    )
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response["Cache-Control"] = "no-store"
    return response


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


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /minwon/status/\n", content_type="text/plain")
