from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "articles.editorial"
    label = "editorial"
    verbose_name = "Editorial record"
