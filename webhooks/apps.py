from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from articles.changes import article_written
        from webhooks.events import record_article_write

        article_written.connect(record_article_write, dispatch_uid="webhooks.events")
