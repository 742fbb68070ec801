from django.urls import include, path

from .recruitment import views

urlpatterns = [
    path("hrflow/", include("hrflow_matching.urls")),
    path("pipeline/<int:pk>/stage/<int:stage>/", views.move_stage, name="move-stage"),
]
