from django.urls import path

from . import theme_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk, name="bulk"),
    path("complaints/", views.search, name="search"),
    path("overdue/", views.overdue, name="overdue"),
    path("notifications/", views.notifications, name="notifications"),
    path("approvals/", views.approvals, name="approvals"),
    path("consultations/", views.consultations, name="consultations"),
    path("saved-replies/", views.saved_reply_list, name="saved_replies"),
    path("saved-replies/<int:reply_id>/", views.saved_reply_edit, name="saved_reply_edit"),
    path("reports/", views.report, name="reports"),
    path("map/", views.cases_map, name="cases_map"),
    path("publishing/themes/", theme_views.theme_list, name="themes"),
    path("publishing/themes/draft/", theme_views.theme_draft, name="theme_draft"),
    path("complaints/<str:receipt_no>/", views.detail, name="detail"),
    path("complaints/<str:receipt_no>/act/<str:action>/", views.act, name="act"),
    path(
        "complaints/<str:receipt_no>/departments/",
        views.department_options,
        name="department_options",
    ),
    path("complaints/<str:receipt_no>/reveal/", views.reveal, name="reveal"),
    path("complaints/<str:receipt_no>/approve/", views.approve, name="approve"),
    path(
        "complaints/<str:receipt_no>/saved-replies/",
        views.saved_reply_options,
        name="saved_reply_options",
    ),
    path("complaints/<str:receipt_no>/access-log/", views.access_log, name="access_log"),
    path(
        "complaints/<str:receipt_no>/messages/<int:message_id>/resend/", views.resend, name="resend"
    ),
    path(
        "complaints/<str:receipt_no>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
