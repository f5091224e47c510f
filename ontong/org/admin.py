from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Area, Department, User


class DepartmentImportForm(forms.Form):
    file = forms.FileField(label=_("부서 목록 (CSV 또는 XLSX)"))


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    change_list_template = "admin/org/department/change_list.html"

    list_display = ["name", "kind", "parent", "phone", "is_active", "replaced_by"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "aliases", "keywords", "duty"]
    # Plain selects: select2's combobox has no accessible name (axe aria-input-field-name), and
    # a city's few hundred departments fit a select.
    actions = ["export_csv", "export_xlsx"]

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="org_department_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:org_department_changelist")
        form = DepartmentImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.import_departments(upload.read())
            except services.ImportError_ as exc:
                form.add_error("file", str(exc))
            else:
                if report.errors:
                    for error in report.errors[:50]:
                        messages.error(request, error)
                    messages.error(request, _("오류가 있어 아무것도 바꾸지 않았습니다."))
                else:
                    messages.success(
                        request,
                        _("새 부서 %(c)d개, 수정 %(u)d개")
                        % {"c": report.created, "u": report.updated},
                    )
                    return redirect("admin:org_department_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("부서 목록 가져오기"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/org/department/import.html", context)

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
    # UserAdmin sets fieldsets; django-stubs says it may be None.
    fieldsets = UserAdmin.fieldsets + ((_("온통"), {"fields": ["department", "work_phone"]}),)  # type: ignore[operator]
    list_display = ["username", "last_name", "first_name", "department", "is_active"]
    list_filter = ["department", "groups", "is_active"]
