from django.urls import path

from feedback import views
from newsroom import converters  # noqa: F401  (registers <unicode_slug:…>)

app_name = "feedback"

urlpatterns = [
    path("articles/<unicode_slug:slug>/feedback/", views.vote, name="vote"),
]
