from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import succession
from .dayone import propose_mapping
from .models import (
    FunctionDepartment,
    HistoricalCase,
    RoutingModel,
    RoutingRule,
    SuccessionProposal,
)
from .tasks import retrain


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "keywords", "area", "department", "priority", "is_active"]
    list_filter = ["is_active", "department"]
    autocomplete_fields = ["department"]


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "created_at",
        "examples",
        "labels",
        "holdout",
        "holdout_top1",
        "holdout_top3",
        "incumbent_top1",
        "temperature",
        "holdout_ece",
        "promoted",
        "note",
    ]
    readonly_fields = [f.name for f in RoutingModel._meta.fields]
    actions = ["retrain_now"]

    @admin.action(description=_("지금 다시 학습 (백그라운드)"))
    def retrain_now(self, request: HttpRequest, queryset: QuerySet[RoutingModel]) -> None:
        retrain.enqueue()
        messages.success(request, _("재학습을 작업 대기열에 넣었습니다."))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(HistoricalCase)
class HistoricalCaseAdmin(admin.ModelAdmin):
    list_display = ["source", "row", "department_name", "department", "received_at"]
    list_filter = ["source"]
    exclude = ["text", "answer"]


@admin.register(FunctionDepartment)
class FunctionDepartmentAdmin(admin.ModelAdmin):
    list_display = ["function", "department", "rank", "basis", "automatic", "updated_at"]
    list_filter = ["automatic", "function"]
    list_editable = ["rank"]
    search_fields = ["department__name", "basis"]
    autocomplete_fields = ["department"]
    readonly_fields = ["automatic", "updated_at"]
    actions = ["propose_again"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.automatic = False  # a person has checked it: proposing again keeps it
        super().save_model(request, obj, form, change)

    @admin.action(description=_("사무분장으로 다시 제안 (사람이 정한 기능은 그대로)"))
    def propose_again(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = propose_mapping()
        messages.success(
            request, _("자동 제안 %(count)d건을 새로 만들었습니다.") % {"count": count}
        )


@admin.register(SuccessionProposal)
class SuccessionProposalAdmin(admin.ModelAdmin):
    list_display = [
        "old_name",
        "new_name",
        "old_last_seen",
        "new_first_seen",
        "old_cases",
        "new_cases",
        "similarity",
        "status",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["old_name", "new_name"]
    readonly_fields = [f.name for f in SuccessionProposal._meta.fields]
    actions = ["accept", "reject", "propose_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("받아들이기: 옛 부서를 새 부서로 (개편 후 부서 설정)"))
    def accept(self, request: HttpRequest, queryset: QuerySet[SuccessionProposal]) -> None:
        for item in queryset.filter(status=SuccessionProposal.Status.PROPOSED):
            item.refresh_from_db()  # accepting one may have rejected the next
            if item.status != SuccessionProposal.Status.PROPOSED:
                continue
            try:
                new = succession.accept(item)
            except succession.CannotAccept as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("%(old)s → %(new)s: 다음 학습부터 새 부서로 배웁니다.")
                    % {"old": item.old_name, "new": new.name},
                )

    @admin.action(description=_("거절"))
    def reject(self, request: HttpRequest, queryset: QuerySet[SuccessionProposal]) -> None:
        for item in queryset.filter(status=SuccessionProposal.Status.PROPOSED):
            succession.reject(item)

    @admin.action(description=_("가져온 이력에서 다시 찾기"))
    def propose_again(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = len(succession.propose())
        messages.success(request, _("새 개편 제안 %(count)d건.") % {"count": count})
