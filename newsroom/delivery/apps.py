from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "newsroom.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self):
        from articles.changes import content_changed
        from newsroom.delivery import purging, shown

        shown.watch_models()
        content_changed.connect(purging.purge, dispatch_uid="delivery-purge")
