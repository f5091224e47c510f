from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutingRule(models.Model):
    """A city's explicit rule: keyword (and/or place) → department. Rules come before the model."""

    name = models.CharField(_("규칙 이름"), max_length=100)
    keywords = models.TextField(
        _("키워드"), blank=True, help_text=_("쉼표로 구분. 하나라도 있으면 맞음")
    )
    area = models.ForeignKey(
        "org.Area", models.CASCADE, null=True, blank=True, verbose_name=_("읍면동")
    )
    department = models.ForeignKey("org.Department", models.CASCADE, verbose_name=_("부서"))
    priority = models.IntegerField(_("우선순위"), default=100, help_text=_("작을수록 먼저"))
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("배정 규칙")
        verbose_name_plural = _("배정 규칙")
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("\n", ",").split(",") if k.strip()]


class RoutingModel(models.Model):
    """A trained model version; only a promoted one serves suggestions."""

    created_at = models.DateTimeField(auto_now_add=True)
    examples = models.PositiveIntegerField(default=0)
    labels = models.PositiveIntegerField(default=0)
    holdout = models.PositiveIntegerField(default=0)
    holdout_top1 = models.FloatField(null=True, blank=True)
    holdout_top3 = models.FloatField(null=True, blank=True)
    incumbent_top1 = models.FloatField(null=True, blank=True)
    temperature = models.FloatField(
        default=1.0, help_text=_("확률 보정: 최근 사례에 맞춘 softmax 온도")
    )
    holdout_ece = models.FloatField(
        null=True, blank=True, help_text=_("보정 후 최근 사례에서의 기대 보정 오차(ECE)")
    )
    promoted = models.BooleanField(default=False)
    file = models.CharField(max_length=300, blank=True)
    # What the file was written with (suggest.library_versions): a model pickled by other
    # library versions is refused, not loaded (docs/routing.md).
    versions = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("배정 모델")
        verbose_name_plural = _("배정 모델")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"v{self.pk} ({'사용 중' if self.promoted else '보류'})"


class HistoricalCase(models.Model):
    """A past complaint imported from 새올 or another system: training data and similar cases."""

    source = models.CharField(max_length=200)
    row = models.PositiveIntegerField()
    text = models.TextField()
    department_name = models.CharField(max_length=100)
    department = models.ForeignKey("org.Department", models.SET_NULL, null=True, blank=True)
    answer = models.TextField(blank=True)
    # Content morphemes (search.terms), space-separated: the similar-case index reads them
    # instead of analysing every past case again.
    terms = models.TextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "row"], name="routing_history_unique_row")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.row}"


class SimilarIndex(models.Model):
    """A built index of answered cases for similar-case lookup (routing/nearest.py): files under
    var/models, cases changed after `covers_until` are looked up beside it."""

    created_at = models.DateTimeField(auto_now_add=True)
    covers_until = models.DateTimeField()
    cases = models.PositiveIntegerField(default=0)
    folder = models.CharField(max_length=300)
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("비슷한 민원 색인")
        verbose_name_plural = _("비슷한 민원 색인")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.cases}건)"


class ScheduledJob(models.Model):
    """The claim on a periodic background job (retraining, the similar-case index): the worker
    that enqueues it records the task here in the same transaction, so the other workers see it
    waiting and do not enqueue it again (routing/schedule.py)."""

    name = models.CharField(max_length=50, unique=True)
    task_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


def function_choices() -> list[tuple[str, str]]:
    from .dayone import function_choices

    return function_choices()


class FunctionDepartment(models.Model):
    """Which of this city's departments handles a function of the shipped taxonomy
    (routing/data/functions.toml): how a city with no history gets suggestions (routing/dayone.py)."""

    function = models.CharField(_("업무 기능"), max_length=40, choices=function_choices)
    department = models.ForeignKey(
        "org.Department", models.CASCADE, verbose_name=_("부서"), related_name="functions"
    )
    rank = models.PositiveSmallIntegerField(
        _("순위"), default=1, help_text=_("1 = 주 담당 부서, 2 = 함께 추천할 부서")
    )
    basis = models.CharField(
        _("근거"),
        max_length=200,
        blank=True,
        help_text=_("추천 근거로 보임. 예: 사무분장: 상수도 누수·단수"),
    )
    automatic = models.BooleanField(
        _("자동 제안"),
        default=False,
        help_text=_("사무분장으로 자동 제안된 연결 (사람이 고치면 꺼짐, 다시 제안 때 바뀜)"),
    )
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    class Meta:
        verbose_name = _("업무 기능 연결")
        verbose_name_plural = _("업무 기능 연결")
        ordering = ["function", "rank", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["function", "department"], name="routing_function_department_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} → {self.department}"


class SuccessionProposal(models.Model):
    """A department in imported history that stopped getting complaints when another, with
    similar complaints, started: proposed to the admin as a reorganisation (routing/succession.py).
    Accepting sets the old department's replaced_by (or, if only the history knows the old name,
    makes it an alias of the new one)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("제안")
        ACCEPTED = "accepted", _("받아들임")
        REJECTED = "rejected", _("거절")

    old_name = models.CharField(_("옛 부서 이름"), max_length=100)
    new_name = models.CharField(_("새 부서 이름"), max_length=100)
    old_last_seen = models.DateField(_("옛 부서 마지막 민원"))
    new_first_seen = models.DateField(_("새 부서 첫 민원"))
    old_cases = models.PositiveIntegerField(_("옛 부서 민원 수"))
    new_cases = models.PositiveIntegerField(_("새 부서 민원 수"))
    similarity = models.FloatField(
        _("민원 내용 유사도"), help_text=_("두 부서 민원의 평균 벡터 코사인")
    )
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(_("결정한 때"), null=True, blank=True)

    class Meta:
        verbose_name = _("부서 개편 제안")
        verbose_name_plural = _("부서 개편 제안")
        ordering = ["status", "-similarity"]
        constraints = [
            models.UniqueConstraint(
                fields=["old_name", "new_name"], name="routing_succession_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_name} → {self.new_name}"
