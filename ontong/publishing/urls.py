from django.urls import path

from . import views

app_name = "publishing"
urlpatterns = [
    path("publishing/", views.desk, name="desk"),
    path("publishing/posts/new/", views.new_post, name="new"),
    path("publishing/dashboard/", views.dashboard, name="dashboard"),
    path("publishing/posts/<int:pk>/", views.post_detail, name="post"),
    path("publishing/posts/<int:pk>/edit/", views.edit_post, name="edit"),
    path("publishing/posts/<int:pk>/act/<str:action>/", views.act, name="act"),
    path("publishing/posts/<int:pk>/comment/", views.comment, name="comment"),
    path("publishing/posts/<int:pk>/move/", views.move, name="move"),
    path("publishing/posts/<int:pk>/export/", views.export_blog, name="export"),
    path("publishing/posts/<int:pk>/images/<int:image_pk>/", views.staff_image, name="staff_image"),
    path(
        "publishing/posts/<int:pk>/comments/<int:comment_pk>/complaint/",
        views.comment_to_complaint,
        name="comment_complaint",
    ),
    path("publishing/posts/<int:pk>/video/", views.staff_video, name="staff_video"),
    path("publishing/video/<str:token>/<str:name>", views.public_video, name="video"),
    path("publishing/targets/<int:pk>/record/", views.record_url, name="record"),
    path(
        "publishing/image/<str:token>/photo.jpg",
        views.public_image,
        {"variant": "jpg"},
        name="image_jpg",
    ),
    path(
        "publishing/image/<str:token>/original",
        views.public_image,
        {"variant": "original"},
        name="image",
    ),
]
