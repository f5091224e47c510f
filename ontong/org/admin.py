from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Area, Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "phone", "is_active", "replaced_by"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "aliases", "keywords", "duty"]
    autocomplete_fields = ["parent", "replaced_by"]
    actions = ["export_csv", "export_xlsx"]

    @admin.action(description=_("선택한 부서를 CSV로 내보내기"))
    def export_csv(self, request, queryset):
        response = HttpResponse(
            services.export_departments_csv(queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="departments.csv"'
        return response

    @admin.action(description=_("선택한 부서를 XLSX로 내보내기"))
    def export_xlsx(self, request, queryset):
        response = HttpResponse(
            services.export_departments_xlsx(queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="departments.xlsx"'
        return response


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "office"]
    search_fields = ["name", "code"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("온통"), {"fields": ["department", "work_phone"]}),)
    list_display = ["username", "last_name", "first_name", "department", "is_active"]
    list_filter = ["department", "groups", "is_active"]
