from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("articles/<slug:slug>/feedback/", views.vote, name="vote"),
]
