from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .dayone import propose_mapping
from .models import FunctionDepartment, HistoricalCase, RoutingModel, RoutingRule
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
