from django.contrib import admin

from .models import Complaint, Event, Message


class ReadOnlyEvents(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "action", "from_state", "to_state", "note", "ip"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
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

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
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

    def has_change_permission(self, request, obj=None):
        return False
