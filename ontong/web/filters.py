"""The filter form shared by every list, and its export."""

from datetime import date, datetime, time, timedelta
from itertools import islice

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.complaints import privacy
from ontong.complaints.models import CLOCK_STOPPED, Channel, State
from ontong.complaints.search import search_filter
from ontong.org.models import Area, Department
from ontong.tabular import to_csv, to_xlsx

# No complaint predates the city's system, and a date beyond this cannot be converted to UTC
# (0001-01-01 in Korean time is before datetime.min): outside these, a date is refused.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
# A page beyond this is clamped: its offset would overflow the database's integer.
MAX_PAGE = 100_000


class BoundedDateField(forms.DateField):
    default_error_messages = {"invalid": _("날짜를 YYYY-MM-DD 형식으로 넣어 주세요.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)
        self.validators += [
            MinValueValidator(EARLIEST_DATE, message=_("날짜는 %(limit_value)s 이후여야 합니다.")),
            MaxValueValidator(LATEST_DATE, message=_("날짜는 %(limit_value)s 이전이어야 합니다.")),
        ]


def page_number(value) -> int:
    """The page asked for, clamped to 1..MAX_PAGE (junk is page 1)."""
    try:
        return min(max(1, int(str(value or 1)[:12])), MAX_PAGE)
    except ValueError:
        return 1


class ListFilter(forms.Form):
    q = forms.CharField(label=_("검색"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("상태"), required=False, choices=[("", _("전체"))] + State.choices
    )
    department = forms.ModelChoiceField(
        label=_("부서"), required=False, queryset=Department.objects.all(), empty_label=_("전체")
    )
    channel = forms.ChoiceField(
        label=_("채널"), required=False, choices=[("", _("전체"))] + Channel.choices
    )
    area = forms.ModelChoiceField(
        label=_("읍면동"), required=False, queryset=Area.objects.all(), empty_label=_("전체")
    )
    overdue = forms.BooleanField(label=_("기한 경과만"), required=False)
    notice_problem = forms.BooleanField(label=_("통보 대기·발송 실패만"), required=False)
    date_from = BoundedDateField(label=_("접수일 부터"))
    date_to = BoundedDateField(label=_("접수일 까지"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # Korean labels take no colon
        super().__init__(*args, **kwargs)

    def apply(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["q"].strip():
            queryset = queryset.filter(search_filter(data["q"]))
        for field in ("state", "department", "channel", "area"):
            if data[field]:
                queryset = queryset.filter(**{field: data[field]})
        if data["overdue"]:
            queryset = queryset.filter(due_at__lt=timezone.now()).exclude(state__in=CLOCK_STOPPED)
        if data["notice_problem"]:
            queryset = queryset.filter(
                messages__direction="out", messages__delivery__in=["held", "failed", "unknown"]
            ).distinct()
        zone = timezone.get_current_timezone()
        if data["date_from"]:
            queryset = queryset.filter(
                received_at__gte=datetime.combine(data["date_from"], time.min, zone)
            )
        if data["date_to"]:
            queryset = queryset.filter(
                received_at__lte=datetime.combine(data["date_to"], time.max, zone)
            )
        return queryset


REPORT_DAYS = 30


class ReportPeriod(forms.Form):
    """통계's period: the last 30 days unless asked; end before start is swapped, not refused."""

    start = BoundedDateField(label=_("시작일"))
    end = BoundedDateField(label=_("종료일"))

    def period(self, today: date) -> tuple[date, date]:
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=REPORT_DAYS - 1)
        return (start, end) if start <= end else (end, start)


EXPORT_HEADERS = [
    "접수번호",
    "접수일시",
    "종류",
    "상태",
    "채널",
    "부서",
    "담당자",
    "읍면동",
    "제목",
    "처리기한",
    "종결일시",
]


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


EXPORT_CHUNK = 1000


def export_rows(queryset):
    """Exports carry no contact details, and titles are masked (numbers and people's names): a
    file travels further than a screen. Names are found a chunk of titles at a time (Kiwi)."""
    rows = queryset.select_related("department", "assignee", "area").iterator(
        chunk_size=EXPORT_CHUNK
    )
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        titles = privacy.mask_names_many([privacy.mask_text(c.title) for c in chunk])
        yield from (export_row(c, title) for c, title in zip(chunk, titles, strict=True))


def export_row(c, title: str) -> list:
    return [
        c.receipt_no,
        local(c.received_at),
        c.get_kind_display(),
        c.get_state_display(),
        c.get_channel_display(),
        c.department.name if c.department else "",
        (c.assignee.get_full_name() or c.assignee.username) if c.assignee else "",
        c.area.name if c.area else "",
        title,
        local(c.due_at),
        local(c.closed_at),
    ]


def export_csv(queryset) -> bytes:
    return to_csv(EXPORT_HEADERS, export_rows(queryset))


def export_xlsx(queryset) -> bytes:
    return to_xlsx(EXPORT_HEADERS, export_rows(queryset), title="민원")


class UncountedPage:
    """A page of search results that does not count them all: counting the matches of a common
    word reads every one (bench/scale.py: 22 s for a word in 180,000 of a million complaints),
    while the newest page of them is found at once. One row more than a page tells whether
    there is a next page. Shaped like Django's Page for the list template (paginator is None)."""

    paginator = None

    def __init__(self, queryset, number, per_page: int):
        self.number = page_number(number)
        start = (self.number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self.object_list, self.more = rows[:per_page], len(rows) > per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1
