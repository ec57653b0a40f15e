from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("tags/<slug:slug>/", views.TagArticleListView.as_view(), name="tag"),
    path("sections/<slug:slug>/", views.SectionArticleListView.as_view(), name="section"),
    path("how-it-works/", views.methodology, name="methodology"),
    path("pages/<slug:slug>/", views.PageDetailView.as_view(), name="page"),
]
