from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import HistoricalCase, RoutingModel, RoutingRule
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
    def retrain_now(self, request, queryset):
        retrain.enqueue()
        messages.success(request, _("재학습을 작업 대기열에 넣었습니다."))

    def has_add_permission(self, request):
        return False


@admin.register(HistoricalCase)
class HistoricalCaseAdmin(admin.ModelAdmin):
    list_display = ["source", "row", "department_name", "department", "received_at"]
    list_filter = ["source"]
    exclude = ["text", "answer"]
