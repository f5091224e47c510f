from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.delivery import Outbound, States

from .aggregates import KoreanMonth, WaitTenths


class Channel(models.TextChoices):
    WEB = "web", _("누리집")
    MESSENGER = "messenger", _("페이스북 메신저")
    INSTAGRAM = "instagram", _("인스타그램")
    FB_COMMENT = "fb_comment", _("페이지 댓글")
    IG_COMMENT = "ig_comment", _("인스타그램 댓글")
    KAKAO = "kakao", _("카카오톡")
    PHONE = "phone", _("전화·방문")


class Kind(models.TextChoices):
    INQUIRY = "질의", _("질의민원")
    SUGGESTION = "건의", _("건의민원")
    GRIEVANCE = "고충", _("고충민원")
    OTHER = "기타", _("기타민원")
    STATUTORY = "법정", _("법정민원")


class State(models.TextChoices):
    RECEIVED = "received", _("접수")
    ASSIGNED = "assigned", _("배정")
    IN_PROGRESS = "in_progress", _("처리중")
    DRAFTED = "drafted", _("결재 대기")
    APPROVED = "approved", _("결재완료")
    NOTIFIED = "notified", _("통보완료")
    CLOSED = "closed", _("종결")
    NEEDS_INFO = "needs_info", _("보완요청")
    TRANSFERRED = "transferred", _("이송")
    REJECTED = "rejected", _("반려")
    WITHDRAWN = "withdrawn", _("취하")


FINAL_STATES = {State.CLOSED, State.TRANSFERRED, State.REJECTED, State.WITHDRAWN}
# States where the legal clock no longer runs against the city.
CLOCK_STOPPED = FINAL_STATES | {State.NOTIFIED, State.NEEDS_INFO}
# The same sets named positively: a list of states can use the (department, state) index, a
# NOT IN cannot (bench/scale.py).
NOT_FINAL = sorted(set(State) - FINAL_STATES)
CLOCK_RUNNING = sorted(set(State) - CLOCK_STOPPED)


class CityHoliday(models.Model):
    """A day the city does not work that `holidays` does not know: 임시공휴일, 지방공휴일."""

    date = models.DateField(_("날짜"), unique=True)
    name = models.CharField(_("이름"), max_length=100)

    class Meta:
        verbose_name = _("임시·지방 공휴일")
        verbose_name_plural = _("임시·지방 공휴일")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class KindPeriod(models.Model):
    """The processing period of a 민원 kind, as the city publishes it (민원처리법 시행령 제14–17조)."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("근무시간")
        DAYS = "days", _("일")

    kind = models.CharField(_("민원 종류"), max_length=4, choices=Kind.choices, unique=True)
    unit = models.CharField(_("단위"), max_length=5, choices=Unit.choices)
    amount = models.PositiveIntegerField(_("기간"))

    class Meta:
        verbose_name = _("처리기간")
        verbose_name_plural = _("처리기간")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}{self.get_unit_display()}"


SNS_CHANNELS = ("messenger", "instagram", "fb_comment", "ig_comment", "kakao")


class FirstAnswerTarget(models.Model):
    """The city's own target for SNS 소통민원: a person's first answer within so many working
    hours of receipt (8 = within the working day). One row; changes apply to new cases."""

    working_hours = models.PositiveSmallIntegerField(
        _("첫 답변 목표 (근무시간)"), default=8, help_text=_("8 = 근무일 하루 안")
    )
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("SNS 첫 답변 목표")
        verbose_name_plural = _("SNS 첫 답변 목표")

    def __str__(self) -> str:
        return f"{self.working_hours}근무시간"


class ApprovalOption(models.Model):
    """How the city runs 결재. One row (none: the defaults)."""

    notify_on_approval = models.BooleanField(
        _("결재 후 바로 통보"),
        default=True,
        help_text=_("결재하면 같은 단계에서 민원인에게 처리 결과를 통보합니다."),
    )

    class Meta:
        verbose_name = _("결재 설정")
        verbose_name_plural = _("결재 설정")

    def __str__(self) -> str:
        return str(_("결재 설정"))


class Citizen(models.Model):
    """A person who reached us; personal fields are optional and shown masked by default."""

    name = models.CharField(_("성명"), max_length=60, blank=True)
    phone = models.CharField(_("연락처"), max_length=40, blank=True)
    email = models.EmailField(_("이메일"), blank=True)
    contact_consent_at = models.DateTimeField(
        _("연락처 수집·이용 동의 시각"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("민원인")
        verbose_name_plural = _("민원인")

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class Question(models.TextChoices):
    """What the city last asked the citizen in a conversation, so their next message is read as
    its answer (channels/conversation)."""

    NONE = "", _("없음")
    NEW = "new", _("새 민원 내용")
    CONSENT = "consent", _("연락처 수집 동의")
    PHONE = "phone", _("휴대전화 번호")
    EMAIL = "email", _("이메일 주소")
    SURVEY = "survey", _("만족도")
    SURVEY_COMMENT = "survey_comment", _("만족도 의견")


class ChannelIdentity(models.Model):
    """How one citizen is known on one channel account (a page, an IG account, the website)."""

    citizen = models.ForeignKey(Citizen, models.CASCADE, related_name="identities")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    account = models.CharField(_("채널 계정"), max_length=100)
    external_user_id = models.CharField(_("채널 사용자 ID"), max_length=200)
    display_name = models.CharField(max_length=100, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    pending_question = models.CharField(
        max_length=20, blank=True, choices=Question.choices, default=Question.NONE
    )
    # The case the pending question is about (the survey's), when it is about one.
    pending_complaint = models.ForeignKey(
        "Complaint", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "account", "external_user_id"], name="complaints_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.account}:{self.external_user_id}"

    def ask(self, question: Question, complaint: "Complaint | None" = None) -> None:
        """Remember the question (Question.NONE: none is pending)."""
        self.pending_question = question
        self.pending_complaint = complaint
        self.save(update_fields=["pending_question", "pending_complaint"])


class ReceiptSequence(models.Model):
    """A year's receipt numbers. SQLite: `last` is the last number given. PostgreSQL: the numbers
    come from one database sequence (RECEIPT_SEQUENCE) without a row lock, and a year's number is
    the sequence's value minus the year's `sequence_base` (set at the year's first number)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
    sequence_base = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Complaint(models.Model):
    receipt_no = models.CharField(_("접수번호"), max_length=20, unique=True)
    kind = models.CharField(_("민원 종류"), max_length=4, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("제목"), max_length=200)
    body = models.TextField(_("내용"))
    state = models.CharField(
        _("상태"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    channel = models.CharField(_("접수 채널"), max_length=20, choices=Channel.choices)
    citizen = models.ForeignKey(
        Citizen, models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    identity = models.ForeignKey(ChannelIdentity, models.SET_NULL, null=True, blank=True)
    department = models.ForeignKey(
        "org.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("담당 부서"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        verbose_name=_("담당자"),
    )
    area = models.ForeignKey(
        "org.Area", models.SET_NULL, null=True, blank=True, verbose_name=_("읍면동")
    )
    address = models.CharField(_("주소·위치"), max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    received_at = models.DateTimeField(_("접수 시각"), db_index=True)
    due_at = models.DateTimeField(_("처리기한"), null=True, blank=True, db_index=True)
    original_due_at = models.DateTimeField(_("처음 처리기한"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("연장 횟수"), default=0)
    progress_notices = models.PositiveSmallIntegerField(_("중간통지 횟수"), default=0)
    action_note = models.TextField(_("조치 내용"), blank=True)
    answer = models.TextField(_("처리 결과(답변)"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    transfer_agency = models.CharField(_("이송 기관"), max_length=100, blank=True)
    state_reason = models.TextField(_("사유"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("중복 원민원"),
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("관련 민원"))
    status_token = models.CharField(max_length=64, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("결과 통보 시각"), null=True, blank=True, db_index=True)
    first_answer_due_at = models.DateTimeField(_("첫 답변 목표"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("첫 답변 시각"), null=True, blank=True)
    routing_due_at = models.DateTimeField(_("배정·이송 기한"), null=True, blank=True)
    multi_party_people = models.PositiveIntegerField(
        _("다수인관련민원 인원"), null=True, blank=True
    )
    multi_party_interest = models.CharField(_("공동의 이해"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by the database for the reports (aggregates.py).
    received_month = models.GeneratedField(
        expression=KoreanMonth("received_at"), output_field=models.IntegerField(), db_persist=True
    )
    answered_month = models.GeneratedField(
        expression=KoreanMonth("answered_at"), output_field=models.IntegerField(), db_persist=True
    )
    wait_tenths = models.GeneratedField(
        expression=WaitTenths("received_at", "answered_at"),
        output_field=models.IntegerField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("민원")
        verbose_name_plural = _("민원")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["state", "-received_at"], name="complaint_state_recv"),
            # "이미 접수된 민원인가요?" and the staff map: cases in a latitude/longitude box.
            models.Index(
                fields=["latitude", "longitude"],
                name="complaint_location",
                condition=models.Q(latitude__isnull=False),
            ),
            models.Index(
                fields=["department", "state", "-received_at"], name="complaint_dept_state"
            ),
            # The report's counts, read from the indexes alone (bench/scale.py: a year of a
            # million complaints); also the similar-case index's "answered since".
            models.Index(
                fields=[
                    "received_at",
                    "department",
                    "received_month",
                    "extensions",
                    "multi_party_people",
                    "first_answer_due_at",
                    "first_answered_at",
                ],
                name="complaint_received_report",
            ),
            models.Index(
                fields=[
                    "answered_at",
                    "department",
                    "due_at",
                    "received_at",
                    "wait_tenths",
                    "answered_month",
                ],
                name="complaint_answered_report",
            ),
            models.Index(fields=["state", "due_at", "department"], name="complaint_state_due"),
            models.Index(
                fields=["received_at"],
                condition=models.Q(multi_party_people__isnull=False),
                name="complaint_multi_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES and self.state != State.NOTIFIED


class DueFact(models.Model):
    """A fact the due time follows from, besides receipt and kind (deadlines.compute_due): a 보완
    pause, an extension the citizen was told, or the case taken up again with a new period."""

    class Kind(models.TextChoices):
        PAUSE = "pause", _("보완 대기")
        EXTENSION = "extension", _("처리기간 연장")
        RESTART = "restart", _("다시 처리")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="due_facts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # pause: the request sent; extension: granted; restart: the new period's start.
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)  # pause: the answer arrived
    until = models.DateTimeField(null=True, blank=True)  # extension: the date told

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("처리기한 근거")
        verbose_name_plural = _("처리기한 근거")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.start:%Y-%m-%d %H:%M}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.complaint.received_at:%Y/%m}/{instance.complaint.receipt_no}/{filename}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        "Message", models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    source_url = models.TextField(blank=True)  # a platform CDN URL still to fetch
    fetch_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name or self.file.name or ""


class Message(Outbound):
    """One message in the conversation. Outbound messages are also the delivery records
    (`ontong.delivery`)."""

    class Direction(models.TextChoices):
        IN = "in", _("시민")
        OUT = "out", _("시청")

    class Purpose(models.TextChoices):
        CITIZEN = "citizen", _("민원인 메시지")
        ACK = "ack", _("접수 안내")
        REPLY = "reply", _("답장")
        INFO_REQUEST = "info_request", _("보완 요청")
        RESULT = "result", _("처리 결과 통보")
        TRANSFER = "transfer", _("이송 안내")
        REJECT = "reject", _("반려 안내")
        EXTENSION = "extension", _("처리기간 연장 안내")
        PROGRESS = "progress", _("중간 통지")
        SURVEY = "survey", _("만족도 조사")
        STATUS_LINK = "status_link", _("처리 현황 링크")
        FOLLOWED_RESULT = "followed_result", _("따라간 민원 처리 완료 안내")

    class Delivery(models.TextChoices):
        RECEIVED = "received", _("수신")
        QUEUED = "queued", _("발송 대기")
        SENDING = "sending", _("발송 중")
        UNKNOWN = "unknown", _("전달 확인 중")
        SENT = "sent", _("발송됨")
        DELIVERED = "delivered", _("전달됨")
        READ = "read", _("읽음")
        HELD = "held", _("통보 대기: 직접 연락 필요")
        FAILED = "failed", _("발송 실패")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.CITIZEN)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    account = models.CharField(max_length=100, default="web")
    external_id = models.CharField(max_length=200, null=True, blank=True)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.RECEIVED)
    states = States(
        "delivery",
        Delivery.QUEUED,
        Delivery.SENDING,
        Delivery.UNKNOWN,
        Delivery.SENT,
        Delivery.FAILED,
    )
    route = models.CharField(_("보낸 길"), max_length=20, blank=True)
    # Another citizen than the case's (one who follows it); empty: the case's citizen.
    recipient = models.ForeignKey(
        Citizen,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("받는 시민"),
    )
    extra = models.JSONField(
        default=dict, blank=True
    )  # channel options: quick replies, private reply
    deleted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "account", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="complaints_message_external_unique",
            )
        ]
        indexes = [models.Index(fields=["delivery", "next_attempt_at"], name="message_delivery")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_purpose_display()} #{self.pk}"

    @property
    def addressee(self) -> Citizen | None:
        """Whom an outbound notice goes to: a follower it names, else the case's citizen."""
        return self.recipient if self.recipient_id else self.complaint.citizen


class Follower(models.Model):
    """A citizen who pressed "이 민원 따라가기" on the form's map and left a phone with consent: told
    once when the case's result goes out (complaints/notices.tell_followers)."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="followers")
    citizen = models.ForeignKey(Citizen, models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)
    told_at = models.DateTimeField(_("처리 완료 안내 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("따라가는 시민")
        verbose_name_plural = _("따라가는 시민")

    def __str__(self) -> str:
        return f"{self.complaint_id} #{self.citizen_id}"


class EventAction(models.TextChoices):
    """Every kind of timeline entry and its label for people: the one place a code becomes words
    (test_event_labels checks every code written anywhere has one). Workflow actions keep their
    names from workflow.ACTIONS; a button says what to do, the timeline what was done."""

    RECEIVED = "received", _("접수")
    ASSIGN = "assign", _("부서 배정")
    REASSIGN = "reassign", _("재배정")
    START = "start", _("처리 시작")
    RECORD_ACTION = "record_action", _("조치 기록")
    REQUEST_INFO = "request_info", _("보완 요청")
    RESUME = "resume", _("보완 완료")
    SUBMIT = "submit", _("결과 작성·결재 요청")
    RETURN_DRAFT = "return_draft", _("결재 반려")
    APPROVE = "approve", _("결재")
    NOTIFY = "notify", _("결과 통보")
    CLOSE = "close", _("종결")
    MARK_DUPLICATE = "mark_duplicate", _("중복 처리")
    CLOSE_SPAM = "close_spam", _("스팸·광고로 종결")
    TRANSFER = "transfer", _("이송")
    REJECT = "reject", _("반려")
    WITHDRAW = "withdraw", _("취하")
    REPLY = "reply", _("답장")
    SET_KIND = "set_kind", _("민원 종류 변경")
    EXTEND = "extend", _("처리기간 연장")
    REOPEN = "reopen", _("다시 처리")
    CLOSE_REPEATED = "close_repeated", _("반복 민원 종결")
    MARK_MULTI_PARTY = "mark_multi_party", _("다수인관련민원 지정")
    RELATE = "relate", _("관련 민원 연결")
    RRN_REMOVED = "rrn_removed", _("주민등록번호 삭제")
    PLACE_FOUND = "place_found", _("읍면동 자동 기록")
    CITIZEN_MESSAGE = "citizen_message", _("민원인 메시지")
    PHOTO_REFUSED = "photo_refused", _("사진 받지 못함")
    CONTACT_CONSENT = "contact_consent", _("연락처 제공 동의")
    AGENT_REQUESTED = "agent_requested", _("담당자 연결 요청")
    CITIZEN_UNSENT = "citizen_unsent", _("민원인이 메시지 취소")
    CITIZEN_EDITED = "citizen_edited", _("민원인이 메시지 수정")
    CITIZEN_REACTION = "citizen_reaction", _("민원인 반응")
    COMMENT_REMOVED = "comment_removed", _("댓글 삭제됨")
    DELIVERY_FALLBACK = "delivery_fallback", _("다른 수단으로 발송")
    FOLLOWERS_TOLD = "followers_told", _("따라가는 시민에게 안내")
    DELIVERY_HELD = "delivery_held", _("통보 대기")
    DELIVERY_FAILED = "delivery_failed", _("발송 실패")
    DELIVERY_UNCONFIRMED = "delivery_unconfirmed", _("전달 확인 안 됨")
    RESEND = "resend", _("재발송")
    SATISFACTION = "satisfaction", _("만족도 응답")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("개인정보 열람")
    PERSONAL_DATA_PURGED = "personal_data_purged", _("개인정보 파기")
    REVISE_DRAFT = "revise_draft", _("결재자가 답변 수정")
    NOTE = "note", _("내부 메모")
    CONSULT = "consult", _("협조 요청")
    CONSULT_VIEWED = "consult_viewed", _("협조 부서 열람")


# Looks at personal data are audit records, shown in the access log, not in the case's story.
ACCESS_LOG_ACTIONS = frozenset({EventAction.PERSONAL_DATA_VIEWED, EventAction.CONSULT_VIEWED})


def event_label(code: str) -> str:
    """The label of a timeline code; an unknown code (an old row) is shown as it is."""
    try:
        return str(EventAction(code).label)
    except ValueError:
        return code


class Event(models.Model):
    """The timeline and audit log: every change and every look at personal data."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return event_label(self.action)


class Satisfaction(models.Model):
    """The citizen's answer to the survey sent after the result notice (one per case; a later
    answer replaces an earlier one)."""

    complaint = models.OneToOneField(Complaint, models.CASCADE, related_name="satisfaction")
    score = models.PositiveSmallIntegerField(_("만족도 (1–5)"), null=True, blank=True)
    unresolved = models.BooleanField(_("해결되지 않았다고 답함"), default=False)
    comment = models.TextField(_("의견"), blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    answered_at = models.DateTimeField(_("응답 시각"))

    class Meta:
        verbose_name = _("만족도")
        verbose_name_plural = _("만족도")

    def __str__(self) -> str:
        return f"{self.complaint.receipt_no}: {self.score or '-'}"


class Reminder(models.Model):
    """One reminder stage for one due time. The unique constraint is what lets exactly one worker
    send it, however many run the sweep at once; an extension makes a new due time and so new
    reminders."""

    class Stage(models.TextChoices):
        DAY_BEFORE = "day_before", _("기한 전날")
        DUE_DAY = "due_day", _("기한 당일")
        OVERDUE = "overdue", _("기한 경과")

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "stage", "due_at"], name="complaints_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.stage} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app notice for a staff member, also e-mailed when they have an address."""

    class Email(models.TextChoices):
        NONE = "", _("보내지 않음")
        QUEUED = "queued", _("발송 대기")
        SENDING = "sending", _("발송 중")
        SENT = "sent", _("발송됨")
        FAILED = "failed", _("발송 실패")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    complaint = models.ForeignKey(Complaint, models.CASCADE, null=True, blank=True)
    kind = models.CharField(max_length=20)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=8, choices=Email.choices, default=Email.NONE, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.subject


class Digest(models.Model):
    """A department's daily summary; the unique constraint makes it once a day."""

    department = models.ForeignKey("org.Department", models.CASCADE)
    date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "date"], name="complaints_digest_once")
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.date}"


class SavedReply(models.Model):
    """상용구: a reply text an officer inserts from the reply box, for one department (and the
    departments below it) or, without one, for the whole city. {접수번호}, {담당자}, {부서} and
    {처리기한} are filled in on the server for the case at hand (saved_replies.fill)."""

    title = models.CharField(_("제목"), max_length=100)
    body = models.TextField(_("내용"), max_length=4000)
    department = models.ForeignKey(
        "org.Department",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_replies",
        verbose_name=_("부서"),
        help_text=_("비우면 시 전체에서 씁니다."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("상용구")
        verbose_name_plural = _("상용구")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """협조 요청: another department asked for its view on a case it does not own. Its officers
    see that case (and only it) and answer in an internal note."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="consultations")
    department = models.ForeignKey(
        "org.Department", models.PROTECT, related_name="consultations", verbose_name=_("협조 부서")
    )
    question = models.TextField(_("요청 내용"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("협조 요청")
        verbose_name_plural = _("협조 요청")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.department_id}"
