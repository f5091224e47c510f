from django.contrib import admin

from .models import Post, PostEvent, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    readonly_fields = [
        "state",
        "container_id",
        "remote_id",
        "attempts",
        "last_error",
        "published_at",
    ]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "planned_at", "created_by", "approved_by"]
    list_filter = ["state"]
    inlines = [TargetInline]
    readonly_fields = ["state", "approved_by", "created_by"]


@admin.register(PostEvent)
class PostEventAdmin(admin.ModelAdmin):
    list_display = ["post", "action", "actor", "created_at"]
    readonly_fields = [f.name for f in PostEvent._meta.fields]
