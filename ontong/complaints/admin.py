from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    ApprovalOption,
    CityHoliday,
    Complaint,
    Event,
    FirstAnswerTarget,
    KindPeriod,
    Message,
    SavedReply,
)
from .tasks import recompute_due_times


class RecomputesDueTimes(admin.ModelAdmin):
    """Changing the calendar or a period moves the due time of every case still running."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        recompute_due_times.enqueue()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        recompute_due_times.enqueue()


@admin.register(CityHoliday)
class CityHolidayAdmin(RecomputesDueTimes):
    list_display = ["date", "name"]


@admin.register(KindPeriod)
class KindPeriodAdmin(RecomputesDueTimes):
    list_display = ["kind", "amount", "unit"]


@admin.register(FirstAnswerTarget)
class FirstAnswerTargetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FirstAnswerTarget.objects.exists()


@admin.register(ApprovalOption)
class ApprovalOptionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "notify_on_approval"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ApprovalOption.objects.exists()


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "updated_at"]
    list_filter = ["department"]
    search_fields = ["title", "body"]


class ReadOnlyEvents(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "action", "from_state", "to_state", "note", "ip"]
    fields = tuple(readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only here: changes go through the workspace so the state machine and audit apply."""

    list_display = [
        "receipt_no",
        "title",
        "state",
        "department",
        "channel",
        "received_at",
        "due_at",
    ]
    list_filter = ["state", "channel", "kind", "department"]
    search_fields = ["receipt_no", "title"]
    inlines = [ReadOnlyEvents]
    exclude = ["body", "search_text", "status_token"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "complaint",
        "direction",
        "purpose",
        "channel",
        "delivery",
        "attempts",
        "created_at",
    ]
    list_filter = ["delivery", "purpose", "channel"]
    exclude = ["body"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
